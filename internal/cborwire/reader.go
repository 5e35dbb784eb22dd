package cborwire

import "unicode/utf8"

// Reader reads the items of one message body in order. Each method reads
// the next item as the kind it asks for, checks that its head is in the
// subset and in shortest form and that its value is within the bounds
// given, and otherwise returns an *Error and leaves the position at the
// start of that item. No method panics, whatever the body holds.
//
// Bounds are the caller's: an array's count is checked against the
// maximum given, not against what is left of the body, so a caller that
// allocates from a count passes a maximum it can afford.
type Reader struct {
	body  []byte
	off   int
	words Wording
}

// NewReader returns a Reader at the start of body whose errors read as
// words writes them (nil: a plain default wording).
func NewReader(body []byte, words Wording) *Reader {
	return &Reader{body: body, words: words}
}

// Offset is the byte of the body where the next item starts.
func (r *Reader) Offset() int { return r.off }

// Remaining is the number of bytes not read yet.
func (r *Reader) Remaining() int { return len(r.body) - r.off }

// fail returns an error about the item at byte at.
func (r *Reader) fail(at int, what string, p Problem, want Major, value uint64) *Error {
	e := &Error{Offset: at, What: what, Problem: p, Want: want, Value: value, words: r.words}
	if at < len(r.body) {
		e.Initial = r.body[at]
	}
	r.off = at
	return e
}

// outOfRange returns an OutOfRange error about the item at byte at.
func (r *Reader) outOfRange(at int, what string, want Major, v, lo, hi uint64) *Error {
	e := r.fail(at, what, OutOfRange, want, v)
	e.Min, e.Max = lo, hi
	return e
}

// head reads the head of the next item, which must be of major type want,
// and returns its argument. The checks run in the order of the Problem
// constants, so the error names the first thing wrong.
func (r *Reader) head(want Major, what string) (uint64, error) {
	at := r.off
	if at >= len(r.body) {
		return 0, r.fail(at, what, EndOfBody, want, 0)
	}
	ib := r.body[at]
	info := ib & 0x1f
	if info < 24 {
		if Major(ib>>5) != want {
			return 0, r.fail(at, what, WrongType, want, uint64(info))
		}
		r.off++
		return uint64(info), nil
	}
	if info > 27 {
		return 0, r.fail(at, what, Reserved, want, 0)
	}
	size := 1 << (info - 24) // 1, 2, 4 or 8 bytes of argument
	if len(r.body)-at-1 < size {
		return 0, r.fail(at, what, ArgumentTruncated, want, uint64(size))
	}
	var v uint64
	for _, c := range r.body[at+1 : at+1+size] {
		v = v<<8 | uint64(c)
	}
	if HeadSize(v) != 1+size {
		return 0, r.fail(at, what, NotShortest, want, v)
	}
	if Major(ib>>5) != want {
		return 0, r.fail(at, what, WrongType, want, v)
	}
	r.off = at + 1 + size
	return v, nil
}

// Uint reads an unsigned integer no greater than max.
func (r *Reader) Uint(what string, max uint64) (uint64, error) {
	at := r.off
	v, err := r.head(MajorUint, what)
	if err != nil {
		return 0, err
	}
	if v > max {
		return 0, r.outOfRange(at, what, MajorUint, v, 0, max)
	}
	return v, nil
}

// Array reads the head of an array of minLen to maxLen elements and returns
// the count; the caller reads the elements.
func (r *Reader) Array(what string, minLen, maxLen int) (int, error) {
	at := r.off
	n, err := r.head(MajorArray, what)
	if err != nil {
		return 0, err
	}
	if n < uint64(minLen) || n > uint64(maxLen) {
		return 0, r.outOfRange(at, what, MajorArray, n, uint64(minLen), uint64(maxLen))
	}
	return int(n), nil
}

// content reads the head of a byte or text string of minLen to maxLen
// bytes and returns its bytes, which alias the body.
func (r *Reader) content(want Major, what string, minLen, maxLen int) ([]byte, error) {
	at := r.off
	n, err := r.head(want, what)
	if err != nil {
		return nil, err
	}
	if n < uint64(minLen) || n > uint64(maxLen) {
		return nil, r.outOfRange(at, what, want, n, uint64(minLen), uint64(maxLen))
	}
	if n > uint64(len(r.body)-r.off) {
		return nil, r.fail(at, what, PastEnd, want, n)
	}
	end := r.off + int(n)
	b := r.body[r.off:end:end]
	r.off = end
	return b, nil
}

// Bytes reads a byte string of minLen to maxLen bytes. The result aliases
// the body, with its capacity cut to its length; an empty string is an
// empty, non-nil slice.
func (r *Reader) Bytes(what string, minLen, maxLen int) ([]byte, error) {
	return r.content(MajorBytes, what, minLen, maxLen)
}

// Fixed reads a byte string of exactly len(dst) bytes into dst.
func (r *Reader) Fixed(what string, dst []byte) error {
	b, err := r.content(MajorBytes, what, len(dst), len(dst))
	if err != nil {
		return err
	}
	copy(dst, b)
	return nil
}

// Text reads a UTF-8 text string of minLen to maxLen bytes.
func (r *Reader) Text(what string, minLen, maxLen int) (string, error) {
	at := r.off
	b, err := r.content(MajorText, what, minLen, maxLen)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", r.fail(at, what, InvalidUTF8, MajorText, uint64(len(b)))
	}
	return string(b), nil
}

// Null consumes a null if one is next and reports whether it did.
func (r *Reader) Null() bool {
	if r.off < len(r.body) && r.body[r.off] == Null {
		r.off++
		return true
	}
	return false
}

// End checks that the whole body has been read.
func (r *Reader) End() error {
	if n := len(r.body) - r.off; n != 0 {
		return r.fail(r.off, "", Trailing, 0, uint64(n))
	}
	return nil
}
