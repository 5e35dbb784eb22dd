package blobsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// getOneFrom runs GetOne against the responder r.
func getOneFrom(t *testing.T, r responder, id blob.ID, limit int64, checks ...blob.Check) ([]byte, error) {
	t.Helper()
	client, server := pipe()
	done := make(chan struct{})
	go func() { defer close(done); r(t.Context(), key('B'), server) }()
	b, err := GetOne(t.Context(), client, id, limit, waitLimit, checks...)
	<-done
	return b, err
}

func TestGetOneFromNode(t *testing.T) {
	n := newNet(t)
	nd := n.addNode('N', 0, nil)
	want := content(3*MaxChunk+17, 5)
	id := put(t, nd.store, want)
	serve := func(ctx context.Context, _ identity.PublicKey, st *pipeEnd) { nd.svc.Serve(ctx, key('B'), st) }
	got, err := getOneFrom(t, serve, id, blob.DefaultMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, not the blob's %d", len(got), len(want))
	}
	// A blob the node lacks.
	_, err = getOneFrom(t, serve, idABC, blob.DefaultMaxSize)
	if !errors.Is(err, ErrNotHeld) || err.Error() != fmt.Sprintf("blob %s: the peer does not have the blob", idABC) {
		t.Fatalf("lacking: %v", err)
	}
}

func TestGetOneRefusesWrongBytes(t *testing.T) {
	real := []byte("the real picture")
	fake := []byte("EVIL fake bytes!")
	id := blob.Sum(real)
	liar := script("close",
		frames(message{Kind: kindHave, Sizes: []int64{int64(len(real))}}),
		frames(message{Kind: kindBlob, ID: id, Size: int64(len(real))}, message{Kind: kindData, Data: fake}))
	b, err := getOneFrom(t, liar, id, blob.DefaultMaxSize)
	want := fmt.Sprintf("blob %s: blob hash mismatch: received %d bytes hashing to %s, want %d bytes hashing to %s; the sender has other or damaged data, nothing was kept",
		id, len(fake), blob.Sum(fake).Hex(), len(real), id.Hex())
	if b != nil || !errors.Is(err, blob.ErrHashMismatch) || err.Error() != want {
		t.Fatalf("got %q, %v\nwant %s", b, err, want)
	}
}

func TestGetOneBounds(t *testing.T) {
	big := content(1000, 1)
	id := blob.Sum(big)
	// A size over the limit is not downloaded: no GET is answered.
	announce := script("close", frames(message{Kind: kindHave, Sizes: []int64{1 << 40}}))
	_, err := getOneFrom(t, announce, id, 999)
	if !errors.Is(err, blob.ErrTooLarge) || err.Error() != fmt.Sprintf("blob %s: not downloaded: %v", id, &blob.TooLargeError{Limit: 999, Size: 1 << 40}) {
		t.Fatalf("too large: %v", err)
	}
	// More DATA than announced.
	over := script("close",
		frames(message{Kind: kindHave, Sizes: []int64{4}}),
		frames(message{Kind: kindBlob, ID: id, Size: 4}, message{Kind: kindData, Data: big[:8]}))
	_, err = getOneFrom(t, over, id, 999)
	if !errors.Is(err, ErrProtocol) || err.Error() != fmt.Sprintf("blob %s: blob protocol violation: DATA of 8 bytes where 4 of the 4 announced remain", id) {
		t.Fatalf("over: %v", err)
	}
	// A BLOB that announces another size than HAVE.
	other := script("close",
		frames(message{Kind: kindHave, Sizes: []int64{4}}),
		frames(message{Kind: kindBlob, ID: id, Size: 5}))
	_, err = getOneFrom(t, other, id, 999)
	if !errors.Is(err, ErrProtocol) || err.Error() != fmt.Sprintf("blob %s: blob protocol violation: BLOB announces 5 bytes where HAVE announced 4", id) {
		t.Fatalf("other size: %v", err)
	}
	// The stream ending in the middle of the data.
	short := script("close",
		frames(message{Kind: kindHave, Sizes: []int64{1000}}),
		frames(message{Kind: kindBlob, ID: id, Size: 1000}, message{Kind: kindData, Data: big[:10]}))
	_, err = getOneFrom(t, short, id, 1000)
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("short: %v", err)
	}
}

func TestGetOneChecks(t *testing.T) {
	n := newNet(t)
	nd := n.addNode('N', 0, nil)
	b := []byte("EVIL but the right hash")
	id := put(t, nd.store, b)
	refuse := func(r io.Reader) error {
		all, _ := io.ReadAll(r)
		if bytes.HasPrefix(all, []byte("EVIL")) {
			return errors.New("evil content")
		}
		return nil
	}
	_, err := getOneFrom(t, func(ctx context.Context, _ identity.PublicKey, st *pipeEnd) { nd.svc.Serve(ctx, key('B'), st) }, id, 100, refuse)
	var refused *blob.RefusedError
	if !errors.As(err, &refused) || err.Error() != fmt.Sprintf("blob %s: blob %s refused: evil content", id, id) {
		t.Fatalf("checks: %v", err)
	}
}
