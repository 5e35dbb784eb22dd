package node_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// TestBlobWithLocationNotPublished: a vote's proof, a note's file or a
// post's image naming a held blob that still carries GPS data (stored
// without removing it) is refused before anything is published, with a
// message saying how to store it without; every other node would refuse
// the blob, leaving a dead link. The same picture stored for publishing
// goes through.
func TestBlobWithLocationNotPublished(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	vid := foundedPair(t, a, b)
	plain, withGPS := pngWithGPS(t)
	gps, _, _, err := a.AddBlob(bytes.NewReader(withGPS), false)
	if err != nil {
		t.Fatal(err)
	}
	S := village.RequestStranger(identity.PublicKey{7}, [32]byte{8})
	want := "proof " + gps.String() + " carries location metadata (GPS), which every other node refuses"
	_, err = a.VoteStranger(ctx, vid, S, village.VoteAccept, gps)
	if !errors.Is(err, node.ErrBlobLocation) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--proof FILE") {
		t.Errorf("a vote with a GPS proof: %v, want ErrBlobLocation saying %q", err, want)
	}
	if _, err := a.NoteStranger(ctx, vid, S, "seen", gps); !errors.Is(err, node.ErrBlobLocation) {
		t.Errorf("a note with a GPS file: %v, want ErrBlobLocation", err)
	}
	if _, err := a.Post(ctx, "look", []blob.ID{gps}, entry.ID{}); !errors.Is(err, node.ErrBlobLocation) {
		t.Errorf("a post with a GPS image: %v, want ErrBlobLocation", err)
	}
	st, err := a.Village(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Stranger(S); s != nil {
		t.Errorf("the refused vote or note was published: %+v", s)
	}
	clean, _, stripped, err := a.AddBlob(bytes.NewReader(withGPS), true)
	if err != nil || !stripped || clean != blob.Sum(plain) {
		t.Fatalf("AddBlob for publishing: %s %v %v", clean, stripped, err)
	}
	if _, err := a.VoteStranger(ctx, vid, S, village.VoteAccept, clean); err != nil {
		t.Errorf("a vote with the stripped proof: %v", err)
	}
}
