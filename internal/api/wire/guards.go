package wire

// Strangers is what peers the node does not want (strangers: neither
// followed, kept nor village locals) hold of it now and were refused since
// the network started (doc/network.md, "Strangers' share of inbound
// connections", "Strangers' work", "Strangers' certificates").
type Strangers struct {
	Connections StrangerConnections `json:"connections"`
	// Sessions and Requests: the budgets strangers share for new sync
	// sessions and for village requests.
	Sessions StrangerWork `json:"sessions"`
	Requests StrangerWork `json:"requests"`
	// Certificates: strangers' device certificates held in memory (not
	// stored), at most CertificatesLimit.
	Certificates      int `json:"certificates"`
	CertificatesLimit int `json:"certificates_limit"`
	// DHTRecords: DHT provider records kept for other peers.
	DHTRecords        int   `json:"dht_records"`
	DHTRecordsRefused int64 `json:"dht_records_refused"`
}

// StrangerConnections are strangers' inbound connections.
type StrangerConnections struct {
	Held    int   `json:"held"`
	Limit   int   `json:"limit"`
	Trimmed int64 `json:"trimmed"` // idle ones closed for a newcomer
	Refused int64 `json:"refused"`
}

// StrangerWork is a budget strangers share for one kind of work.
type StrangerWork struct {
	Rate       float64 `json:"rate"` // units a second; a sync session is 1, a village request stream 1 + entries/4
	Waiting    int     `json:"waiting"`
	MaxWaiting int     `json:"max_waiting"`
	Admitted   int64   `json:"admitted"` // at once or after waiting
	Waited     int64   `json:"waited"`   // of those, after waiting
	Refused    int64   `json:"refused"`  // the queue was full, or they waited 10 s
	Evicted    int64   `json:"evicted"`  // of those, to make room for a returning peer
	Full       int64   `json:"full"`     // came when the queue was full (refused, or a returning peer's eviction)
}
