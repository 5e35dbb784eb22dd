//go:build js && wasm

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall/js"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/blobsync"
)

// The blobs of a browser peer (doc/browser.md, "Blobs"): the pictures of
// the posts it holds, fetched with kith's blob protocol
// (doc/protocol/blobsync.md, blobsync.GetOne) over a libp2p stream the
// page opens, and checked here before the page keeps them.

// maxBlob bounds one blob the page fetches: the default limit of
// doc/protocol/blob.md. A node announcing a larger one is not asked for
// its bytes.
const maxBlob = blob.DefaultMaxSize

// blobTimeout is how long a node may send or accept nothing on a blob
// stream (doc/protocol/blobsync.md, "idle stream").
const blobTimeout = 30 * time.Second

// fetchBlob(id, stream): a Promise of the bytes of blob id (its id as
// "blob_…" or hex), asked of the peer at the other end of stream (a
// /kith/blob/1 stream, {read, write, close}); they are the blob (size and
// hash checked), at most maxBlob bytes, and no JPEG or PNG with location
// metadata. Anything else rejects with why, and nothing is returned.
func fetchBlob(_ js.Value, args []js.Value) any {
	if len(args) != 2 {
		return fail(errors.New("fetchBlob(id, stream)"))
	}
	id, err := blobArg(args[0])
	if err != nil {
		return fail(err)
	}
	st := newJSStream(args[1])
	return promise(func() (any, error) {
		b, err := blobsync.GetOne(context.Background(), st, id, maxBlob, blobTimeout, refuseLocation)
		if err != nil {
			return nil, err
		}
		return toJS(b), nil
	})
}

// blobID(bytes): the blob id of bytes, "blob_…" (the page checks its kept
// copies with it).
func blobID(_ js.Value, args []js.Value) any {
	if len(args) != 1 {
		return fail(errors.New("blobID(bytes)"))
	}
	b, err := fromJS(args[0])
	if err != nil {
		return fail(err)
	}
	return blob.Sum(b).String()
}

// blobArg parses a blob id given as "blob_…" or 64 hex digits.
func blobArg(v js.Value) (blob.ID, error) {
	if v.Type() != js.TypeString {
		return blob.ID{}, errors.New("a blob id: blob_… or 64 hex digits")
	}
	s := v.String()
	if strings.HasPrefix(s, "blob_") {
		return blob.ParseID(s)
	}
	return blob.ParseHex(s)
}

// refuseLocation refuses a JPEG or PNG that carries location metadata, or
// whose metadata cannot be read, as a node refuses such a blob from a peer
// (doc/protocol/blob.md, "Refusing").
func refuseLocation(r io.Reader) error {
	br := bufio.NewReader(r)
	head, _ := br.Peek(8)
	format := blob.DetectFormat(head)
	if format != blob.FormatJPEG && format != blob.FormatPNG {
		return nil
	}
	name := strings.ToUpper(format.String())
	has, err := blob.HasLocation(br)
	switch {
	case err != nil:
		return fmt.Errorf("%s image whose metadata cannot be read (%v); refused, since whether it carries a location cannot be told", name, err)
	case has:
		return errors.New("image carries location metadata (GPS); refused")
	}
	return nil
}

// prepareImage(bytes): the picture a person attaches to a post, as a node
// takes it (`kith post --image`): a JPEG, PNG, GIF or WebP of at most
// maxBlob bytes, its JPEG or PNG location metadata removed. Returns {id,
// bytes, format}, the bytes to keep and the id to name in the post, or
// {error}.
func prepareImage(_ js.Value, args []js.Value) any {
	if len(args) != 1 {
		return fail(errors.New("prepareImage(bytes)"))
	}
	b, err := fromJS(args[0])
	if err != nil {
		return fail(err)
	}
	if int64(len(b)) > maxBlob {
		return fail(&blob.TooLargeError{Limit: maxBlob, Size: int64(len(b))})
	}
	format, err := blob.CheckImage(bytes.NewReader(b))
	if err != nil {
		return fail(err)
	}
	var out bytes.Buffer
	if _, _, err := blob.StripLocation(bytes.NewReader(b), &out); err != nil {
		return fail(fmt.Errorf("the picture's location metadata could not be removed: %w", err))
	}
	return obj{"id": blob.Sum(out.Bytes()).String(), "bytes": toJS(out.Bytes()), "format": format}
}

// serveBlobs(stream, lookup): answers a peer's /kith/blob/1 stream
// (blobsync.ServeHeld) from lookup(id) → Promise<Uint8Array|null>, the
// page's kept blobs. A Promise that settles when the stream ends.
func serveBlobs(_ js.Value, args []js.Value) any {
	if len(args) != 2 {
		return fail(errors.New("serveBlobs(stream, lookup)"))
	}
	st, lookup := newJSStream(args[0]), args[1]
	return promise(func() (any, error) {
		err := blobsync.ServeHeld(context.Background(), st, blobTimeout, func(id blob.ID) ([]byte, error) {
			v, err := await(lookup.Invoke(id.String()))
			if err != nil {
				return nil, err
			}
			if v.IsNull() || v.IsUndefined() {
				return nil, nil
			}
			return fromJS(v)
		})
		return nil, err
	})
}
