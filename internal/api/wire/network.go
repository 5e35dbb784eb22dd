package wire

import "time"

// Peer is one connected peer (a device).
type Peer struct {
	Device  string `json:"device"`            // dev_…
	Account string `json:"account,omitempty"` // acc_…; absent while its certificate is unknown
	// Name is the account's profile name and DeviceName the name its
	// certificate gives the device ("laptop"); absent when unknown.
	Name       string `json:"name,omitempty"`
	DeviceName string `json:"device_name,omitempty"`
	PeerID     string `json:"peer_id"`   // libp2p peer id
	Addr       string `json:"addr"`      // remote multiaddr
	Outbound   bool   `json:"outbound"`  // this node dialled
	Transport  string `json:"transport"` // tcp, quic, ws, webrtc-direct, relay
	// Direct says, of a relayed peer, what became of the last attempt to
	// connect to it directly (hole punching); absent before any.
	Direct string `json:"direct,omitempty"`
	// LatencyMS is the round-trip time in milliseconds; null until measured.
	LatencyMS *float64  `json:"latency_ms"`
	Since     time.Time `json:"since"`
	// Sync is the sync session with the peer; null when none runs.
	Sync *PeerSync `json:"sync"`
	// Services are what the peer offers this node (doc/protocol/
	// services.md); null until it announced them, empty if none.
	Services []PeerService `json:"services"`
}

// PeerService is one service a peer offers, with its limits by name
// (bytes, seconds, connections, entries; "limit_N" for a key this node
// does not know).
type PeerService struct {
	Name   string            `json:"name"`
	Limits map[string]uint64 `json:"limits,omitempty"`
}

// PeerSync is the state of the sync session with one peer.
type PeerSync struct {
	Phase           string `json:"phase"` // hello, reconciling, catching-up, live
	CaughtUp        bool   `json:"caught_up"`
	LogsWanted      int    `json:"logs_wanted"`
	EntriesExpected int64  `json:"entries_expected"`
	EntriesReceived int64  `json:"entries_received"`
	EntriesSent     int64  `json:"entries_sent"`
	BytesIn         int64  `json:"bytes_in"`
	BytesOut        int64  `json:"bytes_out"`
	Forks           int    `json:"forks"`
	// Revoked counts the entries refused because their device was
	// revoked and its revocation does not keep them.
	Revoked int `json:"revoked"`
}

// PeerList answers GET /api/v1/peers.
type PeerList struct {
	Peers []Peer `json:"peers"`
}

// AddPeerRequest is the body of POST /api/v1/peers.
type AddPeerRequest struct {
	Addr string `json:"addr"` // a multiaddr ending in /p2p/PEER_ID
}

// MaxAddrLen bounds AddPeerRequest.Addr, in bytes.
const MaxAddrLen = 1024

// Status answers GET /api/v1/status.
type Status struct {
	Account string     `json:"account"`
	Device  string     `json:"device"`
	Serving bool       `json:"serving"`
	Addrs   []string   `json:"addrs"` // listen multiaddrs with /p2p/
	Peers   int        `json:"peers"`
	Logs    int        `json:"logs"`
	Entries uint64     `json:"entries"`
	Sync    SyncTotals `json:"sync"`
	Blobs   BlobTotals `json:"blobs"`
	Copies  Copies     `json:"copies"` // where the account's own data is held
	// Strangers: what peers the node does not want hold and were refused;
	// absent while the network does not run.
	Strangers *Strangers `json:"strangers,omitempty"`
	// Revoked is set when this device was revoked by its account: it can
	// no longer write.
	Revoked *SelfRevoked `json:"revoked,omitempty"`
	// Hub: this node serves relay to others ([hub] on in config.toml).
	Hub bool `json:"hub"`
	// HubSlots are the hubs (dev_…) at which this node holds a relay slot.
	HubSlots []string `json:"hub_slots"`
	// Warnings say what of the configured network does not run.
	Warnings []string `json:"warnings,omitempty"`
	// TURN: the node's STUN/TURN server for browser peers (turn_listen);
	// absent when it runs none.
	TURN *TURN `json:"turn,omitempty"`
}

