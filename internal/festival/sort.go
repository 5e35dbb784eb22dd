package festival

import (
	"bytes"
	"slices"

	"github.com/kithnet/kith/internal/entry"
)

// sortIDs sorts ids ascending, as needs and refs are written.
func sortIDs(ids []entry.ID) {
	slices.SortFunc(ids, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
}

// SortIDs returns ids sorted ascending without repeats, as Event.Needs
// and Causal.Refs are written.
func SortIDs(ids []entry.ID) []entry.ID {
	out := slices.Clone(ids)
	sortIDs(out)
	return slices.Compact(out)
}
