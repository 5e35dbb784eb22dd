package services

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Write frames and writes a's encoding: a 4-byte big-endian length, then
// the body (doc/protocol/services.md §2).
func Write(w io.Writer, a Announcement) error {
	body, err := a.Encode()
	if err != nil {
		return err
	}
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	_, err = w.Write(append(frame, body...))
	return err
}

// ErrTruncated is returned (wrapped) by Read when the stream ends before
// the message is whole: a failure, not a breach.
var ErrTruncated = errors.New("the stream ended inside the announcement")

// Read reads one framed announcement from r. A length outside
// 1…MaxMessage and a body Decode refuses are errors wrapping ErrMalformed
// (or ErrVersion); a stream that ends early, one wrapping ErrTruncated;
// other errors of r are returned as they are.
func Read(r io.Reader) (Announcement, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return Announcement{}, readErr(err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 1 || n > MaxMessage {
		return Announcement{}, fmt.Errorf("%w: frame length %d, want 1…%d", ErrMalformed, n, MaxMessage)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return Announcement{}, readErr(err)
	}
	return Decode(body)
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	return err
}
