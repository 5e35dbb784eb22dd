package api

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/kithnet/kith/internal/api/wire"
)

// A feed cursor is where a feed goes on: the arrival cursor of the last
// post shown; the next page holds the posts that arrived before it. Its
// text form is opaque to clients: base64url (no padding) of the cursor as
// 8 bytes, big endian (11 characters).
type feedCursor int64

const feedCursorBytes = 8

func (c feedCursor) String() string {
	return cursorEncoding.EncodeToString(binary.BigEndian.AppendUint64(nil, uint64(c)))
}

// parseFeedCursor decodes the text form of a feed cursor. It accepts
// exactly what String makes of a cursor from 1 to math.MaxInt64.
func parseFeedCursor(s string) (feedCursor, error) {
	bad := func(why string) error {
		return apiError(wire.CodeBadRequest, "cursor %q is not one this API returned: %s", shortText(s), why)
	}
	if n := cursorEncoding.EncodedLen(feedCursorBytes); n != len(s) {
		return 0, bad(fmt.Sprintf("it has %d characters, want %d", len(s), n))
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) != feedCursorBytes {
		return 0, bad("it is not base64url")
	}
	v := binary.BigEndian.Uint64(b)
	if v == 0 || v > math.MaxInt64 {
		return 0, bad("it is out of range")
	}
	return feedCursor(v), nil
}
