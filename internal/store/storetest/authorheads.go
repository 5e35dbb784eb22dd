package storetest

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// testHeadsOf checks store.AuthorHeads, when the store implements it,
// and the store.HeadsOf helper either way: one author's heads, in log id
// order, exactly as Heads lists them; none for an author with no log.
func testHeadsOf(t *testing.T, x h) {
	for i := range 3 {
		for _, lid := range []entry.LogID{{9}, entry.PublicLog, {3}} {
			c := newChain(key(t, 20+i), lid)
			x.mustAdd(c.posts(t, i+2)...)
		}
	}
	all := x.heads()
	for i := range 3 {
		author := key(t, 20+i).Public()
		var want []store.Head
		for _, hd := range all {
			if hd.Log.Author == author {
				want = append(want, hd)
			}
		}
		if len(want) != 3 || want[0].Log.LogID != entry.PublicLog || want[0].Seq != uint64(i+2) {
			t.Fatalf("author %d: Heads lists %+v", i, want)
		}
		got, err := store.HeadsOf(x.ctx, x.s, author)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("HeadsOf(author %d) = %+v, %v\nwant %+v", i, got, err, want)
		}
		if a, ok := x.s.(store.AuthorHeads); ok {
			if got, err := a.HeadsOf(x.ctx, author); err != nil || !slices.Equal(got, want) {
				t.Fatalf("AuthorHeads.HeadsOf(author %d) = %+v, %v\nwant %+v", i, got, err, want)
			}
		}
	}
	if got, err := store.HeadsOf(x.ctx, x.s, key(t, 30).Public()); err != nil || len(got) != 0 {
		t.Fatalf("HeadsOf(no logs) = %+v, %v", got, err)
	}
}
