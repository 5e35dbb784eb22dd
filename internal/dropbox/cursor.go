package dropbox

import (
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// cursor reads a body with cborwire, plus the two simple values false and
// true that cborwire's Reader does not read.
type cursor struct {
	body []byte
	base int // offset of r's body within body
	r    *cborwire.Reader
}

func newCursor(body []byte) *cursor { return &cursor{body: body, r: cborwire.NewReader(body, nil)} }

// offset is the byte of body where the next item starts.
func (c *cursor) offset() int { return c.base + c.r.Offset() }

// bool reads false or true.
func (c *cursor) bool(what string) (bool, error) {
	at := c.offset()
	if at >= len(c.body) || (c.body[at] != 0xf4 && c.body[at] != 0xf5) {
		return false, fmt.Errorf("%s: byte %d: want false or true", what, at)
	}
	c.base = at + 1
	c.r = cborwire.NewReader(c.body[c.base:], nil)
	return c.body[at] == 0xf5, nil
}

// key32s reads an array of 0…max 32-byte strings, strictly ascending.
func (c *cursor) key32s(what string, max int) ([][32]byte, error) {
	n, err := c.r.Array(what, 0, max)
	if err != nil {
		return nil, err
	}
	out := make([][32]byte, n)
	for i := range out {
		at := c.offset()
		if err := c.r.Fixed(what, out[i][:]); err != nil {
			return nil, err
		}
		if i > 0 && string(out[i-1][:]) >= string(out[i][:]) {
			return nil, fmt.Errorf("%s: byte %d: element %d is not after element %d: must be ascending, without repeats", what, at, i+1, i)
		}
	}
	return out, nil
}

// version reads the version, 1.
func (c *cursor) version() error {
	v, err := c.r.Uint("version", 1<<32)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if v != Version {
		return fmt.Errorf("%w: version %d, this node reads %d", ErrVersion, v, Version)
	}
	return nil
}

// Version is the version of every message of this package.
const Version = 1
