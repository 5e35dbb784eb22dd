package replicate

import (
	"context"
	"errors"
	"sync"
	"time"
	"unicode/utf8"
)

// shutdown closes the session: BYE when this side ends it, the stream,
// the goroutines; it reports misbehaviour and returns Run's result.
func (s *session) shutdown(parent context.Context, wg *sync.WaitGroup) error {
	s.mu.Lock()
	err, bye := s.err, s.bye
	s.mu.Unlock()
	if err == nil && bye == nil && parent.Err() != nil {
		err = parent.Err()
	}
	var last []byte
	if bye == nil {
		if code, text, ok := byeFor(err); ok {
			last = AppendFrame(nil, &Bye{Code: code, Text: text})
		}
	}
	flushed := true
	if wg != nil {
		s.w.stop(last)
		select {
		case <-s.w.done:
		case <-time.After(s.e.limits.CloseTimeout):
			flushed = false
		}
	}
	closeStream(s.stream, flushed)
	s.cancel()
	if wg != nil {
		wg.Wait()
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		if pe.Code.Misbehaviour() {
			s.log.Warn("peer broke the sync protocol; session closed", "code", pe.Code, "err", pe.Err)
			if f := s.e.cfg.OnMisbehaviour; f != nil {
				f(s.peer, pe.Code, pe)
			}
		}
		return pe
	}
	if bye != nil {
		switch bye.Code {
		case CodeNormal:
			return nil
		case CodeDuplicate:
			return ErrDuplicateSession
		}
		return &PeerClosedError{Code: bye.Code, Text: bye.Text}
	}
	return err
}

// byeFor returns the BYE that ends a session for err, or false when none
// can or need be sent (the stream already failed).
func byeFor(err error) (Code, string, bool) {
	var pe *ProtocolError
	var le *localError
	switch {
	case errors.As(err, &pe):
		return pe.Code, truncateText(pe.Err.Error()), true
	case errors.As(err, &le):
		return CodeInternal, "internal error", true
	case errors.Is(err, ErrDuplicateSession):
		return CodeDuplicate, "another session with this peer is kept", true
	case errors.Is(err, errHandshakeTimeout):
		return CodeNormal, "handshake timeout", true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return CodeNormal, "closing", true
	}
	return 0, "", false
}

// truncateText cuts s to at most MaxByeText bytes on a rune boundary.
func truncateText(s string) string {
	if len(s) <= MaxByeText {
		return s
	}
	s = s[:MaxByeText]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// readDeadliner and resetter are optional abilities of a Stream.
type (
	readDeadliner interface{ SetReadDeadline(time.Time) error }
	resetter      interface{ Reset() error }
)

// closeStream ends a stream: a read deadline in the past first stops a read
// in progress, then Close; or Reset, where the stream has it, when the
// last writes did not get through (the peer is not reading, and waiting
// for it to is pointless).
func closeStream(s Stream, flushed bool) {
	if d, ok := s.(readDeadliner); ok {
		_ = d.SetReadDeadline(time.Now())
	}
	if r, ok := s.(resetter); ok && !flushed {
		_ = r.Reset()
		return
	}
	_ = s.Close()
}
