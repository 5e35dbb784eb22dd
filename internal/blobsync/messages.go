package blobsync

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/blob"
)

// ErrProtocol matches every error that says a peer broke the protocol: a
// malformed or unexpected message, a wrong answer, a stream that ended in the
// middle of one. Errors that are a peer's misbehaviour match ErrProtocol or
// blob.ErrHashMismatch.
var ErrProtocol = errors.New("blob protocol violation")

// Encoders append a message body (without its length prefix) to dst.

func appendQuery(dst []byte, ids []blob.ID) []byte {
	dst = appendHead(dst, majorArray, 2)
	dst = appendUint(dst, uint64(kindQuery))
	dst = appendHead(dst, majorArray, uint64(len(ids)))
	for _, id := range ids {
		dst = appendBytes(dst, id[:])
	}
	return dst
}

func appendHave(dst []byte, sizes []int64) []byte {
	dst = appendHead(dst, majorArray, 2)
	dst = appendUint(dst, uint64(kindHave))
	dst = appendHead(dst, majorArray, uint64(len(sizes)))
	for _, n := range sizes {
		if n < 0 {
			dst = append(dst, cborNull)
		} else {
			dst = appendUint(dst, uint64(n))
		}
	}
	return dst
}

func appendGet(dst []byte, id blob.ID, offset int64) []byte {
	dst = appendHead(dst, majorArray, 3)
	dst = appendUint(dst, uint64(kindGet))
	dst = appendBytes(dst, id[:])
	return appendUint(dst, uint64(offset))
}

func appendBlob(dst []byte, id blob.ID, size, offset int64) []byte {
	dst = appendHead(dst, majorArray, 4)
	dst = appendUint(dst, uint64(kindBlob))
	dst = appendBytes(dst, id[:])
	dst = appendUint(dst, uint64(size))
	return appendUint(dst, uint64(offset))
}

// appendDataHead appends a DATA body up to, not including, its n data bytes.
func appendDataHead(dst []byte, n int) []byte {
	dst = appendHead(dst, majorArray, 2)
	dst = appendUint(dst, uint64(kindData))
	return appendHead(dst, majorBytes, uint64(n))
}

func appendNotFound(dst []byte, id blob.ID) []byte {
	dst = appendHead(dst, majorArray, 2)
	dst = appendUint(dst, uint64(kindNotFound))
	return appendBytes(dst, id[:])
}

// appendError appends an ERROR; text is cut to MaxErrorText bytes at a
// character boundary, and invalid UTF-8 is replaced.
func appendError(dst []byte, code uint64, text string) []byte {
	text = errorText(text)
	dst = appendHead(dst, majorArray, 3)
	dst = appendUint(dst, uint64(kindError))
	dst = appendUint(dst, code)
	return appendText(dst, text)
}

// errorText makes text fit an ERROR message.
func errorText(text string) string {
	text = string([]rune(text)) // replaces invalid UTF-8 with U+FFFD
	if len(text) <= MaxErrorText {
		return text
	}
	cut := MaxErrorText
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

// elements is the number of array elements of each kind's body.
var elements = [...]int{
	kindQuery:    2,
	kindHave:     2,
	kindGet:      3,
	kindBlob:     4,
	kindData:     2,
	kindNotFound: 2,
	kindError:    3,
}

// decodeMessage decodes one message body. It accepts exactly the canonical
// encodings of the messages of doc/protocol/blobsync.md and nothing else. A
// DATA message's Data shares memory with body. Errors match ErrProtocol.
func decodeMessage(body []byte) (message, error) {
	m, err := decodeBody(body)
	if err != nil {
		if m.Kind < kind(len(elements)) {
			return message{}, fmt.Errorf("%w: malformed %s message: %v", ErrProtocol, m.Kind, err)
		}
		return message{}, fmt.Errorf("%w: malformed message: %v", ErrProtocol, err)
	}
	return m, nil
}

func decodeBody(body []byte) (message, error) {
	r := &cborReader{b: body}
	m := message{Kind: kind(len(elements))} // no kind known yet
	// The element count is checked once the kind is known; nothing is
	// allocated from it.
	n, err := r.array("the message", 1<<16)
	if err != nil {
		return m, err
	}
	if n == 0 {
		return m, errors.New("the message array is empty; it must start with the kind")
	}
	at := r.off
	k, err := r.uint("the kind", maxInt)
	if err != nil {
		return m, err
	}
	if k >= uint64(len(elements)) {
		return m, r.errorf(at, "unknown message kind %d", k)
	}
	m.Kind = kind(k)
	if n != elements[k] {
		return m, fmt.Errorf("the message array has %d elements, a %s has %d", n, m.Kind, elements[k])
	}
	switch m.Kind {
	case kindQuery:
		err = decodeQuery(r, &m)
	case kindHave:
		err = decodeHave(r, &m)
	case kindGet:
		if m.ID, err = readID(r); err == nil {
			m.Offset, err = readInt(r, "the offset")
		}
	case kindBlob:
		if m.ID, err = readID(r); err == nil {
			if m.Size, err = readInt(r, "the size"); err == nil {
				m.Offset, err = readInt(r, "the offset")
			}
		}
	case kindData:
		m.Data, err = r.bytes("the data", 1, MaxChunk)
	case kindNotFound:
		m.ID, err = readID(r)
	case kindError:
		if m.Code, err = r.uint("the error code", maxInt); err == nil {
			m.Text, err = r.text("the error text", MaxErrorText)
		}
	}
	if err != nil {
		return m, err
	}
	return m, r.end()
}

func decodeQuery(r *cborReader, m *message) error {
	at := r.off
	n, err := r.array("the id list", MaxQueryIDs)
	if err != nil {
		return err
	}
	if n == 0 {
		return r.errorf(at, "the id list is empty; a QUERY asks for 1 to %d ids", MaxQueryIDs)
	}
	m.IDs = make([]blob.ID, n)
	for i := range m.IDs {
		if m.IDs[i], err = readID(r); err != nil {
			return fmt.Errorf("id %d: %w", i+1, err)
		}
	}
	return nil
}

func decodeHave(r *cborReader, m *message) error {
	at := r.off
	n, err := r.array("the size list", MaxQueryIDs)
	if err != nil {
		return err
	}
	if n == 0 {
		return r.errorf(at, "the size list is empty; a QUERY asks for 1 to %d ids", MaxQueryIDs)
	}
	m.Sizes = make([]int64, n)
	for i := range m.Sizes {
		if r.null() {
			m.Sizes[i] = absent
			continue
		}
		if m.Sizes[i], err = readInt(r, "the size"); err != nil {
			return fmt.Errorf("size %d: %w", i+1, err)
		}
	}
	return nil
}

func readID(r *cborReader) (blob.ID, error) {
	b, err := r.bytes("the blob id", len(blob.ID{}), len(blob.ID{}))
	if err != nil {
		return blob.ID{}, err
	}
	return blob.ID(b), nil
}

func readInt(r *cborReader, what string) (int64, error) {
	n, err := r.uint(what, maxInt)
	return int64(n), err
}
