package cli

import (
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func TestPeerTitle(t *testing.T) {
	for _, c := range []struct {
		p    wire.Peer
		want string
	}{
		{wire.Peer{Device: "dev_x", Account: "acc_y", Name: "Ada", DeviceName: "laptop"}, "Ada (laptop)"},
		{wire.Peer{Device: "dev_x", Account: "acc_y", Name: "Ada"}, "Ada"},
		{wire.Peer{Device: "dev_x", Account: "acc_y", DeviceName: "laptop"}, "laptop of acc_y"},
		{wire.Peer{Device: "dev_x", Account: "acc_y"}, "dev_x"},
		{wire.Peer{Device: "dev_x", Account: "acc_y", Name: "\x1b[2JAda"}, `\x1b[2JAda`},
	} {
		if got := peerTitle(c.p); got != c.want {
			t.Errorf("peerTitle(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}
