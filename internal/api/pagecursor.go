package api

import (
	"encoding/binary"
	"net/url"
	"strconv"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// A space page's cursor is where the next older page ends: a position in
// this node's arrival order. Its text form is opaque to clients:
// base64url (no padding) of the 8-byte big-endian position, at least 1.
func spaceCursorText(c int64) string {
	if c <= 0 {
		return ""
	}
	return cursorEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, uint64(c)))
}

func parseSpaceCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) != 8 || int64(binary.BigEndian.Uint64(b)) <= 0 {
		return 0, apiError(wire.CodeBadRequest, "before: %q is not a cursor this API gave (the \"older\" of a page)", shortText(s))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// A conversation page's cursor is the first message of the page after
// it: its entry id, in its text form (opaque to clients all the same).
func parseConversationCursor(s string) (entry.ID, error) {
	if s == "" {
		return entry.ID{}, nil
	}
	id, err := entry.ParseID(s)
	if err != nil {
		return entry.ID{}, apiError(wire.CodeBadRequest, "before: %q is not a cursor this API gave (the \"older\" of a page)", shortText(s))
	}
	return id, nil
}

// pageLimit checks a page's limit: 0 is def, else 1 to max.
func pageLimit(limit, def, maxLimit int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 0 || limit > maxLimit:
		return 0, apiError(wire.CodeBadRequest, "limit: %d is not between 1 and %d", limit, maxLimit)
	}
	return limit, nil
}

// pageQuery reads ?limit= and ?before= of a listing.
func pageQuery(q url.Values, maxLimit int) (wire.Page, error) {
	p := wire.Page{Before: q.Get("before")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return p, apiError(wire.CodeBadRequest, "limit=%q is not a number from 1 to %d", shortText(l), maxLimit)
		}
		p.Limit = n
	}
	return p, nil
}
