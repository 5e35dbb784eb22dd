package content

import "bytes"

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
