package node

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// A peer whose heads request stream breaks or ends before the request is
// whole, or that sends a request of another version, is not penalised;
// one that sends garbage, logs out of order or a length over the bound is.
func TestMockHeadsBreachesPenalised(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, nw := breachNode(t, mn)
	var req bytes.Buffer
	q := services.HeadsRequest{Logs: []services.HeadsLog{{Author: services.Key32{1}}, {Author: services.Key32{2}}}}
	if err := services.WriteHeadsRequest(&req, q); err != nil {
		t.Fatal(err)
	}
	frame := req.Bytes()
	// The same two logs, the other way round.
	swapped := append([]byte{}, frame...)
	swapped[4+6], swapped[4+6+69] = 2, 1
	version2 := append([]byte{}, frame...)
	version2[5] = 2
	cases := breachCases(frame)[:6]
	cases = append(cases,
		breachCase{"length over the bound", []byte{0, 1, 0x20, 0x01, 0x82}, endReset, true},
		breachCase{"logs out of order", swapped, endClose, true},
		breachCase{"another version", version2, endClose, false},
	)
	done := make(chan identity.PublicKey, 16)
	ctx := t.Context()
	var reads readWatch
	nw.host.Handle(services.HeadsProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveHeads(ctx, nw, remote, reads.wrap(s))
		done <- remote
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runBreach(t, mn, n, nw, services.HeadsProtocol, c, done, &reads) })
	}
}
