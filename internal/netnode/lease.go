package netnode

import (
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"

	"github.com/kithnet/kith/internal/services"
)

// LeaseProtocol carries a request to a holder to keep an account's logs
// under a data lease (doc/protocol/services.md §9).
const LeaseProtocol = services.LeaseProtocol

// leaseLimits are LeaseProtocol's per-peer limits: one request at a time
// (a body of at most 256 bytes, an answer of at most 1 KiB).
var leaseLimits = rcmgr.ResourceLimits{
	Streams:         4,
	StreamsInbound:  2,
	StreamsOutbound: 2,
	Memory:          1 << 20,
}
