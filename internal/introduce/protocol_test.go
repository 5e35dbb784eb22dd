package introduce

import (
	"testing"

	"github.com/kithnet/kith/internal/netnode"
)

// TestProtocolID: the resource manager's limits are for this protocol id.
func TestProtocolID(t *testing.T) {
	if Protocol != netnode.IntroduceProtocol {
		t.Fatalf("introduce.Protocol %q, netnode.IntroduceProtocol %q", Protocol, netnode.IntroduceProtocol)
	}
}
