package netnode

import "github.com/kithnet/kith/internal/services"

// The stream protocols kith registers through Handle. The resource manager
// gives each its own per-peer limits (see limits.go and doc/network.md).
const (
	// SyncProtocol carries log replication (doc/protocol/sync.md).
	SyncProtocol = "/kith/sync/1"
	// BlobProtocol carries blob want/have/get (doc/protocol/blob.md).
	BlobProtocol = "/kith/blob/1"
	// VillageRequestProtocol carries a stranger's request to a village
	// (doc/protocol/village.md §6).
	VillageRequestProtocol = "/kith/village/request/1"
	// PairProtocol carries the pairing of a new device with its account
	// (doc/protocol/pairing.md).
	PairProtocol = "/kith/pair/1"
	// ServicesProtocol carries the announcement of the services a node
	// offers a peer (doc/protocol/services.md).
	ServicesProtocol = services.Protocol
	// HeadsProtocol carries a question to a hub for the heads of a list of
	// logs (doc/protocol/services.md §6).
	HeadsProtocol = services.HeadsProtocol
	// PresenceProtocol carries a node's presence at a hub and short
	// messages (doc/protocol/services.md §7).
	PresenceProtocol = services.PresenceProtocol
	// VillageFoundProtocol carries a founding to a co-founder's device
	// (doc/protocol/village.md §6a).
	VillageFoundProtocol = "/kith/village/found/1"
	// IntroduceProtocol carries a browser peer's question for the browser
	// peers it may meet through the signalling relay
	// (doc/protocol/introduce.md).
	IntroduceProtocol = "/kith/introduce/1"
	// ICEProtocol carries a browser peer's question for the node's
	// STUN/TURN server and credentials (doc/protocol/ice.md).
	ICEProtocol = "/kith/ice/1"
)

// DHTProtocolPrefix is the prefix of the private Kademlia DHT's protocol
// ("/kith/kad/1.0.0"), which keeps kith's DHT apart from the IPFS one.
const DHTProtocolPrefix = "/kith"

// mdnsServiceName is the DNS-SD service kith announces on the LAN.
const mdnsServiceName = "_kith._udp"
