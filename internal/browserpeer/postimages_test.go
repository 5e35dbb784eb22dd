package browserpeer

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
)

func TestPostWithImages(t *testing.T) {
	var kept keptLog
	p, _ := newPeer(t, "a", &kept)
	ids := []blob.ID{blob.Sum([]byte("one")), blob.Sum([]byte("two"))}
	e, err := p.PostWithImages(t.Context(), "two pictures", ids)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := content.Decode(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if post := pl.(*content.Post); post.Text != "two pictures" || !slices.Equal(post.Images, ids) {
		t.Fatalf("the entry holds %+v", post)
	}
	ps, err := p.Posts(t.Context())
	if err != nil || len(ps) != 1 || !slices.Equal(ps[0].Images, ids) {
		t.Fatalf("Posts: %+v %v", ps, err)
	}
	if _, err := p.PostWithImages(t.Context(), "", make([]blob.ID, content.MaxPostImages+1)); err == nil {
		t.Fatal("a post with too many pictures was made")
	}
}
