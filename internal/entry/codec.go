package entry

import (
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// CBOR initial bytes used by the header encoding (RFC 8949).
const (
	cborArray9    = 0x89
	cborArray10   = 0x8a
	cborBytes1Len = 0x58 // byte string, length in the next byte
	cborNull      = 0xf6
)

// SigningContext is prepended to the unsigned header to form the signing input.
const SigningContext = "kith-entry-v1\x00"

func appendBytes(dst []byte, b []byte) []byte {
	return append(append(dst, cborBytes1Len, byte(len(b))), b...)
}

func (h *Header) appendFields(dst []byte) []byte {
	dst = cborwire.AppendUint(dst, h.Version)
	dst = appendBytes(dst, h.Author[:])
	dst = appendBytes(dst, h.LogID[:])
	dst = cborwire.AppendUint(dst, h.Seq)
	if h.Seq == 1 {
		dst = append(dst, cborNull)
	} else {
		dst = appendBytes(dst, h.Backlink[:])
	}
	dst = cborwire.AppendUint(dst, h.Timestamp)
	dst = cborwire.AppendUint(dst, h.PayloadSize)
	dst = appendBytes(dst, h.PayloadHash[:])
	dst = cborwire.AppendUint(dst, uint64(h.Flags))
	return dst
}

// AppendUnsigned appends the 9-element CBOR array of the header without its
// signature.
func (h *Header) AppendUnsigned(dst []byte) []byte {
	return h.appendFields(append(dst, cborArray9))
}

// AppendSigned appends the 10-element CBOR array of the signed header.
func (h *Header) AppendSigned(dst []byte) []byte {
	dst = h.appendFields(append(dst, cborArray10))
	return appendBytes(dst, h.Signature[:])
}

// SigningInput returns the exact bytes the author signs:
// SigningContext ‖ AppendUnsigned.
func (h *Header) SigningInput() []byte {
	return h.AppendUnsigned(append(make([]byte, 0, len(SigningContext)+170), SigningContext...))
}

// field names, indexed by position in the array, for error messages.
var fieldNames = [...]string{"version", "author", "log_id", "seq", "backlink", "timestamp", "payload_size", "payload_hash", "flags", "signature"}

// DecodeError says what is wrong with an encoded header and where.
type DecodeError struct {
	Field  string // the header field, or "" for the framing
	Offset int    // byte offset into the encoded header
	Msg    string
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("entry header: %s (byte %d)", e.Msg, e.Offset)
	}
	return fmt.Sprintf("entry header: field %s: %s (byte %d)", e.Field, e.Msg, e.Offset)
}

type decoder struct {
	b     []byte
	off   int
	field int
}

