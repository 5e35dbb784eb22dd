package node_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// TestPublishImageAlbum: an album of pictures with captions travels with
// its blobs in a bundle and shows in a follower's albums; a blob that is
// no picture, carries a location or is not held is refused, and nothing
// is published then.
func TestPublishImageAlbum(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	plain, withGPS := pngWithGPS(t)
	pic, _, _, err := a.AddBlob(bytes.NewReader(plain), true)
	if err != nil {
		t.Fatal(err)
	}
	located, _, _, err := a.AddBlob(bytes.NewReader(withGPS), false) // kept as it is, location and all
	if err != nil {
		t.Fatal(err)
	}
	text, _, _, err := a.AddBlob(strings.NewReader("not a picture\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		images   []blob.ID
		captions []string
		is       error
		want     string
	}{
		{"none", nil, nil, nil, "image: field images: no image; an image entry needs at least one"},
		{"text file", []blob.ID{pic, text}, nil, blob.ErrNotImage, "image " + text.String() + " is not an image kith can show"},
		{"location", []blob.ID{located}, nil, node.ErrBlobLocation, "location"},
		{"not held", []blob.ID{blob.Sum([]byte("elsewhere"))}, nil, nil, "is not in this node's blob store"},
		{"caption count", []blob.ID{pic, pic}, []string{"one"}, nil, "1 captions for 2 images"},
	} {
		_, err := a.PublishImage(ctx, "", c.images, c.captions)
		if err == nil || !strings.Contains(err.Error(), c.want) || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if p, err := a.Albums(ctx, identity.PublicKey{}, 0, 10); err != nil || len(p.Albums) != 0 {
		t.Fatalf("after refused albums: %+v, %v", p, err)
	}

	e, err := a.PublishImage(ctx, "Allotment", []blob.ID{pic, pic}, []string{"Beans", ""})
	if err != nil {
		t.Fatal(err)
	}
	var bundle bytes.Buffer
	if _, err := a.Export(ctx, &bundle, []identity.PublicKey{a.Account().Key()}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Import(ctx, &bundle, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Follow(ctx, a.Account().Key(), true); err != nil {
		t.Fatal(err)
	}
	p, err := b.Albums(ctx, identity.PublicKey{}, 0, 10)
	if err != nil || len(p.Albums) != 1 {
		t.Fatalf("b's albums: %+v, %v", p, err)
	}
	al := p.Albums[0]
	if al.Entry.ID != e.ID || al.Image.Title != "Allotment" || al.Image.Caption(0) != "Beans" || al.Image.Caption(1) != "" || al.Mine || al.Account != a.Account().Key() {
		t.Fatalf("album %+v / %+v", al, al.Image)
	}
	if ok, _, err := b.Blobs().Has(pic); err != nil || !ok {
		t.Fatalf("the album's picture did not travel with the bundle: %v, %v", ok, err)
	}
}
