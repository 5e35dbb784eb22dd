package replicate

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/cborwire"
)

// The session's reader decodes a RECONCILE as its bytes arrive, range by
// range, and hands the ranges to the session loop in parts, so that a
// message of 2 MB costs the reader a window of its buffered reader and a
// part of decoded ranges, not the whole frame and all its items (10 peers
// sending RECONCILE after RECONCILE of 2 MB held 20 MB of frames).

// Limits of one part handed to the loop: with the parts the session's
// inbox holds, about 280 KB a session at most.
const (
	partRanges = 16  // ranges
	partItems  = 256 // items of their lists (a range holds at most MaxListItems)
)

// reconcilePart is part of a RECONCILE that the reader streams: ranges in
// order; first and last say where they stand in the message (a message of
// no ranges is one part, first and last, with none). The ranges' Items
// are slices of items, so that a part can be used again once handled; their
// Upper bounds are their own.
type reconcilePart struct {
	ranges      []Range
	first, last bool
	items       []Item // partItems
}

func newReconcilePart() *reconcilePart {
	return &reconcilePart{ranges: make([]Range, 0, partRanges), items: make([]Item, partItems)}
}

// Kind makes a part a Message for the session's inbox.
func (*reconcilePart) Kind() Kind { return KindReconcile }

// reconcileHead is the start of every RECONCILE body: an array of 2, kind 1.
var reconcileHead = [2]byte{0x82, byte(KindReconcile)}

// peekReconcile looks at the next frame without reading it: it returns the
// body's size when the frame is a RECONCILE (its length is valid and its
// body starts as every RECONCILE's does), else 0, also when the stream
// ends or fails first (readFrame then reads what there is and says so).
func peekReconcile(br *bufio.Reader) int {
	h, err := br.Peek(FrameHeader)
	if err != nil {
		return 0
	}
	size := binary.BigEndian.Uint32(h)
	if size < 2 || size > MaxMessage {
		return 0 // readFrame refuses it, or it is no RECONCILE
	}
	if h, err = br.Peek(FrameHeader + 2); err != nil || !bytes.Equal(h[FrameHeader:], reconcileHead[:]) {
		return 0
	}
	return int(size)
}

// errStopped: emit asked streamReconcile to stop.
var errStopped = errors.New("replicate: stopped")

// streamReconcile reads from br a frame that peekReconcile found to be a
// RECONCILE of size bytes, and decodes it as it arrives: emit gets its
// ranges in order, in parts of at most partRanges ranges and partItems
// items that next provides empty (first and last set as they are). It
// accepts exactly what DecodeMessage accepts, with the same errors (a
// *ProtocolError), but reports a bad range only once the parts before it
// were emitted. emit returning false stops it (errStopped). Errors of br
// are returned as readFrame returns them.
func streamReconcile(br *bufio.Reader, size int, next func() *reconcilePart, emit func(*reconcilePart) bool) error {
	if _, err := br.Discard(FrameHeader); err != nil {
		return err
	}
	left := size // of the body, not yet consumed
	// window returns a decoder of the next bytes of the body: all that is
	// left, or a buffer's worth, which holds any valid range many times
	// over (a range is at most about 7 KB), so a range that runs past a
	// window that is not the end of the body is bad before it gets there.
	window := func() (*decoder, error) {
		w, err := br.Peek(min(left, br.Size()))
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("frame of %d bytes: %w", size, err)
		}
		base := size - left
		wording := func(e *cborwire.Error) string {
			c := *e
			c.Offset += base
			return cborWording(&c)
		}
		return &decoder{Reader: cborwire.NewReader(w, wording), size: size, kind: KindReconcile, known: true, base: base, beyond: left - len(w)}, nil
	}
	consume := func(d *decoder) error {
		n := d.Offset()
		left -= n
		_, err := br.Discard(n)
		return err
	}
	d, err := window()
	if err != nil {
		return err
	}
	// The head: peekReconcile saw an array of 2 and kind 1.
	if _, err := d.array("message", 1, 3); err != nil {
		return d.protocolError(err)
	}
	if _, err := d.Uint("kind", 255); err != nil {
		return d.protocolError(err)
	}
	n, err := d.count("ranges", 0, size)
	if err != nil {
		return d.protocolError(err)
	}
	if err := consume(d); err != nil {
		return err
	}
	part := next()
	part.first = true
	used := 0        // of part.items
	var lower []byte // nil: the start of the key space
	for i := range n {
		if d, err = window(); err != nil {
			return err
		}
		d.items = part.items[used:]
		var r Range
		at := d.Offset()
		if err := d.rng(&r, lower); err != nil {
			return d.protocolError(fmt.Errorf("range %d: %w", i, err))
		}
		if r.Upper == nil && i != n-1 {
			return d.protocolError(fmt.Errorf("range %d: %w", i, d.fail(at, "only the last range may end at the end of the key space")))
		}
		r.Upper = bytes.Clone(r.Upper) // it aliases the reader's buffer
		if err := consume(d); err != nil {
			return err
		}
		lower = r.Upper
		part.ranges = append(part.ranges, r)
		used += len(r.Items)
		if i == n-1 {
			break
		}
		if len(part.ranges) == partRanges || used+MaxListItems > partItems {
			if !emit(part) {
				return errStopped
			}
			part, used = next(), 0
		}
	}
	if left > 0 {
		w, err := br.Peek(1)
		if err != nil {
			return fmt.Errorf("frame of %d bytes: %w", size, io.ErrUnexpectedEOF)
		}
		e := &cborwire.Error{Offset: size - left, Problem: cborwire.Trailing, Initial: w[0], Value: uint64(left)}
		return &ProtocolError{Code: CodeMalformed, Err: fmt.Errorf("%s: %s", KindReconcile, cborWording(e))}
	}
	part.last = true
	if !emit(part) {
		return errStopped
	}
	return nil
}
