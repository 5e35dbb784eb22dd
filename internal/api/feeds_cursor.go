package api

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/store"
)

// A feed cursor is where a feed goes on: the place in time order
// (store.TimeKey) of the last post shown; the next page holds the posts
// that sort before it. Its text form is opaque to clients: base64url (no
// padding) of the time and the arrival cursor, 8 bytes each, big endian
// (22 characters).
type feedCursor store.TimeKey

const feedCursorBytes = 16

func (c feedCursor) String() string {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.Time))
	return cursorEncoding.EncodeToString(binary.BigEndian.AppendUint64(b, uint64(c.Cursor)))
}

// parseFeedCursor decodes the text form of a feed cursor. It accepts
// exactly what String makes of a key with a time from 0 and a cursor from
// 1 to math.MaxInt64.
func parseFeedCursor(s string) (feedCursor, error) {
	bad := func(why string) error {
		return apiError(wire.CodeBadRequest, "cursor %q is not one this API returned: %s; read the feed again from its first page", shortText(s), why)
	}
	if n := cursorEncoding.EncodedLen(feedCursorBytes); n != len(s) {
		return feedCursor{}, bad(fmt.Sprintf("it has %d characters, want %d", len(s), n))
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) != feedCursorBytes {
		return feedCursor{}, bad("it is not base64url")
	}
	t, c := binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])
	if t > math.MaxInt64 || c == 0 || c > math.MaxInt64 {
		return feedCursor{}, bad("it is out of range")
	}
	return feedCursor{Time: int64(t), Cursor: int64(c)}, nil
}
