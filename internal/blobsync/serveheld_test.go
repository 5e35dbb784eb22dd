package blobsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

func TestServeHeld(t *testing.T) {
	good := content(2*MaxChunk+5, 9)
	damaged := []byte("these are not the bytes of their id")
	damagedID := blob.Sum([]byte("the real blob"))
	held := map[blob.ID][]byte{blob.Sum(good): good, damagedID: damaged}
	var served error
	serve := func(ctx context.Context, _ identity.PublicKey, st *pipeEnd) {
		served = ServeHeld(ctx, st, waitLimit, func(id blob.ID) ([]byte, error) { return held[id], nil })
	}
	got, err := getOneFrom(t, serve, blob.Sum(good), blob.DefaultMaxSize)
	if err != nil || !bytes.Equal(got, good) || served != nil {
		t.Fatalf("good blob: %d bytes, %v; served %v", len(got), err, served)
	}
	_, err = getOneFrom(t, serve, idABC, blob.DefaultMaxSize)
	if !errors.Is(err, ErrNotHeld) {
		t.Fatalf("a blob not held: %v", err)
	}
	_, err = getOneFrom(t, serve, damagedID, blob.DefaultMaxSize)
	var pe *PeerError
	if !errors.As(err, &pe) || pe.Code != codeUnavailable || pe.Text != fmt.Sprintf("blob %s cannot be read here", damagedID) {
		t.Fatalf("a damaged copy: %v", err)
	}
	// A message of the other role.
	client, server := pipe()
	done := make(chan error, 1)
	go func() {
		done <- ServeHeld(t.Context(), server, waitLimit, func(blob.ID) ([]byte, error) { return nil, nil })
	}()
	if _, err := client.Write(frames(message{Kind: kindHave, Sizes: []int64{1}})); err != nil {
		t.Fatal(err)
	}
	m, err := newFrameReader(client).next()
	if err != nil || m.Kind != kindError || m.Code != codeViolation {
		t.Fatalf("answer to HAVE: %+v %v", m, err)
	}
	if err := <-done; !errors.Is(err, ErrProtocol) {
		t.Fatalf("ServeHeld returned %v", err)
	}
	client.Close()
}
