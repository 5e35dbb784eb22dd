package blobsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// Serve answers one inbound blob stream from peer: QUERY with the sizes of
// the blobs our store holds, GET with their bytes. It reads nothing but the
// blob store. It returns when the peer closes the stream, breaks the
// protocol (then it sends ERROR and reports the peer to OnMisbehaviour),
// has sent MaxRequests requests, stalls for the timeout, or when ctx ends.
// A stream beyond MaxStreamsPerPeer open from peer is answered ERROR 4
// (busy) at once. It always closes st.
func (s *Service) Serve(ctx context.Context, peer identity.PublicKey, st Stream) {
	g := guard(ctx, st, s.timeout, &s.bytesIn, &s.bytesOut)
	defer g.Close()
	r, w := newFrameReader(g), newFrameWriter(g)
	if !s.servers.openStream(peer) {
		s.busy.Add(1)
		s.serveFailed(peer, w, &serveError{code: codeBusy,
			text: fmt.Sprintf("busy: %d blob streams open from you; use fewer", MaxStreamsPerPeer),
			err:  fmt.Errorf("stream refused: %d blob streams open from the peer", MaxStreamsPerPeer)})
		return
	}
	defer s.servers.closeStream(peer)
	var buf []byte // chunk buffer, made by the first GET
	for requests := 0; ; requests++ {
		m, err := r.next()
		if err == io.EOF {
			return // the requester is done
		}
		if err == nil && requests == MaxRequests {
			err = &serveError{code: codeTooMany, text: fmt.Sprintf("more than %d requests on one stream; open a new one", MaxRequests),
				err: fmt.Errorf("%w: more than %d requests on one stream", ErrProtocol, MaxRequests)}
		}
		if err == nil {
			switch m.Kind {
			case kindQuery:
				err = s.answerQuery(w, m.IDs)
			case kindGet:
				err = s.answerGet(peer, g, w, m.ID, m.Offset, &buf)
			default:
				err = fmt.Errorf("%w: got a %s message where a request (QUERY or GET) is due", ErrProtocol, m.Kind)
			}
		}
		if err != nil {
			s.serveFailed(peer, w, err)
			return
		}
	}
}

// serveError is a reason to answer with ERROR and end the stream.
type serveError struct {
	code uint64
	text string // sent to the peer; never names local files
	err  error  // logged, and reported when the peer is at fault
}

func (e *serveError) Error() string { return e.err.Error() }
func (e *serveError) Unwrap() error { return e.err }

// serveFailed ends a stream that Serve cannot go on with: it sends ERROR
// when there is something to tell the peer, and reports the peer when it
// broke the protocol.
func (s *Service) serveFailed(peer identity.PublicKey, w *frameWriter, err error) {
	var se *serveError
	switch {
	case errors.As(err, &se):
	case errors.Is(err, ErrProtocol):
		se = &serveError{code: codeViolation, text: err.Error(), err: err}
	default: // the stream broke, or ctx ended: nobody to tell
		s.log.Debug("blob stream ended", "peer", peer.Device().String(), "err", err)
		return
	}
	if werr := w.send(appendError(w.body(), se.code, se.text)); werr != nil {
		s.log.Debug("could not send ERROR", "peer", peer.Device().String(), "err", werr)
	}
	switch {
	case errors.Is(err, ErrProtocol):
		s.misbehaved(peer, err)
	case se.code == codeBusy: // common under load; counted in Stats.Busy
		s.log.Debug("blob request refused: busy", "peer", peer.Device().String(), "err", err)
	default:
		s.log.Info("blob stream ended with an error", "peer", peer.Device().String(), "err", err)
	}
}

// answerQuery sends HAVE with the size of each blob we hold.
func (s *Service) answerQuery(w *frameWriter, ids []blob.ID) error {
	sizes := make([]int64, len(ids))
	for i, id := range ids {
		has, size, err := s.cfg.Blobs.Has(id)
		switch {
		case err != nil:
			s.log.Error("cannot tell whether a blob is stored", "blob", id.String(), "err", err)
			sizes[i] = absent
		case has:
			sizes[i] = size
		default:
			sizes[i] = absent
		}
	}
	return w.send(appendHave(w.body(), sizes))
}

// answerGet sends BLOB and the bytes of blob id from offset, or
// NOT_FOUND, to peer over g (written through w). *buf is the stream's
// chunk buffer, made here when nil.
func (s *Service) answerGet(peer identity.PublicKey, g *guardedStream, w *frameWriter, id blob.ID, offset int64, buf *[]byte) error {
	// The blob is opened before a slot is taken: a GET for a blob we do
	// not have never takes a slot, nor ends a slow transfer for its slot.
	rc, size, err := s.cfg.Blobs.Open(id)
	if errors.Is(err, blob.ErrNotFound) {
		return w.send(appendNotFound(w.body(), id))
	}
	if err != nil {
		return unavailable(id, err)
	}
	defer rc.Close()
	if offset > size {
		return fmt.Errorf("%w: GET of blob %s from offset %d, beyond its size of %d bytes", ErrProtocol, id, offset, size)
	}
	favoured := func() bool { return s.cfg.Favoured == nil || s.cfg.Favoured(peer) }
	t, victim, err := s.servers.start(peer, g, favoured, s.cfg.MinServeRate, s.cfg.ServeGrace)
	if err != nil {
		s.busy.Add(1)
		return &serveError{code: codeBusy, text: err.Error(), err: fmt.Errorf("GET of blob %s refused: %w", id, err)}
	}
	defer s.servers.end(t)
	if victim != nil {
		s.preempted.Add(1)
		s.log.Info("a slow blob transfer gave its slot up", "peer", victim.peer.Device().String(),
			"sent", victim.sent.Load(), "for", time.Since(victim.start).Round(time.Millisecond), "to", peer.Device().String())
	}
	if err := w.send(appendBlob(w.body(), id, size, offset)); err != nil {
		return err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil {
		return unavailable(id, err)
	}
	if *buf == nil {
		*buf = make([]byte, MaxChunk)
	}
	if err := sendBody(w, id, rc, size-offset, *buf, &t.sent); err != nil {
		return err
	}
	s.served.Add(1)
	return nil
}

// sendBody sends the n remaining bytes of blob id from r as DATA. r
// verifies the blob's hash when it reaches the end, so the last DATA is
// held back until r has reported a clean end: a damaged copy is answered
// with ERROR in its place, and never reaches the peer whole.
// Every DATA sent is added to sent.
func sendBody(w *frameWriter, id blob.ID, r io.Reader, n int64, buf []byte, sent *atomic.Int64) error {
	for {
		k := int(min(n, int64(len(buf))))
		if _, err := io.ReadFull(r, buf[:k]); err != nil {
			return unavailable(id, err)
		}
		n -= int64(k)
		if n == 0 {
			var probe [1]byte
			switch _, err := io.ReadFull(r, probe[:]); {
			case err == nil:
				return unavailable(id, errors.New("the file is longer than its size when opened"))
			case !errors.Is(err, io.EOF):
				return unavailable(id, err)
			}
		}
		if k > 0 {
			if err := w.sendData(buf[:k]); err != nil {
				return err
			}
			sent.Add(int64(k))
		}
		if n == 0 {
			return nil
		}
	}
}

// unavailable is the answer when our copy of a blob cannot be read.
func unavailable(id blob.ID, err error) error {
	return &serveError{code: codeUnavailable, text: fmt.Sprintf("blob %s cannot be read here", id),
		err: fmt.Errorf("serving blob %s: %w", id, err)}
}
