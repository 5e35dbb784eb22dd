package node

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// restoreSpaceNode makes a second device of n's account from phrase.
func restoreNode(t *testing.T, phrase identity.Phrase) *Node {
	t.Helper()
	start := time.Date(2025, 3, 2, 12, 0, 0, 0, time.UTC)
	var i int64
	n, err := Restore(t.TempDir(), phrase, Options{Now: func() time.Time { i++; return start.Add(time.Duration(i) * time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func initWithPhrase(t *testing.T) (*Node, identity.Phrase) {
	t.Helper()
	n, phrase, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n, phrase
}

// timelineTexts returns the texts of n's timeline, newest first.
func timelineTexts(t *testing.T, n *Node) []string {
	t.Helper()
	p, err := n.Timeline(t.Context(), store.TimeKey{}, MaxFeedLimit)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Post.Text)
	}
	return out
}

func mutedOf(t *testing.T, n *Node) []identity.PublicKey {
	t.Helper()
	m, err := n.Muted(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMuteSealedToOwnDevices: a mute hides an account on every device of
// the muter, and nobody else — not another account holding every entry,
// not the muted account — can read it or even tell it is a mute.
func TestMuteSealedToOwnDevices(t *testing.T) {
	ctx := t.Context()
	a1, phrase := initWithPhrase(t)
	a2 := restoreNode(t, phrase)
	b := newSpaceNode(t) // another account, holding everything
	c := newSpaceNode(t) // the account a mutes
	for _, n := range []*Node{a1, a2, b, c} {
		if _, err := n.ownDecryptionKey(ctx); err != nil { // as StartNetwork does
			t.Fatal(err)
		}
	}
	if _, err := c.Post(ctx, "hello from c", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a1.Follow(ctx, c.account, true); err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a2, b, c)
	for _, n := range []*Node{a1, a2} {
		if got := timelineTexts(t, n); !slices.Equal(got, []string{"hello from c"}) {
			t.Fatalf("before the mute, timeline = %q", got)
		}
	}

	if _, err := a1.Mute(ctx, c.account, true); err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a2, b, c)
	for i, n := range []*Node{a1, a2} {
		if got := mutedOf(t, n); !slices.Equal(got, []identity.PublicKey{c.account}) {
			t.Fatalf("device %d: muted = %v, want [c]", i+1, got)
		}
		if got := timelineTexts(t, n); len(got) != 0 {
			t.Fatalf("device %d: muted account still on the timeline: %q", i+1, got)
		}
	}
	// a still follows c: muting changes no statement anyone can see.
	if rel, err := a1.AccountRelation(ctx, c.account); err != nil || !rel.Following {
		t.Fatalf("after the mute, a follows c = %v, %v", rel.Following, err)
	}

	// b and c hold a1's mute log; none of it opens for them, no payload is
	// a typed "mute", and c's key appears in no byte of it.
	mlog := store.LogKey{Author: a1.device.Public(), LogID: a1.muteLog()}
	for _, other := range []*Node{b, c} {
		es, err := other.store.Log(ctx, mlog, 1, 100)
		if err != nil || len(es) < 2 {
			t.Fatalf("other node holds %d entries of the mute log, %v; want them all", len(es), err)
		}
		dk, err := other.ownDecryptionKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		opened := 0
		for _, e := range es {
			if typ, err := content.PeekType(e.Payload); err == nil {
				t.Fatalf("mute log entry %d is a typed %q payload in plaintext", e.Header.Seq, typ)
			}
			if bytes.Contains(e.Payload, c.account[:]) {
				t.Fatalf("mute log entry %d names the muted account in plaintext", e.Header.Seq)
			}
			if a, err := seal.DecodeAnnouncement(e.Payload); err == nil {
				if _, err := seal.OpenEpoch(muteSpace(a1.account), seal.ID(other.device.Public()), dk, a); !errors.Is(err, seal.ErrNotForMe) {
					t.Fatalf("another account opened the mute epoch: %v", err)
				}
				opened++
			}
		}
		if opened == 0 {
			t.Fatal("no announcement in the mute log")
		}
		// Its own view of mutes is its own account's: empty.
		if got := mutedOf(t, other); len(got) != 0 {
			t.Fatalf("another account's node reads mutes %v", got)
		}
		// And it still sees c's post where it would.
		if other == b {
			if _, err := b.Follow(ctx, c.account, true); err != nil {
				t.Fatal(err)
			}
			if got := timelineTexts(t, b); !slices.Equal(got, []string{"hello from c"}) {
				t.Fatalf("a's mute hid c from b: %q", got)
			}
		}
	}

	// A device made after the mute cannot read it until an older device
	// seals the list again, which it does when it reads the list.
	a3 := restoreNode(t, phrase)
	if _, err := a3.ownDecryptionKey(ctx); err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a3)
	if got := mutedOf(t, a3); len(got) != 0 {
		t.Fatalf("a new device read a list sealed before it existed: %v", got)
	}
	if got := mutedOf(t, a1); len(got) != 1 { // reads, finds a3 missing, seals again
		t.Fatalf("a1 muted = %v", got)
	}
	exchange(t, a1, a2, a3)
	if got := mutedOf(t, a3); !slices.Equal(got, []identity.PublicKey{c.account}) {
		t.Fatalf("after the list was sealed again, the new device reads %v", got)
	}

	// Unmute from another device: its list replaces a1's everywhere.
	if _, err := a2.Mute(ctx, c.account, false); err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a2, a3)
	for i, n := range []*Node{a1, a2, a3} {
		if got := mutedOf(t, n); len(got) != 0 {
			t.Fatalf("device %d after the unmute: muted = %v", i+1, got)
		}
	}
	if got := timelineTexts(t, a1); !slices.Equal(got, []string{"hello from c"}) {
		t.Fatalf("after the unmute, timeline = %q", got)
	}
	if _, err := a1.Mute(ctx, a1.account, true); err == nil {
		t.Fatal("muting one's own account succeeded")
	}
}
