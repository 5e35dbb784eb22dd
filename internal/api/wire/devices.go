package wire

// Device is one device of this node's account.
type Device struct {
	ID         string `json:"id"` // dev_…
	Name       string `json:"name"`
	Revoked    bool   `json:"revoked"`
	ThisDevice bool   `json:"this_device"`
	Cert       string `json:"cert"`                 // the device.add entry
	RevokedBy  string `json:"revoked_by,omitempty"` // the device.revoke entry
	// AccountKey says whether the device holds the account key: "held" or
	// "not_held", as the device last said (payloads.md, device.custody).
	AccountKey string `json:"account_key"`
}

// DeviceList answers GET /api/v1/devices.
type DeviceList struct {
	Account string   `json:"account"`
	Devices []Device `json:"devices"`
}

// RevokeRequest is the body of POST /api/v1/devices/{device}/revoke.
type RevokeRequest struct {
	Reason string `json:"reason,omitempty"` // public, optional
	PhraseAuth
}

// PhraseAuth is the account's recovery phrase, given for one operation
// that needs the account key on a device that does not hold it. The node
// derives the key, uses it once and forgets it; nothing is stored.
type PhraseAuth struct {
	Phrase           string `json:"phrase,omitempty"`            // the 24 words
	PhrasePassphrase string `json:"phrase_passphrase,omitempty"` // the BIP39 passphrase, if the account has one
}

// AccountKeyRemove is the body of POST /api/v1/account/key/remove: the
// recovery phrase, typed to show that it is still at hand.
type AccountKeyRemove struct {
	PhraseAuth
}

// AccountKeyRemoved answers POST /api/v1/account/key/remove.
type AccountKeyRemoved struct {
	Removed bool   `json:"removed"`
	Device  string `json:"device"` // this device
}

// Revoked answers POST /api/v1/devices/{device}/revoke.
type Revoked struct {
	ID      string `json:"id"` // the device.revoke entry
	Device  string `json:"device"`
	Revoked bool   `json:"revoked"`
	// KeptLogs and KeptEntries say what of the device stays valid: the
	// entries up to the kept heads the revocation names (payloads.md
	// §6.1); everything else it wrote or writes is refused.
	KeptLogs    int    `json:"kept_logs"`
	KeptEntries uint64 `json:"kept_entries"`
}
