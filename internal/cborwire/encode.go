package cborwire

import (
	"encoding/binary"
	"fmt"
)

// Major is a CBOR major type: the top three bits of an item's initial byte.
type Major byte

// The major types of the subset.
const (
	MajorUint  Major = 0
	MajorBytes Major = 2
	MajorText  Major = 3
	MajorArray Major = 4
)

// Null is the encoding of null (major type 7, simple value 22).
const Null byte = 0xf6

// String names the major type: "unsigned integer", "byte string", "text
// string", "array", or "major type N" for the others.
func (m Major) String() string {
	switch m {
	case MajorUint:
		return "unsigned integer"
	case MajorBytes:
		return "byte string"
	case MajorText:
		return "text string"
	case MajorArray:
		return "array"
	}
	return fmt.Sprintf("major type %d", byte(m))
}

// AppendHead appends the head of an item of major type m whose argument
// (value, length or element count) is v, in its shortest form.
func AppendHead(dst []byte, m Major, v uint64) []byte {
	ib := byte(m) << 5
	switch {
	case v < 24:
		return append(dst, ib|byte(v))
	case v <= 0xff:
		return append(dst, ib|24, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(dst, ib|25), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(dst, ib|26), uint32(v))
	default:
		return binary.BigEndian.AppendUint64(append(dst, ib|27), v)
	}
}

// HeadSize is the length of the head AppendHead writes for argument v.
func HeadSize(v uint64) int {
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

// BytesSize is the encoded length of a byte or text string of n bytes.
func BytesSize(n int) int { return HeadSize(uint64(n)) + n }

// AppendUint appends the unsigned integer v.
func AppendUint(dst []byte, v uint64) []byte { return AppendHead(dst, MajorUint, v) }

// AppendArray appends the head of an array of n elements; the caller
// appends the elements.
func AppendArray(dst []byte, n int) []byte { return AppendHead(dst, MajorArray, uint64(n)) }

// AppendBytes appends b as a byte string.
func AppendBytes(dst, b []byte) []byte {
	return append(AppendHead(dst, MajorBytes, uint64(len(b))), b...)
}

// AppendText appends s as a text string. The caller makes sure s is valid
// UTF-8; a Reader refuses it otherwise.
func AppendText(dst []byte, s string) []byte {
	return append(AppendHead(dst, MajorText, uint64(len(s))), s...)
}

// AppendBytesOrNull appends b as a byte string, or null when b is nil (an
// empty, non-nil b is an empty byte string).
func AppendBytesOrNull(dst, b []byte) []byte {
	if b == nil {
		return append(dst, Null)
	}
	return AppendBytes(dst, b)
}
