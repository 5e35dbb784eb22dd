package blobsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/blob"
)

// ServeHeld is the responder of doc/protocol/blobsync.md for a peer that
// keeps no blob store of its own (the browser peer, doc/browser.md): it
// answers the requests on st, a stream a peer opened, from lookup, which
// returns a blob's bytes, or nil when it is not held. The bytes are
// hashed before they are sent: a blob whose bytes are not its id is
// answered ERROR 3, never sent. It returns when the peer closes the
// stream (nil), breaks the protocol (it sends ERROR 1 first), has sent
// MaxRequests requests (ERROR 2), stalls for timeout, or when ctx ends,
// and always closes st. It serves one stream at a time and keeps no
// slots: a browser serves the few blobs of its own posts.
func ServeHeld(ctx context.Context, st Stream, timeout time.Duration, lookup func(blob.ID) ([]byte, error)) error {
	var in, out atomic.Int64
	g := guard(ctx, st, timeout, &in, &out)
	defer g.Close()
	r, w := newFrameReader(g), newFrameWriter(g)
	for requests := 0; ; requests++ {
		m, err := r.next()
		if err == io.EOF {
			return nil
		}
		if err == nil && requests == MaxRequests {
			err = &serveError{code: codeTooMany, text: fmt.Sprintf("more than %d requests on one stream; open a new one", MaxRequests),
				err: fmt.Errorf("%w: more than %d requests on one stream", ErrProtocol, MaxRequests)}
		}
		if err == nil {
			switch m.Kind {
			case kindQuery:
				err = answerHeldQuery(w, m.IDs, lookup)
			case kindGet:
				err = answerHeldGet(w, m.ID, m.Offset, lookup)
			default:
				err = fmt.Errorf("%w: got a %s message where a request (QUERY or GET) is due", ErrProtocol, m.Kind)
			}
		}
		if err != nil {
			var se *serveError
			switch {
			case errors.As(err, &se):
			case errors.Is(err, ErrProtocol):
				se = &serveError{code: codeViolation, text: err.Error(), err: err}
			default:
				return err
			}
			_ = w.send(appendError(w.body(), se.code, se.text))
			return err
		}
	}
}

func answerHeldQuery(w *frameWriter, ids []blob.ID, lookup func(blob.ID) ([]byte, error)) error {
	sizes := make([]int64, len(ids))
	for i, id := range ids {
		b, err := lookup(id)
		if err != nil {
			return unavailable(id, err)
		}
		sizes[i] = absent
		if b != nil {
			sizes[i] = int64(len(b))
		}
	}
	return w.send(appendHave(w.body(), sizes))
}

func answerHeldGet(w *frameWriter, id blob.ID, offset int64, lookup func(blob.ID) ([]byte, error)) error {
	b, err := lookup(id)
	if err != nil {
		return unavailable(id, err)
	}
	if b == nil {
		return w.send(appendNotFound(w.body(), id))
	}
	if offset > int64(len(b)) {
		return fmt.Errorf("%w: GET from offset %d of a blob of %d bytes", ErrProtocol, offset, len(b))
	}
	if blob.Sum(b) != id {
		return unavailable(id, fmt.Errorf("%w: the copy held is not the blob", blob.ErrHashMismatch))
	}
	if err := w.send(appendBlob(w.body(), id, int64(len(b)), offset)); err != nil {
		return err
	}
	for rest := b[offset:]; len(rest) > 0; {
		n := min(len(rest), MaxChunk)
		if err := w.sendData(rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}