func (d *decoder) fail(format string, args ...any) error {
	name := ""
	if d.field >= 0 && d.field < len(fieldNames) {
		name = fieldNames[d.field]
	}
	return &DecodeError{Field: name, Offset: d.off, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) uint(limit uint64) (uint64, error) {
	if d.off >= len(d.b) {
		return 0, d.fail("truncated: want an unsigned integer")
	}
	ib := d.b[d.off]
	if ib>>5 != 0 {
		return 0, d.fail("want an unsigned integer, got CBOR major type %d", ib>>5)
	}
	ai := ib & 0x1f
	start := d.off
	d.off++
	var v uint64
	var n int
	switch {
	case ai < 24:
		v = uint64(ai)
	case ai == 24:
		n = 1
	case ai == 25:
		n = 2
	case ai == 26:
		n = 4
	case ai == 27:
		n = 8
	default:
		d.off = start
		return 0, d.fail("invalid or indefinite integer encoding (additional info %d)", ai)
	}
	if n > 0 {
		if len(d.b)-d.off < n {
			d.off = start
			return 0, d.fail("truncated integer")
		}
		for _, c := range d.b[d.off : d.off+n] {
			v = v<<8 | uint64(c)
		}
		d.off += n
		var minimum uint64
		switch n {
		case 1:
			minimum = 24
		case 2:
			minimum = 1 << 8
		case 4:
			minimum = 1 << 16
		case 8:
			minimum = 1 << 32
		}
		if v < minimum {
			d.off = start
			return 0, d.fail("non-canonical integer: %d is not in its shortest form", v)
		}
	}
	if v > limit {
		d.off = start
		return 0, d.fail("%d exceeds the limit %d", v, limit)
	}
	return v, nil
}

func (d *decoder) bytes(dst []byte) error {
	want := len(dst)
	if len(d.b)-d.off < 2 {
		return d.fail("truncated: want a %d-byte string", want)
	}
	if d.b[d.off]>>5 != 2 {
		return d.fail("want a byte string, got CBOR major type %d", d.b[d.off]>>5)
	}
	if d.b[d.off] != cborBytes1Len {
		// Lengths 32 and 64 are canonically encoded with one length byte;
		// any other head is either a wrong length or non-canonical.
		return d.fail("want a %d-byte string with a one-byte length", want)
	}
	if int(d.b[d.off+1]) != want {
		return d.fail("byte string has length %d, want %d", d.b[d.off+1], want)
	}
	if len(d.b)-d.off-2 < want {
		return d.fail("truncated byte string")
	}
	copy(dst, d.b[d.off+2:d.off+2+want])
	d.off += 2 + want
	return nil
}

// DecodeHeader parses an encoded signed header. It accepts exactly the
// encoding AppendSigned produces and nothing else: no trailing bytes, no
// non-shortest integers, no indefinite lengths, no unknown flags, no other
// version. It never panics. It does not check the signature.
func DecodeHeader(raw []byte) (Header, error) {
	var h Header
	d := decoder{b: raw, field: -1}
	if len(raw) > MaxHeaderSize {
		return h, d.fail("%d bytes exceeds the limit of %d", len(raw), MaxHeaderSize)
	}
	if len(raw) == 0 {
		return h, d.fail("empty")
	}
	if raw[0] != cborArray10 {
		return h, d.fail("want a CBOR array of 10 elements (0x8a), got 0x%02x", raw[0])
	}
	d.off = 1
	var err error
	d.field = 0
	if h.Version, err = d.uint(Version); err != nil {
		return h, err
	}
	if h.Version != Version {
		return h, d.fail("unsupported version %d, want %d", h.Version, Version)
	}
	d.field = 1
	if err = d.bytes(h.Author[:]); err != nil {
		return h, err
	}
	d.field = 2
	if err = d.bytes(h.LogID[:]); err != nil {
		return h, err
	}
	d.field = 3
	if h.Seq, err = d.uint(MaxSeq); err != nil {
		return h, err
	}
	if h.Seq == 0 {
		return h, d.fail("seq starts at 1")
	}
	d.field = 4
	if h.Seq == 1 {
		if d.off >= len(raw) || raw[d.off] != cborNull {
			return h, d.fail("at seq 1 the backlink must be null")
		}
		d.off++
	} else {
		if d.off < len(raw) && raw[d.off] == cborNull {
			return h, d.fail("seq %d needs a backlink, got null", h.Seq)
		}
		if err = d.bytes(h.Backlink[:]); err != nil {
			return h, err
		}
	}
	d.field = 5
	if h.Timestamp, err = d.uint(MaxTimestamp); err != nil {
		return h, err
	}
	d.field = 6
	if h.PayloadSize, err = d.uint(MaxPayloadSize); err != nil {
		return h, err
	}
	d.field = 7
	if err = d.bytes(h.PayloadHash[:]); err != nil {
		return h, err
	}
	d.field = 8
	flags, err := d.uint(1<<64 - 1)
	if err != nil {
		return h, err
	}
	if Flags(flags)&^knownFlags != 0 {
		return h, d.fail("unknown flag bits 0x%x", flags&^uint64(knownFlags))
	}
	h.Flags = Flags(flags)
	d.field = 9
	if err = d.bytes(h.Signature[:]); err != nil {
		return h, err
	}
	d.field = -1
	if d.off != len(raw) {
		return h, d.fail("%d trailing bytes after the header", len(raw)-d.off)
	}
	return h, nil
}
