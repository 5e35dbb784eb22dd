package blobsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// PeerError is an ERROR message a responder sent us; it closed the stream
// after it. Codes are in doc/protocol/blobsync.md.
type PeerError struct {
	Code uint64
	Text string
}

func (e *PeerError) Error() string {
	return fmt.Sprintf("the peer answered with ERROR %d (%s): %q", e.Code, peerErrorMeaning(e.Code), e.Text)
}

func peerErrorMeaning(code uint64) string {
	switch code {
	case codeViolation:
		return "it says we broke the protocol"
	case codeTooMany:
		return "too many requests on one stream"
	case codeUnavailable:
		return "its copy cannot be read"
	case codeBusy:
		return "busy"
	}
	return "unknown code"
}

// errLacks says that a peer does not have a blob (HAVE null, NOT_FOUND).
var errLacks = errors.New("the peer does not have the blob")

// requester is our end of one blob stream we opened to a peer.
type requester struct {
	peer identity.PublicKey
	g    *guardedStream
	r    *frameReader
	w    *frameWriter
	// announced holds the sizes the peer announced in HAVE on this stream.
	announced map[blob.ID]int64
}

// dial opens a blob stream to peer. The stream is abandoned when ctx ends.
func (s *Service) dial(ctx context.Context, peer identity.PublicKey) (*requester, error) {
	octx, cancel := context.WithTimeout(ctx, s.timeout)
	st, err := s.cfg.Open(octx, peer)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("opening a blob stream: %w", err)
	}
	g := guard(ctx, st, s.timeout, &s.bytesIn, &s.bytesOut)
	return &requester{peer: peer, g: g, r: newFrameReader(g), w: newFrameWriter(g), announced: map[blob.ID]int64{}}, nil
}

// close ends the stream: normally after complete answers, abruptly when
// an answer was abandoned midway (broken set).
func (q *requester) close(broken bool) {
	if broken {
		q.g.abort()
	}
	_ = q.g.Close()
}

// answer reads the answer to a request: a message of one of the kinds
// wanted, or ERROR (returned as a *PeerError). Anything else is an error
// matching ErrProtocol.
func (q *requester) answer(wanted ...kind) (message, error) {
	m, err := q.r.next()
	if err == io.EOF {
		return message{}, fmt.Errorf("%w: the stream ended where a %s is due", ErrProtocol, wanted[0])
	}
	if err != nil {
		return message{}, err
	}
	if m.Kind == kindError {
		return message{}, &PeerError{Code: m.Code, Text: m.Text}
	}
	if !slices.Contains(wanted, m.Kind) {
		return message{}, fmt.Errorf("%w: got a %s message where a %s is due", ErrProtocol, m.Kind, wanted[0])
	}
	return m, nil
}

// query asks which of ids (1 to MaxQueryIDs) the peer has, and returns
// their sizes, absent (-1) for those it lacks.
func (q *requester) query(ids []blob.ID) ([]int64, error) {
	if err := q.w.send(appendQuery(q.w.body(), ids)); err != nil {
		return nil, fmt.Errorf("sending QUERY: %w", err)
	}
	m, err := q.answer(kindHave)
	if err != nil {
		return nil, fmt.Errorf("answer to QUERY: %w", err)
	}
	if len(m.Sizes) != len(ids) {
		return nil, fmt.Errorf("%w: HAVE has %d sizes for a QUERY of %d", ErrProtocol, len(m.Sizes), len(ids))
	}
	for i, n := range m.Sizes {
		if n != absent {
			q.announced[ids[i]] = n
		}
	}
	return m.Sizes, nil
}

// get fetches blob id, of the size the peer announced, into blobs with
// checks. The error is errLacks when the peer answers NOT_FOUND, a
// *blob.RefusedError when a check refused the blob, matches
// blob.ErrHashMismatch when the bytes are not the blob, and ErrProtocol
// when the answer is wrong.
func (q *requester) get(id blob.ID, blobs *blob.Store, checks []blob.Check) error {
	size, ok := q.announced[id]
	if !ok {
		return fmt.Errorf("blob %s: GET without a size announced on this stream", id) // a bug of ours
	}
	if err := q.w.send(appendGet(q.w.body(), id, 0)); err != nil {
		return fmt.Errorf("sending GET: %w", err)
	}
	m, err := q.answer(kindBlob, kindNotFound)
	if err != nil {
		return fmt.Errorf("answer to GET: %w", err)
	}
	switch {
	case m.ID != id:
		return fmt.Errorf("%w: %s for blob %s in answer to a GET of blob %s", ErrProtocol, m.Kind, m.ID, id)
	case m.Kind == kindNotFound:
		return fmt.Errorf("NOT_FOUND after HAVE announced it: %w", errLacks)
	case m.Offset != 0:
		return fmt.Errorf("%w: BLOB from offset %d in answer to a GET from offset 0", ErrProtocol, m.Offset)
	case m.Size != size:
		return fmt.Errorf("%w: BLOB announces %d bytes where HAVE announced %d", ErrProtocol, m.Size, size)
	}
	return blobs.PutExpected(&dataReader{q: q, left: size, size: size}, id, size, checks...)
}

// dataReader reads the DATA messages that follow a BLOB: exactly left
// bytes, then io.EOF.
type dataReader struct {
	q    *requester
	size int64
	left int64
	rest []byte // of the current DATA
}

func (d *dataReader) Read(p []byte) (int, error) {
	if d.left == 0 {
		return 0, io.EOF
	}
	if len(d.rest) == 0 {
		m, err := d.q.answer(kindData)
		if err != nil {
			return 0, fmt.Errorf("after %d of %d bytes: %w", d.size-d.left, d.size, err)
		}
		if int64(len(m.Data)) > d.left {
			return 0, fmt.Errorf("%w: DATA of %d bytes where %d of the %d announced remain", ErrProtocol, len(m.Data), d.left, d.size)
		}
		d.rest = m.Data
	}
	n := copy(p, d.rest)
	d.rest = d.rest[n:]
	d.left -= int64(n)
	return n, nil
}
