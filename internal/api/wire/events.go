package wire

// The event names of GET /api/v1/events (Server-Sent Events).
const (
	EventHello  = "hello"
	EventEntry  = "entry"
	EventPeers  = "peers"  // data: a PeerList
	EventSync   = "sync"   // data: a SyncTotals
	EventResync = "resync" // data: {}
	EventSpace  = "space"  // data: a SpaceEvent
)

// Hello is the data of the first event of a stream.
type Hello struct {
	Account     string `json:"account"` // acc_…; "" before setup
	Initialized bool   `json:"initialized"`
}

// EntryEvent is the data of an entry event: an entry was stored.
type EntryEvent struct {
	ID string `json:"id"` // ent_…
	// Type is the payload's type; null when the payload is not held or is
	// not a typed payload (ciphertext).
	Type    *string `json:"type"`
	Account string  `json:"account"` // acc_… of the author (dev_… while its certificate is unknown)
	Author  string  `json:"author"`  // dev_…, or acc_… for an entry signed by an account key
	// Local: this node stored it itself (published here, or imported),
	// rather than receiving it from a peer.
	Local bool `json:"local"`
}

// SpaceEvent is the data of a space event: a message of a space this
// device holds the keys of was stored (it follows the entry's entry
// event). It carries no text: GET /api/v1/spaces/{space}/messages opens
// it.
type SpaceEvent struct {
	Space   string `json:"space"`   // ent_…
	ID      string `json:"id"`      // ent_… of the message's entry
	Account string `json:"account"` // acc_… of the author (dev_… while its certificate is unknown)
	Local   bool   `json:"local"`   // written on this node
}

// Resync is the data of a resync event.
type Resync struct{}
