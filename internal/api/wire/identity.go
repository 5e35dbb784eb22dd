package wire

// Health is the answer of GET /api/v1/health, which clients call to check
// that the node named by an endpoint file is up and accepts their token.
type Health struct {
	OK  bool `json:"ok"`
	PID int  `json:"pid"` // the node's process id
}

// Identity is this node's account and device (GET /api/v1/identity).
type Identity struct {
	Account          string `json:"account"`            // acc_…
	Device           string `json:"device"`             // dev_…
	AccountPublicKey string `json:"account_public_key"` // 64 hex digits
	DevicePublicKey  string `json:"device_public_key"`  // 64 hex digits
	Home             string `json:"home"`               // the node's home directory
}
