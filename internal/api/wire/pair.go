package wire

import "time"

// PairingRequest is the body of POST /api/v1/pairings.
type PairingRequest struct {
	// TTLSeconds is how long the code is valid: MinPairingTTL to
	// MaxPairingTTL seconds; 0 (or absent) means DefaultPairingTTL.
	TTLSeconds int64 `json:"ttl_seconds,omitempty"`
	// The recovery phrase, on a device that does not hold the account
	// key: the key derived from it certifies this code's device and is
	// then forgotten.
	PhraseAuth
}

// Bounds of PairingRequest.TTLSeconds.
const (
	DefaultPairingTTL = 10 * 60
	MinPairingTTL     = 60
	MaxPairingTTL     = 60 * 60
)

// Pairing answers POST /api/v1/pairings: a code that admits one new device
// to this account (doc/protocol/pairing.md). The new device runs
// 'kith init --pair CODE'.
type Pairing struct {
	ID      string    `json:"id"`   // for GET and DELETE /api/v1/pairings/{id}
	Code    string    `json:"code"` // show it, or as a QR code
	Account string    `json:"account"`
	Device  string    `json:"device"`
	Addrs   []string  `json:"addrs"`
	Expires time.Time `json:"expires"`
	// QRSVG is Code as a QR code (an SVG document); "" when too long.
	QRSVG string `json:"qr_svg"`
}

// The states of a pairing code.
const (
	PairingPending   = "pending"   // waiting for the new device
	PairingUsed      = "used"      // a device was certified with it
	PairingExpired   = "expired"   // its time is over
	PairingVoid      = "void"      // tried wrongly too often
	PairingCancelled = "cancelled" // DELETE /api/v1/pairings/{id}
)

// PairingStatus answers GET /api/v1/pairings/{id}: what became of a code.
type PairingStatus struct {
	ID           string    `json:"id"`
	State        string    `json:"state"`
	Expires      time.Time `json:"expires"`
	InUse        bool      `json:"in_use"`   // a new device is proving the code now
	Failures     int       `json:"failures"` // failed attempts so far
	AttemptsLeft int       `json:"attempts_left"`
	// Device, Name and Cert say which device joined, once State is "used".
	Device string `json:"device,omitempty"`
	Name   string `json:"name,omitempty"`
	Cert   string `json:"cert,omitempty"`
}

// MaxPairingWait bounds the wait query parameter of GET
// /api/v1/pairings/{id}, in seconds.
const MaxPairingWait = 30

// SetupPairRequest is the body of POST /api/v1/setup/pair: in setup mode,
// make this node a new device of the account of a pairing code.
type SetupPairRequest struct {
	Code       string `json:"code"`        // the code 'kith device pair' or "Add a device" shows
	DeviceName string `json:"device_name"` // optional, e.g. "phone"
}

// MaxPairCodeLen bounds SetupPairRequest.Code, in bytes.
const MaxPairCodeLen = 4096

// SetupPaired answers POST /api/v1/setup/pair.
type SetupPaired struct {
	Identity
	PairingDevice string `json:"pairing_device"` // the device that certified this one
	Name          string `json:"name,omitempty"`
}