// TURN counts what the node's STUN/TURN server did since the network
// started (doc/protocol/ice.md).
type TURN struct {
	Listen           []string `json:"listen"` // UDP IP:PORT
	Allocations      int      `json:"allocations"`
	AllocationsTotal int64    `json:"allocations_total"`
	BytesRelayed     int64    `json:"bytes_relayed"`
	RefusedAuth      int64    `json:"refused_auth"`     // credentials expired, malformed or not a connected browser's
	RefusedQuota     int64    `json:"refused_quota"`    // allocations over a device's or the server's cap
	RefusedPeer      int64    `json:"refused_peer"`     // permissions towards an address that is not a browser's
	DroppedOwn       int64    `json:"dropped_own"`      // datagrams to this machine not for an allocation
	DroppedStranger  int64    `json:"dropped_stranger"` // datagrams to a relayed address from an address no permission names
	DroppedErrors    int64    `json:"dropped_errors"`   // STUN error answers not sent: over the limit a second to their address
	EndedBytes       int64    `json:"ended_bytes"`      // allocations closed at their byte limit
	EndedLifetime    int64    `json:"ended_lifetime"`   // allocations closed at their lifetime
	EndedHourly      int64    `json:"ended_hourly"`     // allocations closed at their device's bytes in the hour
	EndedLeft        int64    `json:"ended_left"`       // allocations closed: their device no longer connected or of the circle
}

// SelfRevoked says that the node's own device was revoked, by which entry,
// and what to do.
type SelfRevoked struct {
	Account string `json:"account"`
	By      string `json:"by"` // the device.revoke entry
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
}

// SyncTotals sums the sync sessions.
type SyncTotals struct {
	Sessions        int   `json:"sessions"`
	CaughtUp        int   `json:"caught_up"`
	EntriesExpected int64 `json:"entries_expected"`
	EntriesReceived int64 `json:"entries_received"`
	EntriesSent     int64 `json:"entries_sent"`
}

// BlobTotals counts blob transfers since the node started.
type BlobTotals struct {
	Pending int   `json:"pending"`
	Fetched int64 `json:"fetched"`
	Served  int64 `json:"served"`
	Failed  int64 `json:"failed"`
}

// InviteRequest is the body of POST /api/v1/invites.
type InviteRequest struct {
	// TTLSeconds is how long the invite is valid: MinInviteTTL to
	// MaxInviteTTL seconds; 0 (or absent) means DefaultInviteTTL.
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
}

// Bounds of InviteRequest.TTLSeconds.
const (
	DefaultInviteTTL = 24 * 60 * 60
	MinInviteTTL     = 60
	MaxInviteTTL     = 30 * 24 * 60 * 60
)

// Invite answers POST /api/v1/invites.
type Invite struct {
	Code    string    `json:"code"` // paste it, or show it as a QR code
	Account string    `json:"account"`
	Device  string    `json:"device"`
	Addrs   []string  `json:"addrs"`
	Expires time.Time `json:"expires"`
	// QRSVG is Code as a QR code: an SVG document, dark modules on white
	// with a quiet zone; "" when the code is too long to be drawn.
	QRSVG string `json:"qr_svg"`
}

// JoinRequest is the body of POST /api/v1/join.
type JoinRequest struct {
	Code string `json:"code"`
}

// MaxInviteCodeLen bounds JoinRequest.Code, in bytes.
const MaxInviteCodeLen = 4096

// JoinResult answers POST /api/v1/join.
type JoinResult struct {
	Account  string `json:"account"` // the inviter's account, now followed
	Device   string `json:"device"`  // the inviter's device, now connected
	Mutual   bool   `json:"mutual"`  // the inviter follows back
	FollowID string `json:"follow_id,omitempty"`
	// Name is the inviter's profile name, when this node holds it by the
	// time the join is done (its profile may come with the first sync).
	Name string `json:"name,omitempty"`
}
