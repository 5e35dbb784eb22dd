package content

import (
	"bytes"
	"strconv"
)

// checkSortedIDs checks a list of entry ids that is sorted ascending
// without repeats, none zero, at most limit long.
func checkSortedIDs[T ~[32]byte](typ, field string, ids []T, limit int) error {
	if len(ids) > limit {
		return fieldErr(typ, field, "%d elements exceed the limit of %d", len(ids), limit)
	}
	for i, id := range ids {
		if id == (T{}) {
			return fieldErr(typ, field, "element %d: all-zero id is not allowed", i)
		}
		if i > 0 && bytes.Compare(ids[i-1][:], id[:]) >= 0 {
			return fieldErr(typ, field, "element %d is not after element %d: the list is sorted ascending without repeats", i, i-1)
		}
	}
	return nil
}

// idList is ids as CBOR byte strings, for marshal.
func idList[T ~[32]byte](ids []T) []any {
	out := make([]any, len(ids))
	for i := range ids {
		out[i] = ids[i][:]
	}
	return out
}

// idStrings is ids in their text forms, for the JSON view.
func idStrings[T interface {
	~[32]byte
	String() string
}](ids []T) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// textArray reads the field name of r: a non-empty array of at most max
// text strings (each may be empty).
func (r *fields) textArray(name string, max int) []string {
	v, ok := r.get(name, false)
	if !ok {
		return nil
	}
	if v.major != majorArray {
		r.wrongType(name, v, "an array")
		return nil
	}
	if v.arg == 0 {
		r.err = fieldErr(r.typ, name, "empty array must be omitted")
		return nil
	}
	if v.arg > uint64(max) {
		r.err = fieldErr(r.typ, name, "%d elements exceed the limit of %d", v.arg, max)
		return nil
	}
	out := make([]string, v.arg)
	off := v.end
	for i := range out {
		e, ok := r.at(off)
		if !ok {
			return nil
		}
		if e.major != majorText {
			r.err = fieldErr(r.typ, name, "element %d: want a text string, got %s", i, e.describe())
			return nil
		}
		out[i] = string(e.str)
		off = e.end
	}
	return out
}
