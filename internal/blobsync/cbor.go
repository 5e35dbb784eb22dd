package blobsync

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// This file is a small strict CBOR codec for the few forms the protocol uses:
// unsigned integers, byte and text strings, arrays and null, with definite
// lengths and the shortest encoding of every integer and length (RFC 8949
// core deterministic encoding). Anything else is rejected.

// CBOR major types.
const (
	majorUint  = 0
	majorBytes = 2
	majorText  = 3
	majorArray = 4
)

// cborNull is the encoding of null.
const cborNull = 0xf6

// appendHead appends the head of a data item of the given major type whose
// argument is n, in its shortest form.
func appendHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= 0xff:
		return append(dst, m|24, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, m|25), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(dst, m|26), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, m|27), n)
	}
}

func appendUint(dst []byte, n uint64) []byte { return appendHead(dst, majorUint, n) }

func appendBytes(dst, b []byte) []byte {
	return append(appendHead(dst, majorBytes, uint64(len(b))), b...)
}

func appendText(dst []byte, s string) []byte {
	return append(appendHead(dst, majorText, uint64(len(s))), s...)
}

// cborReader reads data items from a message body. Every error names the
// byte offset in the body where the problem is.
type cborReader struct {
	b   []byte
	off int
}

func (r *cborReader) errorf(at int, format string, args ...any) error {
	return fmt.Errorf("byte %d: %s", at, fmt.Sprintf(format, args...))
}

// head reads the head of the next data item and returns its major type and
// argument. It rejects reserved and indefinite-length heads, simple values
// and floats (null is read by null), and arguments not in their shortest
// form.
func (r *cborReader) head() (major byte, n uint64, err error) {
	at := r.off
	if at >= len(r.b) {
		return 0, 0, r.errorf(at, "the message ends where a value is due")
	}
	ib := r.b[at]
	major, info := ib>>5, ib&0x1f
	if major == 7 {
		return 0, 0, r.errorf(at, "unexpected simple value or float 0x%02x", ib)
	}
	if major == 1 || major == 5 || major == 6 {
		return 0, 0, r.errorf(at, "unexpected CBOR major type %d (only unsigned integers, byte and text strings, arrays and null occur)", major)
	}
	size := 0
	switch {
	case info < 24:
		r.off++
		return major, uint64(info), nil
	case info == 24:
		size = 1
	case info == 25:
		size = 2
	case info == 26:
		size = 4
	case info == 27:
		size = 8
	default:
		return 0, 0, r.errorf(at, "indefinite length or reserved value 0x%02x", ib)
	}
	if len(r.b)-at-1 < size {
		return 0, 0, r.errorf(at, "the message ends inside a %d-byte integer", size)
	}
	var v uint64
	for _, c := range r.b[at+1 : at+1+size] {
		v = v<<8 | uint64(c)
	}
	minimum := [...]uint64{1: 24, 2: 0x100, 4: 0x10000, 8: 0x100000000}[size]
	if v < minimum {
		return 0, 0, r.errorf(at, "%d is not in its shortest encoding", v)
	}
	r.off = at + 1 + size
	return major, v, nil
}

// expect reads a head and requires major type want.
func (r *cborReader) expect(want byte, what string) (uint64, error) {
	at := r.off
	major, n, err := r.head()
	if err != nil {
		return 0, err
	}
	if major != want {
		return 0, r.errorf(at, "%s: want %s, got %s", what, majorName(want), majorName(major))
	}
	return n, nil
}

// array reads an array head with at most max elements.
func (r *cborReader) array(what string, max int) (int, error) {
	at := r.off
	n, err := r.expect(majorArray, what)
	if err != nil {
		return 0, err
	}
	if n > uint64(max) {
		return 0, r.errorf(at, "%s has %d elements, at most %d allowed", what, n, max)
	}
	return int(n), nil
}

// uint reads an unsigned integer of at most max.
func (r *cborReader) uint(what string, max uint64) (uint64, error) {
	at := r.off
	n, err := r.expect(majorUint, what)
	if err != nil {
		return 0, err
	}
	if n > max {
		return 0, r.errorf(at, "%s %d is over the limit of %d", what, n, max)
	}
	return n, nil
}

// bytes reads a byte string of min to max bytes. The result shares memory
// with the body.
func (r *cborReader) bytes(what string, min, max int) ([]byte, error) {
	at := r.off
	n, err := r.expect(majorBytes, what)
	if err != nil {
		return nil, err
	}
	if n < uint64(min) || n > uint64(max) {
		if min == max {
			return nil, r.errorf(at, "%s has %d bytes, want %d", what, n, min)
		}
		return nil, r.errorf(at, "%s has %d bytes, want %d to %d", what, n, min, max)
	}
	if uint64(len(r.b)-r.off) < n {
		return nil, r.errorf(at, "%s of %d bytes goes past the end of the message", what, n)
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

// text reads a UTF-8 text string of at most max bytes.
func (r *cborReader) text(what string, max int) (string, error) {
	at := r.off
	n, err := r.expect(majorText, what)
	if err != nil {
		return "", err
	}
	if n > uint64(max) {
		return "", r.errorf(at, "%s has %d bytes, at most %d allowed", what, n, max)
	}
	if uint64(len(r.b)-r.off) < n {
		return "", r.errorf(at, "%s of %d bytes goes past the end of the message", what, n)
	}
	b := r.b[r.off : r.off+int(n)]
	if !utf8.Valid(b) {
		return "", r.errorf(at, "%s is not valid UTF-8", what)
	}
	r.off += int(n)
	return string(b), nil
}

// null consumes a null and reports whether there was one.
func (r *cborReader) null() bool {
	if r.off < len(r.b) && r.b[r.off] == cborNull {
		r.off++
		return true
	}
	return false
}

// end requires that the whole body has been read.
func (r *cborReader) end() error {
	if r.off != len(r.b) {
		return r.errorf(r.off, "the message array is followed by %d more bytes", len(r.b)-r.off)
	}
	return nil
}

func majorName(m byte) string {
	switch m {
	case majorUint:
		return "an unsigned integer"
	case majorBytes:
		return "a byte string"
	case majorText:
		return "a text string"
	case majorArray:
		return "an array"
	}
	return fmt.Sprintf("major type %d", m)
}
