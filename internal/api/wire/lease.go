package wire

import "time"

// LeaseRequest is the body of POST /api/v1/leases: ask a holder to keep
// this account's logs under a data lease (doc/protocol/services.md §9).
type LeaseRequest struct {
	Holder string `json:"holder"` // the holder's multiaddr, with /p2p/
}

// HeldLease is a lease this node asks a holder for (shown under copies).
type HeldLease struct {
	Holder string `json:"holder"`         // dev_…
	Name   string `json:"name,omitempty"` // the holder's device name, when known
	Addr   string `json:"addr,omitempty"`
	// State: "held" (the lease runs), "refused" (the last answer was a
	// refusal), "failing" (the holder could not be asked) or "asking".
	State string `json:"state"`
	// Until and RenewAt are by this node's clock.
	Until       time.Time `json:"until,omitzero"`
	RenewAt     time.Time `json:"renew_at,omitzero"`
	Seconds     uint64    `json:"seconds,omitempty"`
	Bytes       uint64    `json:"bytes,omitempty"`
	Entries     uint64    `json:"entries,omitempty"`
	HeldBytes   uint64    `json:"held_bytes"`
	HeldEntries uint64    `json:"held_entries"`
	// Code and Reason: the holder's last refusal; Error: the last failure.
	Code   uint64    `json:"code,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Error  string    `json:"error,omitempty"`
	Next   time.Time `json:"next,omitzero"` // when the holder is asked again
}

// GrantedLease is a lease this node keeps for another account.
type GrantedLease struct {
	Account     string    `json:"account"` // acc_…
	Name        string    `json:"name,omitempty"`
	Asker       string    `json:"asker"` // dev_…
	Granted     time.Time `json:"granted"`
	Until       time.Time `json:"until"`
	Seconds     uint64    `json:"seconds"`
	Bytes       uint64    `json:"bytes"`
	Entries     uint64    `json:"entries"`
	HeldBytes   uint64    `json:"held_bytes"`
	HeldEntries uint64    `json:"held_entries"`
	Over        string    `json:"over,omitempty"` // why it takes no more entries
}

// Leases answers GET /api/v1/leases.
type Leases struct {
	Held    []HeldLease    `json:"held"`
	Granted []GrantedLease `json:"granted"`
}
