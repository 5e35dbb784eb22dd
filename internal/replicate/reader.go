package replicate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// readLoop reads messages: it checks HELLO, the flood limit (of messages
// other than ENTRIES) and credit, and
// passes entries to the pipeline and everything else to the loop.
func (s *session) readLoop(ctx context.Context) {
	br := newBufferedReader(s.stream)
	lim := &s.e.limits
	bucket := newTokenBucket(lim.MessageRate, lim.MessageBurst, time.Now())
	caughtUp := false
	failed := func(err error) {
		if ctx.Err() != nil {
			return
		}
		var pe *ProtocolError
		switch {
		case errors.As(err, &pe):
			s.fail(pe)
		case errors.Is(err, io.EOF):
			s.fail(ErrStreamEnded)
		default:
			s.fail(fmt.Errorf("replicate: read from the stream: %w", err))
		}
	}
	// spare is a frame buffer to read the next frame into: the frame of
	// the last message when nothing aliases it any more. Of the messages
	// read whole, only ENTRIES alias their frame (the pipeline holds
	// them); RECONCILE frames are not read whole but streamed.
	var spare []byte
	for {
		if cap(spare) > maxSpareFrame {
			spare = nil // a WANT or HAVE of many logs: not kept for the next
		}
		if size := peekReconcile(br); size > 0 {
			if !s.streamReconcile(ctx, br, size, bucket, failed) {
				return
			}
			continue
		}
		m, body, err := readMessageInto(br, spare)
		if err != nil {
			failed(err)
			return
		}
		spare = body
		n := FrameHeader + len(body)
		s.bytesIn.Add(int64(n))
		// ENTRIES take no token: credit bounds them (a sender of many
		// one-entry logs sends one ENTRIES a log).
		if _, entries := m.(*Entries); !entries && !bucket.take(time.Now()) {
			s.fail(protoErr(CodeFlood, "%s: more than %d messages in a burst, or more than %g a second sustained", m.Kind(), lim.MessageBurst, lim.MessageRate))
			return
		}
		if b, ok := m.(*Bye); ok {
			s.gotBye(b)
			return
		}
		if !s.helloSeen.Load() {
			h, ok := m.(*Hello)
			if !ok {
				s.fail(protoErr(CodeMalformed, "%s: the first message must be HELLO", m.Kind()))
				return
			}
			if h.Version != Version {
				s.fail(protoErr(CodeVersion, "HELLO: version %d; this node speaks version %d", h.Version, Version))
				return
			}
			s.helloSeen.Store(true)
			s.changed()
			continue
		}
		switch m := m.(type) {
		case *Hello:
			s.fail(protoErr(CodeMalformed, "HELLO: a second one in this session"))
			return
		case *Entries:
			spare = nil // the entries alias it
			if err := s.recv.take(len(m.Entries), n); err != nil {
				s.fail(err)
				return
			}
			if !s.pipe.push(ctx, newRecvJob(m.Entries, n)) {
				return
			}
		case *CaughtUp:
			if caughtUp {
				s.fail(protoErr(CodeMalformed, "CAUGHT_UP: a second one in this session"))
				return
			}
			caughtUp = true
			if !s.pipe.push(ctx, &recvJob{caughtUp: true}) {
				return
			}
		default:
			select {
			case s.inbox <- m:
			case <-ctx.Done():
				return
			}
			if _, ok := m.(*Reconcile); ok {
				// One RECONCILE at a time: the next is read once this
				// one is answered, so a peer that does not wait for the
				// answers holds no more than one decoded here.
				select {
				case <-s.round:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// maxSpareFrame is the largest frame buffer the reader keeps for the next
// frame.
const maxSpareFrame = 128 << 10

// readMessageInto reads one frame into buf (or a new buffer when it does
// not fit) and decodes its message. It returns the message and the frame's
// body, which the message may alias.
func readMessageInto(r io.Reader, buf []byte) (Message, []byte, error) {
	body, err := readFrameInto(r, buf)
	if err != nil {
		return nil, nil, err
	}
	m, err := DecodeMessage(body)
	if err != nil {
		return nil, nil, err
	}
	return m, body, nil
}

// streamReconcile reads a RECONCILE of size bytes (peekReconcile) as it
// arrives and passes its ranges to the loop in parts; then it waits, as for
// any RECONCILE, until the loop answered it. It reports whether the
// session goes on; failed gets a reading or decoding error.
func (s *session) streamReconcile(ctx context.Context, br *bufio.Reader, size int, bucket *tokenBucket, failed func(error)) bool {
	lim := &s.e.limits
	if !bucket.take(time.Now()) {
		s.fail(protoErr(CodeFlood, "%s: more than %d messages in a burst, or more than %g a second sustained", KindReconcile, lim.MessageBurst, lim.MessageRate))
		return false
	}
	if !s.helloSeen.Load() {
		s.fail(protoErr(CodeMalformed, "%s: the first message must be HELLO", KindReconcile))
		return false
	}
	next := func() *reconcilePart {
		select {
		case p := <-s.parts:
			p.ranges, p.first, p.last = p.ranges[:0], false, false
			return p
		default:
			return newReconcilePart()
		}
	}
	err := streamReconcile(br, size, next, func(p *reconcilePart) bool {
		select {
		case s.inbox <- p:
			return true
		case <-ctx.Done():
			return false
		}
	})
	if err != nil {
		if !errors.Is(err, errStopped) {
			failed(err)
		}
		return false
	}
	s.bytesIn.Add(int64(FrameHeader + size))
	select {
	case <-s.round:
		return true
	case <-ctx.Done():
		return false
	}
}

// newBufferedReader buffers a stream's reads: most messages are small, and
// one read of the stream then serves many.
func newBufferedReader(r io.Reader) *bufio.Reader { return bufio.NewReaderSize(r, 64<<10) }
