package replicate

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// The wire format uses a small subset of CBOR (RFC 8949) in core
// deterministic encoding: unsigned integers, byte strings, text strings,
// arrays of definite length, and null. Every head is in its shortest form.
// The encoder below writes exactly that; the reader accepts exactly that and
// nothing else, so every message has one encoding.

const (
	majorUint  = 0
	majorBytes = 2
	majorText  = 3
	majorArray = 4
	cborNull   = 0xf6
)

// appendHead appends a CBOR head (major type and argument) in shortest form.
func appendHead(dst []byte, major byte, v uint64) []byte {
	m := major << 5
	switch {
	case v < 24:
		return append(dst, m|byte(v))
	case v <= 0xff:
		return append(dst, m|24, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, m|25), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(dst, m|26), uint32(v))
	default:
		return binary.BigEndian.AppendUint64(append(dst, m|27), v)
	}
}

// headSize is the length of the head appendHead writes for v.
func headSize(v uint64) int {
	switch {
	case v < 24:
		return 1
	case v <= 0xff:
		return 2
	case v <= 0xffff:
		return 3
	case v <= 0xffffffff:
		return 5
	default:
		return 9
	}
}

func appendUint(dst []byte, v uint64) []byte { return appendHead(dst, majorUint, v) }
func appendArray(dst []byte, n int) []byte   { return appendHead(dst, majorArray, uint64(n)) }
func appendBytes(dst []byte, b []byte) []byte {
	return append(appendHead(dst, majorBytes, uint64(len(b))), b...)
}
func appendText(dst []byte, s string) []byte {
	return append(appendHead(dst, majorText, uint64(len(s))), s...)
}
func bytesSize(n int) int { return headSize(uint64(n)) + n }

// nullOr appends b as a byte string, or null when b is nil.
func nullOr(dst, b []byte) []byte {
	if b == nil {
		return append(dst, cborNull)
	}
	return appendBytes(dst, b)
}

// cborReader reads the CBOR subset from one message body. Every method
// checks canonical form and bounds and never panics; errors say what was
// being read and at which byte of the body.
type cborReader struct {
	b   []byte
	off int
}

// readError is a decoding failure at a byte offset of a message body.
type readError struct {
	off int
	msg string
}

func (e *readError) Error() string { return fmt.Sprintf("%s (byte %d)", e.msg, e.off) }

func (r *cborReader) fail(at int, format string, args ...any) error {
	return &readError{off: at, msg: fmt.Sprintf(format, args...)}
}

// head reads a head of the given major type and returns its argument.
func (r *cborReader) head(major byte, what string) (uint64, error) {
	start := r.off
	if r.off >= len(r.b) {
		return 0, r.fail(start, "%s: truncated", what)
	}
	ib := r.b[r.off]
	if ib>>5 != major {
		return 0, r.fail(start, "%s: want CBOR %s, got major type %d (0x%02x)", what, majorName(major), ib>>5, ib)
	}
	ai := ib & 0x1f
	var n int
	switch {
	case ai < 24:
		r.off++
		return uint64(ai), nil
	case ai == 24:
		n = 1
	case ai == 25:
		n = 2
	case ai == 26:
		n = 4
	case ai == 27:
		n = 8
	default:
		return 0, r.fail(start, "%s: indefinite or reserved length (additional info %d)", what, ai)
	}
	if len(r.b)-r.off-1 < n {
		return 0, r.fail(start, "%s: truncated", what)
	}
	var v uint64
	for _, c := range r.b[r.off+1 : r.off+1+n] {
		v = v<<8 | uint64(c)
	}
	if headSize(v) != 1+n {
		return 0, r.fail(start, "%s: %d is not in its shortest encoding", what, v)
	}
	r.off += 1 + n
	return v, nil
}

func majorName(m byte) string {
	switch m {
	case majorUint:
		return "unsigned integer"
	case majorBytes:
		return "byte string"
	case majorText:
		return "text string"
	case majorArray:
		return "array"
	}
	return fmt.Sprintf("major type %d", m)
}

// uint reads an unsigned integer no greater than limit.
func (r *cborReader) uint(what string, limit uint64) (uint64, error) {
	start := r.off
	v, err := r.head(majorUint, what)
	if err != nil {
		return 0, err
	}
	if v > limit {
		return 0, r.fail(start, "%s: %d exceeds the limit %d", what, v, limit)
	}
	return v, nil
}

// array reads an array head with min ≤ length ≤ max. The length is also
// bounded by the bytes left (every element takes at least one), so a
// caller may allocate it.
func (r *cborReader) array(what string, minLen, maxLen int) (int, error) {
	start := r.off
	n, err := r.head(majorArray, what)
	if err != nil {
		return 0, err
	}
	if n < uint64(minLen) || n > uint64(maxLen) {
		return 0, r.fail(start, "%s: array of %d elements, want %s", what, n, countRange(minLen, maxLen))
	}
	if n > uint64(len(r.b)-r.off) {
		return 0, r.fail(start, "%s: array of %d elements in %d remaining bytes", what, n, len(r.b)-r.off)
	}
	return int(n), nil
}

func countRange(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d..%d", lo, hi)
}

// bytes reads a byte string of min..max bytes. The result aliases the body.
// An empty string is returned as an empty, non-nil slice.
func (r *cborReader) bytes(what string, minLen, maxLen int) ([]byte, error) {
	start := r.off
	n, err := r.head(majorBytes, what)
	if err != nil {
		return nil, err
	}
	if n < uint64(minLen) || n > uint64(maxLen) {
		return nil, r.fail(start, "%s: byte string of %d bytes, want %s", what, n, countRange(minLen, maxLen))
	}
	if n > uint64(len(r.b)-r.off) {
		return nil, r.fail(start, "%s: truncated byte string", what)
	}
	b := r.b[r.off : r.off+int(n) : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

// fixed reads a byte string of exactly len(dst) bytes into dst.
func (r *cborReader) fixed(what string, dst []byte) error {
	b, err := r.bytes(what, len(dst), len(dst))
	if err != nil {
		return err
	}
	copy(dst, b)
	return nil
}

// text reads a UTF-8 text string of min..max bytes.
func (r *cborReader) text(what string, minLen, maxLen int) (string, error) {
	start := r.off
	n, err := r.head(majorText, what)
	if err != nil {
		return "", err
	}
	if n < uint64(minLen) || n > uint64(maxLen) {
		return "", r.fail(start, "%s: text of %d bytes, want %s", what, n, countRange(minLen, maxLen))
	}
	if n > uint64(len(r.b)-r.off) {
		return "", r.fail(start, "%s: truncated text string", what)
	}
	s := r.b[r.off : r.off+int(n)]
	if !utf8.Valid(s) {
		return "", r.fail(start, "%s: text is not valid UTF-8", what)
	}
	r.off += int(n)
	return string(s), nil
}

// null consumes a null if one is next and reports whether it did.
func (r *cborReader) null() bool {
	if r.off < len(r.b) && r.b[r.off] == cborNull {
		r.off++
		return true
	}
	return false
}

// end checks that the whole body was read.
func (r *cborReader) end() error {
	if r.off != len(r.b) {
		return r.fail(r.off, "%d trailing bytes after the message", len(r.b)-r.off)
	}
	return nil
}
