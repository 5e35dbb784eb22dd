package village

import (
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Devices maps the devices of a set of entries to the accounts they speak
// for, by the rules of village.md §1 ("Accounts and devices"), for other
// features whose members are accounts (internal/space): the same
// certificates, revocations and kept entries decide the same way.
type Devices struct{ a *accounts }

// NewDevices reads the device certificates (device.add) and revocations
// (device.revoke) among es (signatures already checked; other entries are
// skipped) and marks the entries of revoked devices their revocations keep,
// looking entries up among es.
func NewDevices(es []*entry.Entry) *Devices {
	a := newAccounts()
	byID := make(map[entry.ID]*entry.Entry, len(es))
	var certs []*entry.Entry
	for _, e := range es {
		if e == nil {
			continue
		}
		byID[e.ID] = e
		if isCert(e) {
			certs = append(certs, e)
		}
	}
	for _, c := range certs {
		a.addCert(c) // a no-op for a revocation
	}
	for _, c := range certs {
		a.addRevoke(c) // after every certificate: a revocation names a certified device
	}
	a.keep(func(id entry.ID) *entry.Entry { return byID[id] })
	return &Devices{a}
}

// Speaks returns the account e's author speaks for in e, or why it speaks
// for none.
func (d *Devices) Speaks(e *entry.Entry) (identity.PublicKey, string) { return d.a.speaks(e) }

// Account returns the one account that certified dev, false when none or
// more than one did.
func (d *Devices) Account(dev identity.PublicKey) (identity.PublicKey, bool) {
	acc, ok := d.a.of[dev]
	return acc, ok && len(d.a.certs[dev]) == 1
}

// Revoked reports whether dev's account revoked it.
func (d *Devices) Revoked(dev identity.PublicKey) bool { return len(d.a.revoked[dev]) > 0 }
