package api

import (
	"context"
	"errors"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
)

// AddBlob stores the bytes read from r as a blob. With publish, JPEG and
// PNG images have their location metadata removed first. The input may not
// be larger than the node's blob size limit, even when removing metadata
// would bring it under: what is refused does not depend on the file's
// metadata.
func (s *Service) AddBlob(ctx context.Context, r io.Reader, publish bool) (wire.BlobAdded, error) {
	max := s.n.Blobs().MaxSize()
	r = &limitedInput{r: ctxReader{ctx, r}, left: max, limit: max}
	id, size, stripped, err := s.n.AddBlob(r, publish)
	var tooLarge *blob.TooLargeError
	if errors.As(err, &tooLarge) {
		// Not wrapped in the reading and stripping it interrupted.
		return wire.BlobAdded{}, tooLarge
	}
	if err != nil {
		return wire.BlobAdded{}, err
	}
	return wire.BlobAdded{ID: id.String(), Size: size, LocationRemoved: stripped}, nil
}

// OpenBlob returns a reader of a stored blob and its size. The reader
// checks the blob's hash: it fails at the end rather than return damaged
// bytes as good ones.
func (s *Service) OpenBlob(_ context.Context, idText string) (io.ReadCloser, int64, error) {
	id, err := parseBlobID("blob", idText)
	if err != nil {
		return nil, 0, err
	}
	rc, size, err := s.n.Blobs().Open(id)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, 0, apiError(wire.CodeNotFound, "blob %s is not held here", id)
	}
	return rc, size, err
}

// limitedInput reads at most limit bytes from r and fails with a
// *blob.TooLargeError at the first byte over it.
type limitedInput struct {
	r     io.Reader
	left  int64
	limit int64
}

func (l *limitedInput) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, &blob.TooLargeError{Limit: l.limit, Size: -1}
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return 0, &blob.TooLargeError{Limit: l.limit, Size: -1}
	}
	return n, err
}

// ctxReader reads from r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
