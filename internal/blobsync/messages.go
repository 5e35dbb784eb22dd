package blobsync

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/cborwire"
)

// ErrProtocol matches every error that says a peer broke the protocol: a
// malformed or unexpected message, a wrong answer, a stream that ended in the
// middle of one. Errors that are a peer's misbehaviour match ErrProtocol or
// blob.ErrHashMismatch.
var ErrProtocol = errors.New("blob protocol violation")

// Encoders append a message body (without its length prefix) to dst.

func appendQuery(dst []byte, ids []blob.ID) []byte {
	dst = appendStart(dst, kindQuery)
	dst = cborwire.AppendArray(dst, len(ids))
	for _, id := range ids {
		dst = cborwire.AppendBytes(dst, id[:])
	}
	return dst
}

func appendHave(dst []byte, sizes []int64) []byte {
	dst = appendStart(dst, kindHave)
	dst = cborwire.AppendArray(dst, len(sizes))
	for _, n := range sizes {
		if n < 0 {
			dst = append(dst, cborwire.Null)
		} else {
			dst = cborwire.AppendUint(dst, uint64(n))
		}
	}
	return dst
}

func appendGet(dst []byte, id blob.ID, offset int64) []byte {
	dst = appendStart(dst, kindGet)
	dst = cborwire.AppendBytes(dst, id[:])
	return cborwire.AppendUint(dst, uint64(offset))
}

func appendBlob(dst []byte, id blob.ID, size, offset int64) []byte {
	dst = appendStart(dst, kindBlob)
	dst = cborwire.AppendBytes(dst, id[:])
	dst = cborwire.AppendUint(dst, uint64(size))
	return cborwire.AppendUint(dst, uint64(offset))
}

// appendStart appends the head of a message of kind k: its array, of the
// kind's number of elements, and the kind.
func appendStart(dst []byte, k kind) []byte {
	return cborwire.AppendUint(cborwire.AppendArray(dst, elements[k]), uint64(k))
}

// appendDataHead appends a DATA body up to, not including, its n data bytes.
func appendDataHead(dst []byte, n int) []byte {
	dst = appendStart(dst, kindData)
	return cborwire.AppendHead(dst, cborwire.MajorBytes, uint64(n))
}

func appendNotFound(dst []byte, id blob.ID) []byte {
	dst = appendStart(dst, kindNotFound)
	return cborwire.AppendBytes(dst, id[:])
}

// appendError appends an ERROR; text is cut to MaxErrorText bytes at a
// character boundary, and invalid UTF-8 is replaced.
func appendError(dst []byte, code uint64, text string) []byte {
	text = errorText(text)
	dst = appendStart(dst, kindError)
	dst = cborwire.AppendUint(dst, code)
	return cborwire.AppendText(dst, text)
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
	r := cborwire.NewReader(body, cborWording)
	m := message{Kind: kind(len(elements))} // no kind known yet
	// The element count is checked once the kind is known; nothing is
	// allocated from it.
	n, err := r.Array("the message", 0, 1<<16)
	if err != nil {
		return m, err
	}
	if n == 0 {
		return m, errors.New("the message array is empty; it must start with the kind")
	}
	at := r.Offset()
	k, err := r.Uint("the kind", maxInt)
	if err != nil {
		return m, err
	}
	if k >= uint64(len(elements)) {
		return m, errorf(at, "unknown message kind %d", k)
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
		m.Data, err = r.Bytes("the data", 1, MaxChunk)
	case kindNotFound:
		m.ID, err = readID(r)
	case kindError:
		if m.Code, err = r.Uint("the error code", maxInt); err == nil {
			m.Text, err = r.Text("the error text", 0, MaxErrorText)
		}
	}
	if err != nil {
		return m, err
	}
	return m, r.End()
}

func decodeQuery(r *cborwire.Reader, m *message) error {
	n, err := readList(r, "the id list")
	if err != nil {
		return err
	}
	m.IDs = make([]blob.ID, n)
	for i := range m.IDs {
		if m.IDs[i], err = readID(r); err != nil {
			return fmt.Errorf("id %d: %w", i+1, err)
		}
	}
	return nil
}

func decodeHave(r *cborwire.Reader, m *message) error {
	n, err := readList(r, "the size list")
	if err != nil {
		return err
	}
	m.Sizes = make([]int64, n)
	for i := range m.Sizes {
		if r.Null() {
			m.Sizes[i] = absent
			continue
		}
		if m.Sizes[i], err = readInt(r, "the size"); err != nil {
			return fmt.Errorf("size %d: %w", i+1, err)
		}
	}
	return nil
}

// readList reads the head of a QUERY's id list or a HAVE's size list, of 1
// to MaxQueryIDs elements.
func readList(r *cborwire.Reader, what string) (int, error) {
	at := r.Offset()
	n, err := r.Array(what, 0, MaxQueryIDs)
	if err == nil && n == 0 {
		err = errorf(at, "%s is empty; a QUERY asks for 1 to %d ids", what, MaxQueryIDs)
	}
	return n, err
}

func readID(r *cborwire.Reader) (blob.ID, error) {
	var id blob.ID
	err := r.Fixed("the blob id", id[:])
	return id, err
}

func readInt(r *cborwire.Reader, what string) (int64, error) {
	n, err := r.Uint(what, maxInt)
	return int64(n), err
}
