package wire

// Copies says where the account's own data (the logs of its devices) is
// held, as far as the node knows from sync: GET /api/v1/status, "copies"
// (doc/api.md). Revoked devices' copies do not count.
type Copies struct {
	// Count is len(Complete): the devices that hold every entry of the
	// account's logs the node knows of.
	Count    int          `json:"count"`
	Complete []CopyDevice `json:"complete"`
	// Devices: every current device of the account, this one first.
	Devices []CopyDevice `json:"devices"`
	// Single: entries held in fewer than two places.
	Single []SingleCopy `json:"single"`
	// Unsynced: the account's other devices this one never synced with
	// (possibly lost: revoke them with 'kith device revoke').
	Unsynced []CopyDevice `json:"unsynced"`
	// Leases: the holders asked to keep the account's logs (lease.go).
	Leases []HeldLease `json:"leases"`
}

// CopyDevice is one device of the account.
type CopyDevice struct {
	Device     string `json:"device"`
	Name       string `json:"name,omitempty"` // from its certificate
	ThisDevice bool   `json:"this_device"`
	// Missing: entries of the account's logs it does not hold, as far as
	// known.
	Missing uint64 `json:"missing"`
}

// SingleCopy: Entries entries of the logs of device Author are held only
// by device Holder.
type SingleCopy struct {
	Author  CopyDevice `json:"author"`
	Holder  CopyDevice `json:"holder"`
	Entries uint64     `json:"entries"`
}
