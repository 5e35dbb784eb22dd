package node_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// TestPostRefusesEmptyAndNonImages: a post with no text and no image, and
// a post or a profile naming a blob that is no picture, are refused with a
// message that says what to do, and nothing is published.
func TestPostRefusesEmptyAndNonImages(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ctx := t.Context()
	text, _, _, err := n.AddBlob(strings.NewReader("shopping list: bread, eggs\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := pngWithGPS(t)
	picture, _, _, err := n.AddBlob(bytes.NewReader(plain), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		text   string
		images []blob.ID
		is     error
		want   string
	}{
		{"empty", "", nil, node.ErrEmptyPost, "nothing to post: write a text or attach an image"},
		{"white space", " \n\t ", nil, node.ErrEmptyPost, "nothing to post"},
		{"a text file as image", "look", []blob.ID{text}, blob.ErrNotImage, "image " + text.String() + " is not an image kith can show: it is text; use a JPEG, PNG, GIF or WebP picture"},
		{"a text file after a picture", "", []blob.ID{picture, text}, blob.ErrNotImage, "image " + text.String()},
	} {
		_, err := n.Post(ctx, c.text, c.images, entry.ID{})
		if !errors.Is(err, c.is) || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Post err = %v, want %v saying %q", c.name, err, c.is, c.want)
		}
	}
	_, _, err = n.SetProfile(ctx, node.ProfileUpdate{Image: &text})
	if !errors.Is(err, blob.ErrNotImage) || !strings.Contains(err.Error(), "profile image "+text.String()+" is not an image") {
		t.Errorf("SetProfile with a text file as image: err = %v", err)
	}
	heads, err := n.LogsOf(ctx, n.Account().Key())
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range heads {
		if h.Log.LogID == entry.PublicLog && h.Log.Author == n.Device().Key() && h.Seq != 0 {
			t.Errorf("the public log has %d entries after refused posts, want none", h.Seq)
		}
	}
	// A picture alone, or a text alone, is a post.
	if _, err := n.Post(ctx, "", []blob.ID{picture}, entry.ID{}); err != nil {
		t.Errorf("a post of a picture alone: %v", err)
	}
	if _, err := n.Post(ctx, "words", nil, entry.ID{}); err != nil {
		t.Errorf("a post of a text alone: %v", err)
	}
	if _, _, err := n.SetProfile(ctx, node.ProfileUpdate{Image: &picture}); err != nil {
		t.Errorf("a profile picture: %v", err)
	}
}
