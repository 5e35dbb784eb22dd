package api_test

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
)

func TestImagesEndpoints(t *testing.T) {
	f := newFixture(t)
	add := func(data []byte) string {
		resp, b := f.request("POST", "/api/v1/blobs?publish=true", bytes.NewReader(data), "Content-Type", "application/octet-stream")
		if resp.StatusCode != 200 {
			t.Fatalf("add blob: %d %s", resp.StatusCode, b)
		}
		var added wire.BlobAdded
		mustJSON(t, b, &added)
		return added.ID
	}
	pic, txt := add(picture("one")), add([]byte("a shopping list\n"))
	var posted wire.Posted
	f.call("POST", "/api/v1/images", wire.ImageRequest{Title: "Cat", Images: []string{pic, pic}, Captions: []string{"asleep", ""}}, &posted)
	var page wire.AlbumPage
	f.call("GET", "/api/v1/images", nil, &page)
	want := wire.Album{ID: posted.ID, Account: f.n.Account().String(), Title: "Cat", Mine: true, Images: []wire.AlbumImage{{Blob: pic, Caption: "asleep"}, {Blob: pic}}}
	if len(page.Albums) != 1 {
		t.Fatalf("albums %+v", page)
	}
	got := page.Albums[0]
	got.Timestamp = 0
	if got.ID != want.ID || got.Account != want.Account || got.Title != want.Title || !got.Mine || len(got.Images) != 2 || got.Images[0] != want.Images[0] || got.Images[1] != want.Images[1] {
		t.Fatalf("album %+v, want %+v", got, want)
	}
	f.call("GET", "/api/v1/images?account="+f.n.Account().String()+"&limit=1", nil, &page)
	if len(page.Albums) != 1 {
		t.Fatalf("albums of the account %+v", page)
	}
	f.expectError("POST", "/api/v1/images", `{"images":[]}`, 400, wire.CodeBadRequest, "give at least one picture")
	f.expectError("POST", "/api/v1/images", `{"images":["`+txt+`"]}`, 400, wire.CodeBadRequest, "is not an image kith can show")
	f.expectError("POST", "/api/v1/images", `{"images":["`+blob.Sum([]byte("x")).String()+`"]}`, 404, wire.CodeNotFound, "is not in this node's blob store")
	f.expectError("POST", "/api/v1/images", `{"images":["`+pic+`"],"captions":["a","b"]}`, 400, wire.CodeBadRequest, "2 captions for 1 images")
	f.expectError("GET", "/api/v1/images?account=nope", "", 400, wire.CodeBadRequest, "account")
}
