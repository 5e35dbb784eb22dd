package content

import (
	"bytes"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Statement is one of an account's statements about one thing — its
// reactions to one entry, its tags of one entry with one label, its mute
// lists — as Current needs it: where it sits and what it replaces.
type Statement struct {
	ID       entry.ID
	Author   identity.PublicKey // the device that wrote it
	LogID    entry.LogID
	Seq      uint64
	Replaces []entry.ID
}

// Current returns the index in ss of the statement that counts, or -1 when
// ss is empty (payloads.md §5, "Which statement counts"). A statement is
// superseded by a statement of the same device at a higher seq of the same
// log, and by one that names it in Replaces; of the statements no other
// supersedes, the one with the greatest id counts (two devices that wrote
// without seeing each other: an arbitrary pick, the same on every node).
// Timestamps play no part. The answer depends only on the set ss, not on
// its order, so every delivery order gives the same state.
func Current(ss []Statement) int {
	if len(ss) == 0 {
		return -1
	}
	replaced := map[entry.ID]bool{}
	type logKey struct {
		a identity.PublicKey
		l entry.LogID
	}
	top := map[logKey]uint64{}
	for _, s := range ss {
		for _, r := range s.Replaces {
			replaced[r] = true
		}
		k := logKey{s.Author, s.LogID}
		top[k] = max(top[k], s.Seq)
	}
	best := -1
	for i, s := range ss {
		if replaced[s.ID] || s.Seq < top[logKey{s.Author, s.LogID}] {
			continue
		}
		if best < 0 || bytes.Compare(s.ID[:], ss[best].ID[:]) > 0 {
			best = i
		}
	}
	if best < 0 { // every statement superseded: cannot happen with hash ids, but be total
		for i, s := range ss {
			if best < 0 || bytes.Compare(s.ID[:], ss[best].ID[:]) > 0 {
				best = i
			}
		}
	}
	return best
}

// Heads returns the ids of the statements in ss that no other supersedes,
// sorted ascending and at most MaxReplaces of them (the greatest): what a
// new statement about the same thing names in Replaces.
func Heads(ss []Statement) []entry.ID {
	replaced := map[entry.ID]bool{}
	for _, s := range ss {
		for _, r := range s.Replaces {
			replaced[r] = true
		}
	}
	var out []entry.ID
	for i, s := range ss {
		if replaced[s.ID] {
			continue
		}
		later := false
		for j, t := range ss {
			if j != i && t.Author == s.Author && t.LogID == s.LogID && t.Seq > s.Seq {
				later = true
				break
			}
		}
		if !later {
			out = append(out, s.ID)
		}
	}
	slices.SortFunc(out, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	out = slices.Compact(out)
	if len(out) > MaxReplaces {
		out = out[len(out)-MaxReplaces:]
	}
	return out
}
