package lease

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// Granted is a lease a holder keeps, with the times of its own clock.
type Granted struct {
	Account identity.PublicKey `json:"account"`
	Asker   identity.PublicKey `json:"asker"`
	// Granted and Until are the holder's own clock when it granted the
	// lease and Seconds after.
	Granted time.Time `json:"granted"`
	Until   time.Time `json:"until"`
	Seconds uint64    `json:"seconds"`
	Bytes   uint64    `json:"bytes"`
	Entries uint64    `json:"entries"`
	// Held is what the holder last counted of the account; Over says why
	// that is over Bytes or Entries ("" while within).
	Held Usage  `json:"held"`
	Over string `json:"over,omitempty"`
}

// Book is a holder's leases, by account. Not safe for concurrent use.
type Book struct {
	leases map[identity.PublicKey]Granted
}

// NewBook returns an empty book.
func NewBook() *Book { return &Book{leases: map[identity.PublicKey]Granted{}} }

// Grant records terms granted at now (the holder's clock): a renewal
// replaces the account's lease.
func (b *Book) Grant(t services.LeaseTerms, now time.Time) Granted {
	g := Granted{
		Account: identity.PublicKey(t.Account), Asker: identity.PublicKey(t.Asker),
		Granted: now, Until: now.Add(time.Duration(t.Seconds) * time.Second), Seconds: t.Seconds,
		Bytes: t.Bytes, Entries: t.Entries, Held: Usage{Bytes: t.HeldBytes, Entries: t.HeldEntries},
	}
	b.leases[g.Account] = g
	return g
}

// Leased reports whether account holds a lease (ended or not).
func (b *Book) Leased(account identity.PublicKey) bool {
	_, ok := b.leases[account]
	return ok
}

// Len is the number of leases held.
func (b *Book) Len() int { return len(b.leases) }

// End removes and returns the leases that ended at now: Until is not
// after now by the holder's clock.
func (b *Book) End(now time.Time) []Granted {
	var out []Granted
	for a, g := range b.leases {
		if !g.Until.After(now) {
			out = append(out, g)
			delete(b.leases, a)
		}
	}
	sortGranted(out)
	return out
}

// Kept returns the accounts whose logs the holder takes new entries of:
// those with a lease that runs at now and is not over its limits.
func (b *Book) Kept(now time.Time) []identity.PublicKey {
	var out []identity.PublicKey
	for a, g := range b.leases {
		if g.Until.After(now) && g.Over == "" {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y identity.PublicKey) int { return slices.Compare(x[:], y[:]) })
	return out
}

// Count records what the holder holds of account and reports whether the
// lease's standing (over or within) changed. An account without a lease
// is ignored.
func (b *Book) Count(account identity.PublicKey, u Usage) (changed bool) {
	g, ok := b.leases[account]
	if !ok {
		return false
	}
	over := u.Over(g.Bytes, g.Entries)
	changed = (over == "") != (g.Over == "")
	g.Held, g.Over = u, over
	b.leases[account] = g
	return changed
}

// List returns the leases, by account.
func (b *Book) List() []Granted {
	out := make([]Granted, 0, len(b.leases))
	for _, g := range b.leases {
		out = append(out, g)
	}
	sortGranted(out)
	return out
}

func sortGranted(gs []Granted) {
	slices.SortFunc(gs, func(x, y Granted) int { return slices.Compare(x.Account[:], y.Account[:]) })
}

// bookFile is the encoding of a Book.
type bookFile struct {
	Version int       `json:"version"`
	Leases  []Granted `json:"leases"`
}

// MarshalBook encodes the book for the holder's home.
func MarshalBook(b *Book) ([]byte, error) {
	return json.MarshalIndent(bookFile{Version: 1, Leases: b.List()}, "", "  ")
}

// UnmarshalBook decodes a book written by MarshalBook.
func UnmarshalBook(raw []byte) (*Book, error) {
	var f bookFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("lease book: %w", err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("lease book: version %d, this node reads 1", f.Version)
	}
	b := NewBook()
	for _, g := range f.Leases {
		b.leases[g.Account] = g
	}
	return b, nil
}

// MaxRenewGap is the most a holder makes an account wait between two
// grants (a lease of less than four times that waits a quarter of it).
const MaxRenewGap = time.Minute

// TooSoon reports how long the account must still wait at now before the
// holder grants it again: its last grant was less than min(MaxRenewGap,
// a quarter of its period) ago. An asker renews at half the period, so
// only a flood waits; the wait spares the holder a write per request.
func (b *Book) TooSoon(account identity.PublicKey, now time.Time) time.Duration {
	g, ok := b.leases[account]
	if !ok {
		return 0
	}
	gap := min(MaxRenewGap, time.Duration(g.Seconds)*time.Second/4)
	if wait := g.Granted.Add(gap).Sub(now); wait > 0 {
		return wait
	}
	return 0
}
