package causalorder

import (
	"bytes"

	"github.com/kithnet/kith/internal/entry"
)

// Distinct returns one copy of each entry id in es (nil entries dropped),
// in the order of first appearance, and the index of each id: of two
// copies, the one Preferred keeps, so the choice does not depend on the
// order of es. The result suits Order.
func Distinct(es []*entry.Entry) ([]*entry.Entry, map[entry.ID]int32) {
	at := make(map[entry.ID]int32, len(es))
	out := make([]*entry.Entry, 0, len(es))
	for _, e := range es {
		if e == nil {
			continue
		}
		if i, ok := at[e.ID]; ok {
			if Preferred(e, out[i]) {
				out[i] = e
			}
			continue
		}
		at[e.ID] = int32(len(out))
		out = append(out, e)
	}
	return out, at
}

// Preferred reports whether copy a of an entry is to be kept rather than
// b: a's payload matches the header and b's does not, or both match or
// neither does and a's payload bytes sort first (nil first).
func Preferred(a, b *entry.Entry) bool {
	am := a.Payload != nil && entry.CheckPayload(&a.Header, a.Payload) == nil
	bm := b.Payload != nil && entry.CheckPayload(&b.Header, b.Payload) == nil
	if am != bm {
		return am
	}
	if (a.Payload == nil) != (b.Payload == nil) {
		return a.Payload == nil
	}
	return bytes.Compare(a.Payload, b.Payload) < 0
}
