//go:build js && wasm

package main

import (
	"bufio"
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
