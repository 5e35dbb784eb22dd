package space

import (
	"bytes"
	"crypto/sha256"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// FoundLog is the log id of a device's space found log, which holds the
// space.create entries it writes (spaces.md §1).
var FoundLog = entry.LogID(sha256.Sum256([]byte("kith space found log v1")))

// KeysLog is the log id of a device's keys log in space: the epoch
// announcement parts it writes, each followed by a sealed space.epoch
// (spaces.md §1).
func KeysLog(space entry.ID) entry.LogID {
	h := sha256.New()
	h.Write([]byte("kith-space-keys-v1\x00"))
	h.Write(space[:])
	return entry.LogID(h.Sum(nil))
}

// Named returns every account the space has ever named: the founders and
// the account of every add in the membership logs whose author speaks for
// an account, whatever the reducer made of it (spaces.md §2: whose logs a
// member's node wants). Sorted.
func (s *State) Named() []identity.PublicKey {
	seen := map[identity.PublicKey]bool{}
	for a := range s.r.founders {
		seen[a] = true
	}
	for _, o := range s.r.ops {
		if a, ok := o.p.(*Add); ok && o.author != (identity.PublicKey{}) {
			seen[a.Account] = true
		}
	}
	out := make([]identity.PublicKey, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// AccountOf returns the account a device speaks for, by the certificates
// and revocations among the reduced entries (space-membership.md §1).
func (s *State) AccountOf(device identity.PublicKey) (identity.PublicKey, bool) {
	return s.r.devs.Account(device)
}

// Heads returns the causal references a new entry of author names
// (spaces.md §4, space-membership.md §2): the head (highest seq) of every
// membership log of a device whose account the space has named, author's
// own membership log included when own is true, at most MaxRefs of them
// (the highest seqs first, ties by id), sorted ascending. es are the
// entries Reduce was given.
func (s *State) Heads(es []*entry.Entry, author identity.PublicKey, own bool) []entry.ID {
	named := map[identity.PublicKey]bool{}
	for _, a := range s.Named() {
		named[a] = true
	}
	heads := map[identity.PublicKey]*entry.Entry{}
	for _, e := range es {
		if e == nil || e.Header.LogID != entry.LogID(s.Space) || (!own && e.Header.Author == author) {
			continue
		}
		if a, ok := s.r.devs.Account(e.Header.Author); !ok || !named[a] {
			continue
		}
		if h := heads[e.Header.Author]; h == nil || e.Header.Seq > h.Header.Seq ||
			e.Header.Seq == h.Header.Seq && bytes.Compare(e.ID[:], h.ID[:]) < 0 {
			heads[e.Header.Author] = e
		}
	}
	hs := make([]*entry.Entry, 0, len(heads))
	for _, h := range heads {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b *entry.Entry) int {
		if a.Header.Seq != b.Header.Seq {
			if a.Header.Seq > b.Header.Seq {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	if len(hs) > MaxRefs {
		hs = hs[:MaxRefs]
	}
	out := make([]entry.ID, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.ID)
	}
	if len(out) == 0 {
		return nil
	}
	return SortRefs(out)
}
