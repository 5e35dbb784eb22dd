package node

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// spaceTrio is a space of three homes: a (admin, creator), b and c
// (members), each holding the first epoch.
type spaceTrio struct {
	a, b, c *Node
	id      entry.ID
}

func newSpaceNode(t testing.TB) *Node {
	t.Helper()
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var i int64
	n, _, err := Init(t.TempDir(), Options{Now: func() time.Time { i++; return start.Add(time.Duration(i) * time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// exchange gives every node every entry the others hold.
func exchange(t testing.TB, ns ...*Node) {
	t.Helper()
	for _, from := range ns {
		heads, err := from.store.Heads(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var es []*entry.Entry
		if err := from.EachEntry(t.Context(), heads, func(e *store.Stored) error {
			es = append(es, e.Entry)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, to := range ns {
			if to != from {
				if _, err := to.store.Ingest(t.Context(), es); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

func newSpaceTrio(t *testing.T) *spaceTrio { return newSpaceTrioB(t) }

func newSpaceTrioB(t testing.TB) *spaceTrio {
	t.Helper()
	s := &spaceTrio{a: newSpaceNode(t), b: newSpaceNode(t), c: newSpaceNode(t)}
	ctx := t.Context()
	// Every member's encryption key is held by the creator before the
	// space exists: the first epoch goes to all three.
	for _, n := range []*Node{s.a, s.b, s.c} {
		if _, err := n.ownDecryptionKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, s.a, s.b, s.c)
	ce, err := s.a.CreateSpace(ctx, "Garden", entry.ID{}, nil, []identity.PublicKey{s.b.account, s.c.account})
	if err != nil {
		t.Fatal(err)
	}
	s.id = ce.ID
	exchange(t, s.a, s.b, s.c)
	return s
}

// messages returns n's reading of the space, by text for readable ones
// and by entry id otherwise.
func (s *spaceTrio) read(t *testing.T, n *Node) map[string]SpaceMessage {
	t.Helper()
	ms, err := n.SpaceMessages(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]SpaceMessage{}
	for _, m := range ms {
		k := m.Text
		if m.Status != SpaceReadable {
			k = m.ID.String()
		}
		out[k] = m
	}
	return out
}

// sealAs appends to n's content log of the space a payload made by mk for
// the entry's real position, bypassing PostToSpace's checks: what a
// hostile or buggy member could write.
func sealAs(t *testing.T, n *Node, space entry.ID, logKey [32]byte, mk func(pos seal.Position) []byte) *entry.Entry {
	t.Helper()
	me := n.device.Public()
	log := entry.LogID(seal.LogID(logKey, seal.ID(me)))
	e, err := n.appendSeqStamped(t.Context(), log, func(seq uint64) ([]byte, error) {
		return mk(seal.Position{Author: seal.ID(me), LogID: seal.ID(log), Seq: seq}), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (s *spaceTrio) current(t *testing.T, n *Node) *seal.Epoch {
	t.Helper()
	if err := n.keepSpace(t.Context(), s.id); err != nil {
		t.Fatal(err)
	}
	n.rings.mu.Lock()
	defer n.rings.mu.Unlock()
	cur, _ := n.ring(s.id).ring.Current()
	if cur == nil {
		t.Fatal("no current epoch")
	}
	return cur
}

func mustPost(t *testing.T, text string, refs []entry.ID) []byte {
	t.Helper()
	b, err := space.EncodeContent(&space.Post{Text: text, Refs: refs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpaceBadInput(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	ep1 := s.current(t, s.b)

	// Ciphertext that does not decrypt: sealed for another seq.
	bad := sealAs(t, s.b, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		pos.Seq++
		p, err := seal.Seal(s.id, ep1, pos, 1, mustPost(t, "moved", nil))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	// Sealed under an epoch nobody announced.
	unknown := sealAs(t, s.b, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		fake := &seal.Epoch{ID: seal.ID{9, 9, 9}, LogKey: ep1.LogKey}
		fake.Key[0] = 1
		p, err := seal.Seal(s.id, fake, pos, 1, mustPost(t, "nobody's epoch", nil))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	// An epoch announced by a member who is no admin, wrapped to all,
	// and a post under it.
	rs, err := s.b.recipients(ctx, mustState(t, s.b, s.id))
	if err != nil {
		t.Fatal(err)
	}
	rogue, parts, err := seal.NewEpoch(s.id, seal.ID(s.b.device.Public()), []seal.ID{ep1.ID}, ep1.LogKey, rs)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.b.appendKeys(ctx, s.id, parts, rogue, nil); err != nil {
		t.Fatal(err)
	}
	underRogue := sealAs(t, s.b, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		p, err := seal.Seal(s.id, rogue, pos, 1, mustPost(t, "under a member's epoch", nil))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	if _, err := s.c.PostToSpace(ctx, s.id, "still works", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)

	got := s.read(t, s.a)
	s.samePaged(t, s.a)
	want := map[string]SpaceStatus{
		bad.ID.String():        SpaceNotDecrypted,
		unknown.ID.String():    SpaceUnknownEpoch,
		underRogue.ID.String(): SpaceUnknownEpoch,
		"still works":          SpaceReadable,
	}
	if len(got) != len(want) {
		t.Fatalf("a reads %d messages, want %d: %+v", len(got), len(want), got)
	}
	for k, st := range want {
		if got[k].Status != st {
			t.Errorf("%s: status %q (%s), want %q", k, got[k].Status, got[k].Detail, st)
		}
	}
	// The member's epoch did not become a's current one: a still seals
	// under the first.
	if cur := s.current(t, s.a); cur.ID != ep1.ID {
		t.Fatalf("a's current epoch moved to %x after a member's announcement", cur.ID[:4])
	}
	if _, err := s.a.PostToSpace(ctx, s.id, "admin posts", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if got := s.read(t, s.c); got["admin posts"].Status != SpaceReadable {
		t.Fatalf("c cannot read the admin's post: %+v", got)
	}
}

func mustState(t *testing.T, n *Node, id entry.ID) *space.State {
	t.Helper()
	st, _, err := n.spaceState(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A key wrap for someone else opens for no one else, and the space goes
// on: an epoch given to a and b only leaves c reading nothing under it.
func TestSpaceWrapForSomeoneElse(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	ep1 := s.current(t, s.a)
	st := mustState(t, s.a, s.id)
	all, err := s.a.recipients(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var notC []seal.Recipient
	for _, r := range all {
		if identity.PublicKey(r.Device) != s.c.device.Public() {
			notC = append(notC, r)
		}
	}
	ep2, parts, err := seal.NewEpoch(s.id, seal.ID(s.a.device.Public()), []seal.ID{ep1.ID}, ep1.LogKey, notC)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.a.appendKeys(ctx, s.id, parts, ep2, mustState(t, s.a, s.id).Heads(nil, s.a.device.Public(), true)); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if _, err := s.b.PostToSpace(ctx, s.id, "for a and b", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if got := s.read(t, s.a); got["for a and b"].Status != SpaceReadable {
		t.Fatalf("a: %+v", got)
	}
	got := s.read(t, s.c)
	if _, ok := got["for a and b"]; ok || len(got) != 1 {
		t.Fatalf("c: %+v", got)
	}
	for _, m := range got {
		if m.Status != SpaceUnknownEpoch {
			t.Fatalf("c reads %q, want %q", m.Status, SpaceUnknownEpoch)
		}
	}
	// c says why it cannot write, and writes nothing.
	v, err := s.c.Space(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	if v.CanWrite || v.Waiting == "" {
		t.Fatalf("c's view: %+v", v)
	}
}

// An outdated epoch: after sealing under the second epoch, an author
// that goes back to the first is refused; and a removed member's post
// that names its own removal is refused, while one that names only
// older heads counts (concurrent), marked as by a removed author.
func TestSpaceOutdatedAndRemovedWriters(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	ep1 := s.current(t, s.c)
	before := mustState(t, s.c, s.id)
	_, esBefore, err := s.c.spaceState(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	oldRefs := before.Heads(esBefore, s.c.device.Public(), true)

	if _, err := s.a.RemoveFromSpace(ctx, s.id, s.b.account); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if _, err := s.c.PostToSpace(ctx, s.id, "under the second epoch", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if cur := s.current(t, s.c); cur.ID == ep1.ID {
		t.Fatal("no rotation after the removal")
	}
	outdated := sealAs(t, s.c, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		p, err := seal.Seal(s.id, ep1, pos, 1, mustPost(t, "back to the first", oldRefs))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	// b, removed, names the heads it holds (its removal among them).
	stB := mustState(t, s.b, s.id)
	_, esB, err := s.b.spaceState(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	afterRemoval := sealAs(t, s.b, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		p, err := seal.Seal(s.id, ep1, pos, 1, mustPost(t, "written after my removal", stB.Heads(esB, s.b.device.Public(), true)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	sealAs(t, s.b, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		p, err := seal.Seal(s.id, ep1, pos, 1, mustPost(t, "backdated", oldRefs))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	exchange(t, s.a, s.b, s.c)
	got := s.read(t, s.a)
	s.samePaged(t, s.a)
	if m := got[outdated.ID.String()]; m.Status != SpaceOutdated {
		t.Errorf("going back to the first epoch: %q (%s), want %q", m.Status, m.Detail, SpaceOutdated)
	}
	if m := got[afterRemoval.ID.String()]; m.Status != SpaceNotMember {
		t.Errorf("written after the removal: %q (%s), want %q", m.Status, m.Detail, SpaceNotMember)
	}
	if m := got["backdated"]; m.Status != SpaceReadable || !m.Removed {
		t.Errorf("backdated post: %+v, want readable and marked removed", m)
	}
	if m := got["under the second epoch"]; m.Status != SpaceReadable || m.Removed {
		t.Errorf("c's post: %+v", m)
	}
	// b holds c's post but cannot read it.
	if _, ok := s.read(t, s.b)["under the second epoch"]; ok {
		t.Error("the removed member read a post sealed after its removal")
	}
}

// No decrypted payload of a space is written to disk (spaces.md §6): a
// post is sealed, opened by every member, and its text is found in no
// file of any home, not even in the store's write-ahead log.
func TestSpacePlaintextNeverOnDisk(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	const canary = "canary qzjxwk: the bread is at Ines's place"
	if _, err := s.b.PostToSpace(ctx, s.id, canary, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	for _, n := range []*Node{s.a, s.b, s.c} {
		if got := s.read(t, n); got[canary].Status != SpaceReadable {
			t.Fatalf("%s cannot read the post: %+v", n.home, got)
		}
		if _, err := n.Space(ctx, s.id); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []*Node{s.a, s.b, s.c} {
		scanHome(t, n.home, []byte(canary))
		// A word no hex or base64 key file holds by chance ("7f3a"
		// once turned up in a hex-encoded account.key).
		scanHome(t, n.home, []byte("qzjxwk"))
	}
}

func scanHome(t *testing.T, home string, needle []byte) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, needle) {
			t.Errorf("%s holds the plaintext %q", path, needle)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("scanned only %d files in %s", files, home)
	}
}

// A member added later reads from the epoch current when it joins; with
// history, also what was sealed under earlier epochs (spaces.md §3).
func TestSpaceHistorySetting(t *testing.T) {
	for _, history := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "history"}[history], func(t *testing.T) {
			ctx := t.Context()
			a, b, c, d := newSpaceNode(t), newSpaceNode(t), newSpaceNode(t), newSpaceNode(t)
			for _, n := range []*Node{a, b, c, d} {
				if _, err := n.ownDecryptionKey(ctx); err != nil {
					t.Fatal(err)
				}
			}
			exchange(t, a, b, c, d)
			ce, err := a.CreateSpaceFrom(ctx, NewSpace{Name: "Choir", Members: []identity.PublicKey{b.account, c.account}, History: history})
			if err != nil {
				t.Fatal(err)
			}
			id := ce.ID
			exchange(t, a, b, c, d)
			if _, err := b.PostToSpace(ctx, id, "first epoch", entry.ID{}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.RemoveFromSpace(ctx, id, c.account); err != nil {
				t.Fatal(err)
			}
			exchange(t, a, b, c, d)
			if _, err := b.PostToSpace(ctx, id, "second epoch", entry.ID{}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.AddToSpace(ctx, id, d.account, space.Member); err != nil {
				t.Fatal(err)
			}
			exchange(t, a, b, c, d)
			if _, err := d.Space(ctx, id); err != nil {
				t.Fatal(err)
			}
			exchange(t, a, b, c, d)
			if _, err := a.Space(ctx, id); err != nil { // a gives d its epochs
				t.Fatal(err)
			}
			exchange(t, a, b, c, d)
			s := &spaceTrio{id: id}
			got := s.read(t, d)
			if got["second epoch"].Status != SpaceReadable {
				t.Fatalf("d cannot read the current epoch: %+v", got)
			}
			if _, ok := got["first epoch"]; ok != history {
				t.Fatalf("history %v: d reads the first epoch: %v (%+v)", history, ok, got)
			}
		})
	}
}

// A member removed before its node opened any key still reads, once it
// does, what was sealed to it while it was a member (spaces.md §3).
func TestSpaceRemovedMemberOpensLate(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	// c's node has not opened the space yet (newSpaceTrio only shared
	// the entries); b posts, a removes c.
	if _, err := s.b.PostToSpace(ctx, s.id, "while c was a member", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.RemoveFromSpace(ctx, s.id, s.c.account); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if _, err := s.b.PostToSpace(ctx, s.id, "after c's removal", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	got := s.read(t, s.c)
	if got["while c was a member"].Status != SpaceReadable {
		t.Fatalf("the removed member cannot read what was sealed to it: %+v", got)
	}
	if _, ok := got["after c's removal"]; ok {
		t.Fatalf("the removed member read a post sealed after its removal: %+v", got)
	}
}

// A keyring file that does not decrypt (altered, or from another device)
// is set aside and reported; the node opens the space's keys again from
// its store and reads on (spaces.md §6).
func TestSpaceKeyringFileRebuilt(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	if _, err := s.b.PostToSpace(ctx, s.id, "kept through a bad file", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if s.read(t, s.c)["kept through a bad file"].Status != SpaceReadable {
		t.Fatal("c cannot read before the test")
	}
	home := s.c.home
	path := s.c.keyFilePath(keyringFile)
	s.c.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(home, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c.rings.loadErr == nil || !strings.Contains(c.rings.loadErr.Error(), "does not decrypt") {
		t.Fatalf("loadErr = %v", c.rings.loadErr)
	}
	if got := s.read(t, c); got["kept through a bad file"].Status != SpaceReadable {
		t.Fatalf("after the bad file: %+v", got)
	}
}
