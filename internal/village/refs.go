package village

import (
	"bytes"
	"cmp"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// NextRefs returns the causal references for a new village entry by
// author (village.md §3, "References the node writes"): the heads of the
// village logs in es of the keys st knows (founders, locals, former
// locals, invitees), not author's own, leaving out a head that author's
// own entries or another head named already reference (that entry of the
// log or a later one). At most MaxRefs: with more candidates, those of the
// logs with the most entries not yet referenced, ties by author key.
// es are the entries held (found entry and village logs, as Reduce takes
// them); st is Reduce's state over them.
func NextRefs(st *State, es []*entry.Entry, author identity.PublicKey) []entry.ID {
	log := entry.LogID(st.Village)
	type pos struct {
		author identity.PublicKey
		seq    uint64
	}
	at := make(map[entry.ID]pos, len(es))
	heads := map[identity.PublicKey]*entry.Entry{}
	var own []*entry.Entry
	for _, e := range es {
		if e == nil || e.Header.LogID != log {
			continue
		}
		a := e.Header.Author
		at[e.ID] = pos{a, e.Header.Seq}
		if a == author {
			own = append(own, e)
			continue
		}
		if !st.Knows(a) {
			continue
		}
		if h := heads[a]; h == nil || e.Header.Seq > h.Header.Seq ||
			e.Header.Seq == h.Header.Seq && bytes.Compare(e.ID[:], h.ID[:]) < 0 {
			heads[a] = e
		}
	}
	covered := map[identity.PublicKey]uint64{}
	cover := func(e *entry.Entry) {
		if e.Payload == nil {
			return
		}
		p, err := Decode(e.Payload)
		if err != nil {
			return
		}
		for _, r := range RefsOf(p) {
			if x, ok := at[r]; ok && x.seq > covered[x.author] {
				covered[x.author] = x.seq
			}
		}
	}
	for _, e := range own {
		cover(e)
	}
	for _, h := range heads {
		cover(h)
	}
	var cands []*entry.Entry
	for a, h := range heads {
		if h.Header.Seq > covered[a] {
			cands = append(cands, h)
		}
	}
	slices.SortFunc(cands, func(x, y *entry.Entry) int {
		gx := x.Header.Seq - covered[x.Header.Author]
		gy := y.Header.Seq - covered[y.Header.Author]
		return cmp.Or(cmp.Compare(gy, gx), bytes.Compare(x.Header.Author[:], y.Header.Author[:]))
	})
	if len(cands) > MaxRefs {
		cands = cands[:MaxRefs]
	}
	out := make([]entry.ID, len(cands))
	for i, h := range cands {
		out[i] = h.ID
	}
	slices.SortFunc(out, func(x, y entry.ID) int { return bytes.Compare(x[:], y[:]) })
	if len(out) == 0 {
		return nil
	}
	return out
}
