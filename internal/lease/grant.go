package lease

import (
	"fmt"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// Limits are what a holder keeps of one account, and the longest lease
// it grants; Accounts the most accounts it keeps leases for at once.
type Limits struct {
	Bytes, Entries, Seconds uint64
	Accounts                int
}

// Usage is what a holder holds of one account's logs: the encoded headers
// and payloads of their entries and the blobs they name, and the entries.
type Usage struct {
	Bytes   uint64 `json:"bytes"`
	Entries uint64 `json:"entries"`
}

// Over reports why u is over lim, or "" if it is within.
func (u Usage) Over(bytes, entries uint64) string {
	switch {
	case u.Bytes > bytes:
		return fmt.Sprintf("this holder holds %d bytes of your logs, more than the %d it keeps for an account", u.Bytes, bytes)
	case u.Entries > entries:
		return fmt.Sprintf("this holder holds %d entries of your logs, more than the %d it keeps for an account", u.Entries, entries)
	}
	return ""
}

// Asking is what the holder knows of a request when it decides: the
// request, the asking device, the account its certificate names (zero
// when it has none), whether that device is revoked, and what the holder
// holds of the account.
type Asking struct {
	Request services.LeaseRequest
	Asker   identity.PublicKey
	// CertAccount is the account the asker's device certificate names
	// (checked: signed by that account); Revoked, whether the holder
	// knows the device to be revoked.
	CertAccount identity.PublicKey
	Revoked     bool
	Held        Usage
}

// Refusal is a code of services.md §9 with its reason.
type Refusal struct {
	Code   uint64
	Reason string
}

// Terms decides a request: the lease to grant (unsigned), or a refusal.
// leased says whether the account holds a lease already (a renewal), and
// count how many accounts hold one.
func Terms(holder identity.PublicKey, a Asking, lim Limits, leased bool, count int) (services.LeaseTerms, *Refusal) {
	q := a.Request
	if a.CertAccount != identity.PublicKey(q.Account) || a.CertAccount == (identity.PublicKey{}) {
		return services.LeaseTerms{}, &Refusal{services.RefuseNotYours, fmt.Sprintf("your device is not certified by account %s: only the account's own devices may lease its logs", identity.PublicKey(q.Account).Account())}
	}
	if a.Revoked {
		return services.LeaseTerms{}, &Refusal{services.RefuseNotYours, "your device is revoked by its account: ask from a current device"}
	}
	if !leased && count >= lim.Accounts {
		return services.LeaseTerms{}, &Refusal{services.RefuseFull, fmt.Sprintf("this holder keeps %d leases and takes no more: ask another", lim.Accounts)}
	}
	if why := a.Held.Over(min(q.Bytes, lim.Bytes), lim.Entries); why != "" {
		return services.LeaseTerms{}, &Refusal{services.RefuseOverLimit, why + ": ask a holder with more room"}
	}
	return services.LeaseTerms{
		Holder: services.Key32(holder), Account: q.Account, Asker: services.Key32(a.Asker), Nonce: q.Nonce,
		Seconds: min(q.Seconds, lim.Seconds), Bytes: min(q.Bytes, lim.Bytes), Entries: lim.Entries,
		HeldBytes: a.Held.Bytes, HeldEntries: a.Held.Entries,
	}, nil
}
