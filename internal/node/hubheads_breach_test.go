package node

import (
	"bytes"
	"testing"
	"time"

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
	nw.host.Handle(services.HeadsProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveHeads(ctx, nw, remote, s)
		done <- remote
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := breachPeer(t, mn, n, nil)
			s, err := h.Open(ctx, n.device.Public(), services.HeadsProtocol)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(c.send); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond) // the bytes reach the node before the end
			c.end(h, s)
			select {
			case r := <-done:
				if r != h.Key() {
					t.Fatalf("the handler ended for %s, want %s", r.Device(), h.Key().Device())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the node's handler did not end")
			}
			if _, refused := nw.host.Refused(h.Key()); refused != c.penalised {
				t.Fatalf("peer penalised: %v, want %v", refused, c.penalised)
			}
		})
	}
}
