package node

import (
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// PeerInfo describes one connected peer (a device) as the node sees it.
type PeerInfo struct {
	Device    identity.DeviceID
	Account   identity.AccountID // zero when the device's certificate is not known yet
	PeerID    string             // libp2p peer id
	Addr      string             // remote multiaddr of the connection
	Outbound  bool               // this node dialled
	Transport string             // tcp, quic, ws, relay
	Direct    string             // of a relayed peer: what became of the last attempt to connect directly
	Latency   time.Duration      // 0 when not measured yet
	Since     time.Time
	Sync      *SyncInfo // nil when no sync session runs with the peer
	// Services are what the peer offers this node (doc/protocol/
	// services.md); nil until it announced them, empty if it offers none.
	Services []services.Service
}

// SyncInfo is the state of the sync session with one peer.
type SyncInfo struct {
	Phase           string // hello, reconciling, catching-up, live
	CaughtUp        bool
	LogsWanted      int
	EntriesExpected int64
	EntriesReceived int64
	EntriesSent     int64
	BytesIn         int64
	BytesOut        int64
	Forks           int
	Revoked         int // entries refused as a revoked device's that its revocation does not keep
}

// Status is the node's state for 'kith status'.
type Status struct {
	Account identity.AccountID
	Device  identity.DeviceID
	Serving bool     // the network runs (false for a node opened by a one-shot command)
	Addrs   []string // listen multiaddrs with /p2p/
	Peers   int
	Logs    int    // logs held
	Entries uint64 // entries held (sum of head seqs)
	Sync    SyncTotals
	Blobs   BlobTotals
	Revoked *Revocation // this device was revoked by its account (nil: it was not)
	// Hub: this node serves relay to others ([hub] on). HubSlots: the
	// hubs at which it holds a relay slot now. Warnings: what of the
	// configured network does not run (NetworkWarnings).
	Hub      bool
	HubSlots []identity.DeviceID
	Warnings []string
	Copies   Copies // where the account's own data is held (copies.go)
	// TURN: the STUN/TURN server for browser peers (turn_listen, ice.go);
	// nil when it runs none.
	TURN *TURNStats
}

// SyncTotals sums the sync sessions.
type SyncTotals struct {
	Sessions        int
	CaughtUp        int // sessions whose peer has sent everything it announced
	EntriesExpected int64
	EntriesReceived int64
	EntriesSent     int64
}

// BlobTotals counts blob transfers since the node started.
type BlobTotals struct {
	Pending int
	Fetched int64
	Served  int64
	Failed  int64
	// Busy counts blob requests and streams answered busy (every serving
	// slot taken, or the peer's share of them); Preempted counts slow
	// transfers ended to give their slot to another peer
	// (doc/protocol/blobsync.md, "Sharing the responder").
	Busy      int64
	Preempted int64
	// Throttled counts blob requests whose answer waited because the peer
	// asked for more look-ups than its pace allows.
	Throttled int64
}

// Invite is an invitation to connect and follow each other.
type Invite struct {
	Code    string // text form to paste or show as a QR code
	Account identity.AccountID
	Device  identity.DeviceID
	Addrs   []string
	Expires time.Time
}

// JoinResult is what Join did.
type JoinResult struct {
	Account  identity.AccountID // the inviter's account, now followed
	Device   identity.DeviceID  // the inviter's device, now connected and kept
	Mutual   bool               // the inviter accepted and follows back
	FollowID string             // the follow entry this node published ("" if it already followed)
}
