package browserpeer

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// postsForward is Posts as it was before LastPosts: every public log
// from its first seq, decoding every entry. The oracle for LastPosts.
func postsForward(t *testing.T, p *Peer) []PostView {
	ctx := t.Context()
	heads, err := p.store.Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []PostView
	for _, h := range heads {
		if h.Log.LogID != (entry.LogID{}) {
			continue
		}
		for from := uint64(1); from <= h.Seq; {
			rs, err := p.store.Log(ctx, h.Log, from, 1024)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) == 0 {
				break
			}
			for _, r := range rs {
				from = r.Entry.Header.Seq + 1
				if r.Entry.Payload == nil {
					continue
				}
				pl, err := content.Decode(r.Entry.Payload)
				if err != nil {
					continue
				}
				if post, ok := pl.(*content.Post); ok {
					out = append(out, PostView{ID: r.Entry.ID, Device: h.Log.Author, Seq: r.Entry.Header.Seq, Timestamp: r.Entry.Header.Timestamp, Text: post.Text, Images: post.Images})
				}
			}
		}
	}
	return out
}

// TestLastPosts: the last n posts, read from the logs' ends, are the last
// n of every post in Posts' order, for n across the chunks of 1,024 seqs
// and across logs; profiles between the posts and a log other than the
// public one are not posts.
func TestLastPosts(t *testing.T) {
	var kept keptLog
	p, _ := newPeer(t, "reader", &kept)
	var es []*entry.Entry
	logOf := func(k identity.PrivateKey, log entry.LogID, n int, every int) {
		var prev entry.ID
		for i := 1; i <= n; i++ {
			var pl []byte
			var err error
			if every > 0 && i%every == 0 {
				pl, err = content.Encode(&content.Profile{Name: fmt.Sprint("name ", i)})
			} else {
				pl, err = content.Encode(&content.Post{Text: fmt.Sprintf("%s post %d", k.Public().Device(), i)})
			}
			if err != nil {
				t.Fatal(err)
			}
			e, err := entry.Sign(k, entry.Draft{LogID: log, Seq: uint64(i), Backlink: prev, Timestamp: uint64(i), Payload: pl})
			if err != nil {
				t.Fatal(err)
			}
			prev = e.ID
			es = append(es, e)
		}
	}
	logOf(key(t, "x"), entry.LogID{}, 2500, 7)
	logOf(key(t, "y"), entry.LogID{}, 10, 0)
	logOf(key(t, "z"), entry.LogID{}, 1030, 3)
	logOf(key(t, "y"), entry.LogID{9}, 20, 0) // not the public log
	if err := p.Load(t.Context(), es); err != nil {
		t.Fatal(err)
	}
	want := postsForward(t, p)
	if len(want) != 2500-2500/7+10+1030-1030/3 {
		t.Fatalf("%d posts held, want %d", len(want), 2500-2500/7+10+1030-1030/3)
	}
	strip := func(ps []PostView) []PostView {
		out := make([]PostView, len(ps))
		for i, v := range ps {
			v.Account, v.AccountName, v.DeviceName = identity.PublicKey{}, "", ""
			out[i] = v
		}
		return out
	}
	for _, n := range []int{0, 1, 5, 200, 686, 687, 1000, 1700, 2000, len(want) - 1, len(want), len(want) + 3, -1} {
		got, err := p.LastPosts(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		w := want
		if n >= 0 && n < len(want) {
			w = want[len(want)-n:]
		}
		if len(got) != len(w) {
			t.Fatalf("LastPosts(%d): %d posts, want %d", n, len(got), len(w))
		}
		if !reflect.DeepEqual(strip(got), w) {
			for i := range w {
				if !reflect.DeepEqual(strip(got)[i], w[i]) {
					t.Fatalf("LastPosts(%d)[%d] = %d of %x, want %d of %x", n, i, got[i].Seq, got[i].Device[:4], w[i].Seq, w[i].Device[:4])
				}
			}
		}
	}
	all, err := p.Posts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(strip(all), want) {
		t.Fatal("Posts differs from every post in order")
	}
}
