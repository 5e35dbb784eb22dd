package node

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// A peer whose lease request stream breaks or ends before the request is
// whole, or that sends a request of another version, is not penalised;
// one that sends garbage, a lease of 0 seconds or a length over the bound
// is (services.md §9, "Bad input").
func TestMockLeaseBreachesPenalised(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, nw := breachNode(t, mn)
	var req bytes.Buffer
	q := services.LeaseRequest{Account: services.Key32{1}, Nonce: services.Nonce16{2}, Seconds: 60, Bytes: 1}
	if err := services.WriteLeaseRequest(&req, q); err != nil {
		t.Fatal(err)
	}
	frame := req.Bytes()
	version2 := append([]byte{}, frame...)
	version2[5] = 2
	// The request ends in seconds 60 (18 3c) and bytes 1 (01): seconds 0
	// (00) instead makes the body one byte shorter.
	zeroSeconds := append(append([]byte{}, frame[:len(frame)-3]...), 0x00, 0x01)
	zeroSeconds[3]--
	cases := breachCases(frame)[:6]
	cases = append(cases,
		breachCase{"length over the bound", []byte{0, 0, 0x01, 0x01, 0x85}, endReset, true},
		breachCase{"a lease of 0 seconds", zeroSeconds, endClose, true},
		breachCase{"another version", version2, endClose, false},
	)
	done := make(chan identity.PublicKey, 16)
	ctx := t.Context()
	var reads readWatch
	nw.host.Handle(services.LeaseProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveLease(ctx, nw, remote, reads.wrap(s))
		done <- remote
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runBreach(t, mn, n, nw, services.LeaseProtocol, c, done, &reads) })
	}
}
