package blobsync

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/blob"
)

// GetOne is the requester of doc/protocol/blobsync.md for a peer that
// keeps no blob store of its own (the browser peer, doc/browser.md): over
// st, a stream it opened to a responder, it sends a QUERY for id and, when
// the responder has the blob and announces at most limit bytes, a GET, and
// returns the blob's bytes once they are exactly the announced size and
// hash to id and every check accepts them. It closes st.
//
// Nothing a responder sends is trusted: a size over limit is not
// downloaded (a *blob.TooLargeError naming limit), bytes that are not the
// blob give an error matching blob.ErrHashMismatch, a wrong answer one
// matching ErrProtocol, a blob the responder lacks one matching
// ErrNotHeld, a refusal by a check a *blob.RefusedError. A responder that
// sends or accepts nothing for timeout has the stream aborted. At most
// limit bytes are ever held.
func GetOne(ctx context.Context, st Stream, id blob.ID, limit int64, timeout time.Duration, checks ...blob.Check) ([]byte, error) {
	var in, out atomic.Int64
	g := guard(ctx, st, timeout, &in, &out)
	q := &requester{g: g, r: newFrameReader(g), w: newFrameWriter(g), announced: map[blob.ID]int64{}}
	b, err := getOne(q, id, limit, checks)
	q.close(err != nil)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", id, err)
	}
	return b, nil
}

// ErrNotHeld says that the responder does not have the blob asked of
// GetOne.
var ErrNotHeld = errLacks

func getOne(q *requester, id blob.ID, limit int64, checks []blob.Check) ([]byte, error) {
	sizes, err := q.query([]blob.ID{id})
	if err != nil {
		return nil, err
	}
	size := sizes[0]
	switch {
	case size == absent:
		return nil, errLacks
	case size > limit:
		return nil, fmt.Errorf("not downloaded: %w", &blob.TooLargeError{Limit: limit, Size: size})
	}
	if err := q.w.send(appendGet(q.w.body(), id, 0)); err != nil {
		return nil, fmt.Errorf("sending GET: %w", err)
	}
	m, err := q.answer(kindBlob, kindNotFound)
	if err != nil {
		return nil, fmt.Errorf("answer to GET: %w", err)
	}
	switch {
	case m.ID != id:
		return nil, fmt.Errorf("%w: %s for blob %s in answer to a GET of blob %s", ErrProtocol, m.Kind, m.ID, id)
	case m.Kind == kindNotFound:
		return nil, fmt.Errorf("NOT_FOUND after HAVE announced it: %w", errLacks)
	case m.Offset != 0:
		return nil, fmt.Errorf("%w: BLOB from offset %d in answer to a GET from offset 0", ErrProtocol, m.Offset)
	case m.Size != size:
		return nil, fmt.Errorf("%w: BLOB announces %d bytes where HAVE announced %d", ErrProtocol, m.Size, size)
	}
	b := make([]byte, 0, size)
	buf := bytes.NewBuffer(b)
	if _, err := io.Copy(buf, &dataReader{q: q, left: size, size: size}); err != nil {
		return nil, err
	}
	got := blob.Sum(buf.Bytes())
	if got != id {
		return nil, fmt.Errorf("%w: received %d bytes hashing to %s, want %d bytes hashing to %s; the sender has other or damaged data, nothing was kept",
			blob.ErrHashMismatch, size, got.Hex(), size, id.Hex())
	}
	for _, check := range checks {
		if err := check(bytes.NewReader(buf.Bytes())); err != nil {
			return nil, &blob.RefusedError{ID: id, Reason: err}
		}
	}
	return buf.Bytes(), nil
}
