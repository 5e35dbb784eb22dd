package village

import (
	"bytes"

	"github.com/kithnet/kith/internal/causalorder"
	"github.com/kithnet/kith/internal/entry"
)

// The village order (village.md §3, "Order") is causalorder.Order.

// Ordered returns the distinct entries of es in the village order: the
// found entry (the one whose id is village) first when present, then the
// others in the order Reduce applies them. Entries whose payload is
// missing or invalid reference nothing but keep their place in their log.
func Ordered(village entry.ID, es []*entry.Entry) []*entry.Entry {
	found, rest, at, _ := distinct(village, es)
	ps := decodeAll(rest)
	var out []*entry.Entry
	if found != nil {
		out = append(out, found)
	}
	for _, i := range causalorder.Order(rest, at, func(i int) []entry.ID { return RefsOf(ps[i].p) }) {
		out = append(out, rest[i])
	}
	return out
}

// decoded is one entry's payload as the reducer reads it.
type decoded struct {
	p   Payload
	err string // why it cannot be applied ("" when p is set)
}

// decodeAll decodes the payloads of es.
func decodeAll(es []*entry.Entry) []decoded {
	out := make([]decoded, len(es))
	for i, e := range es {
		switch {
		case e.Payload == nil:
			out[i].err = "payload missing"
		default:
			p, err := Decode(e.Payload)
			switch {
			case err != nil:
				out[i].err = "invalid payload: " + err.Error()
			case entry.CheckPayload(&e.Header, e.Payload) != nil:
				// Its references are not the ones the entry's id commits to.
				out[i].err = "the payload does not match the entry's header"
			default:
				out[i].p = p
			}
		}
	}
	return out
}

// distinct returns the entry whose id is village (nil if absent), the
// device certificates and revocations outside the village log (certs),
// and the other non-nil entries of es, one of each id, with the index of
// each id in rest. Of two copies of an entry (same id, so same header) it
// keeps one whose payload matches the header, so that the result does not
// depend on the order of es.
func distinct(village entry.ID, es []*entry.Entry) (found *entry.Entry, rest []*entry.Entry, at map[entry.ID]int32, certs []*entry.Entry) {
	at = make(map[entry.ID]int32, len(es))
	rest = make([]*entry.Entry, 0, len(es))
	for _, e := range es {
		switch {
		case e == nil:
		case e.Header.LogID != entry.LogID(village) && e.ID != village && isCert(e):
			certs = append(certs, e)
		case e.ID == village:
			if found == nil || better(e, found) {
				found = e
			}
		default:
			if i, ok := at[e.ID]; ok {
				if better(e, rest[i]) {
					rest[i] = e
				}
				continue
			}
			at[e.ID] = int32(len(rest))
			rest = append(rest, e)
		}
	}
	return found, rest, at, certs
}

// better reports whether copy a of an entry is to be kept rather than b:
// a's payload matches the header and b's does not, or both match or
// neither does and a's payload bytes sort first (nil first).
func better(a, b *entry.Entry) bool {
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
