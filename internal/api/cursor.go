package api

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/store"
)

// A cursor is where a listing of entries goes on: a log and the next seq
// to read in it. Its text form is opaque to clients: base64url (no
// padding) of author (32 bytes) ‖ log id (32 bytes) ‖ seq (8 bytes, big
// endian).
type cursor struct {
	log store.LogKey
	seq uint64
}

const cursorBytes = 32 + 32 + 8

var cursorEncoding = base64.RawURLEncoding.Strict()

func (c cursor) String() string {
	b := make([]byte, 0, cursorBytes)
	b = append(b, c.log.Author[:]...)
	b = append(b, c.log.LogID[:]...)
	b = binary.BigEndian.AppendUint64(b, c.seq)
	return cursorEncoding.EncodeToString(b)
}

// parseCursor decodes the text form of a cursor. It accepts exactly what
// String makes: the canonical encoding of 72 bytes with a seq of at least 1.
func parseCursor(s string) (cursor, error) {
	bad := func(why string) error {
		return apiError(wire.CodeBadRequest, "cursor %q is not one this API returned: %s", shortText(s), why)
	}
	if cursorEncoding.EncodedLen(cursorBytes) != len(s) {
		return cursor{}, bad(fmt.Sprintf("it has %d characters, want %d", len(s), cursorEncoding.EncodedLen(cursorBytes)))
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) != cursorBytes {
		return cursor{}, bad("it is not base64url")
	}
	var c cursor
	copy(c.log.Author[:], b[:32])
	copy(c.log.LogID[:], b[32:64])
	c.seq = binary.BigEndian.Uint64(b[64:])
	if c.seq == 0 {
		return cursor{}, bad("its seq is 0")
	}
	return c, nil
}

// compareLogs orders logs as store.Store.Heads does: by author, then log id.
func compareLogs(a, b store.LogKey) int {
	if c := bytes.Compare(a.Author[:], b.Author[:]); c != 0 {
		return c
	}
	return bytes.Compare(a.LogID[:], b.LogID[:])
}

// shortText cuts s for an error message.
func shortText(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}
