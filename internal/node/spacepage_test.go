package node

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
)

// pagesOf reads the whole space through pages of limit, newest page
// first, and returns the messages oldest first, checking each page's
// Earlier against what the following pages hold.
func (s *spaceTrio) pagesOf(t *testing.T, n *Node, limit int) []SpaceMessage {
	t.Helper()
	var pages [][]SpaceMessage
	q := SpaceQuery{Limit: limit}
	for i := 0; ; i++ {
		p, err := n.SpacePage(t.Context(), s.id, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Messages) > limit || (p.Earlier > 0 && len(p.Messages) != limit) {
			t.Fatalf("page %d of limit %d: %d messages, %d earlier", i, limit, len(p.Messages), p.Earlier)
		}
		pages = append(pages, p.Messages)
		if p.Earlier == 0 {
			if p.Older != 0 {
				t.Fatalf("last page: older %d, want 0", p.Older)
			}
			break
		}
		if p.Older == 0 || i > 1000 {
			t.Fatalf("page %d: %d earlier but older %d", i, p.Earlier, p.Older)
		}
		q.Before = p.Older
	}
	var out []SpaceMessage
	for i := len(pages) - 1; i >= 0; i-- {
		out = append(out, pages[i]...)
	}
	return out
}

// samePaged checks that every page size reads the space as one read does.
func (s *spaceTrio) samePaged(t *testing.T, n *Node) {
	t.Helper()
	all, err := n.SpaceMessages(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{1, 2, 3, 7} {
		n.views.reset()
		got := s.pagesOf(t, n, limit)
		if !slices.EqualFunc(got, all, func(a, b SpaceMessage) bool {
			return a.ID == b.ID && a.Status == b.Status && a.Text == b.Text && a.Detail == b.Detail && a.Removed == b.Removed
		}) {
			t.Fatalf("pages of %d:\n%s\nwant\n%s", limit, texts(got), texts(all))
		}
	}
}

func texts(ms []SpaceMessage) []string {
	var out []string
	for _, m := range ms {
		t := m.Text
		if m.Status != SpaceReadable {
			t = string(m.Status) + " " + m.ID.String()[:12]
		}
		out = append(out, t)
	}
	return out
}

func TestSpacePage(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	post := func(n *Node, text string) {
		t.Helper()
		if _, err := n.PostToSpace(ctx, s.id, text, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	post(s.a, "a1")
	post(s.a, "a2")
	post(s.b, "b1")
	exchange(t, s.a, s.b)
	post(s.a, "a3")
	post(s.b, "b2")
	post(s.b, "b3")
	exchange(t, s.a, s.b)
	for _, x := range []string{"a4", "a5", "a6", "a7"} {
		post(s.a, x)
	}
	// a's arrival order: its own as written, b's at each exchange.
	want := []string{"a1", "a2", "b1", "a3", "b2", "b3", "a4", "a5", "a6", "a7"}
	all, err := s.a.SpaceMessages(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(all); !slices.Equal(got, want) {
		t.Fatalf("all: %q, want %q", got, want)
	}

	s.a.views.reset()
	p1, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(p1.Messages); !slices.Equal(got, want[7:]) || p1.Earlier != 7 || p1.Older == 0 {
		t.Fatalf("newest page: %q, %d earlier, older %d; want %q, 7 earlier", got, p1.Earlier, p1.Older, want[7:])
	}
	// Only the page was decrypted.
	if n, _ := s.a.views.openedLen(); n != 3 {
		t.Fatalf("%d payloads opened for a page of 3", n)
	}
	// A message arriving between two reads does not move the pages.
	post(s.b, "b4")
	exchange(t, s.a, s.b)
	p2, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 3, Before: p1.Older})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(p2.Messages); !slices.Equal(got, want[4:7]) || p2.Earlier != 4 {
		t.Fatalf("second page: %q, %d earlier; want %q, 4 earlier", got, p2.Earlier, want[4:7])
	}
	p3, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 3, Before: p2.Older})
	if err != nil {
		t.Fatal(err)
	}
	p4, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 3, Before: p3.Older})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(p3.Messages); !slices.Equal(got, want[1:4]) || p3.Earlier != 1 {
		t.Fatalf("third page: %q, %d earlier", got, p3.Earlier)
	}
	if got := texts(p4.Messages); !slices.Equal(got, want[:1]) || p4.Earlier != 0 || p4.Older != 0 {
		t.Fatalf("last page: %q, %d earlier, older %d", got, p4.Earlier, p4.Older)
	}
	top, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(top.Messages); !slices.Equal(got, []string{"a7", "b4"}) || top.Earlier != 9 {
		t.Fatalf("newest page after b4: %q, %d earlier", got, top.Earlier)
	}
	s.samePaged(t, s.a)
	s.samePaged(t, s.c)

	if _, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 3, Before: -1}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("a negative cursor: %v, want ErrBadCursor", err)
	}
}

func TestViewCacheBound(t *testing.T) {
	var c viewCache
	text := make([]byte, 1000)
	for i := range 20000 {
		var k openedKey
		k.id[0], k.id[1] = byte(i), byte(i>>8)
		c.keepOpened(k, string(text), len(text))
	}
	n, b := c.openedLen()
	if b > openedCacheBytes || n != openedCacheBytes/(1000+openedOverhead) {
		t.Fatalf("%d payloads, %d bytes held; want at most %d bytes, %d payloads", n, b, openedCacheBytes, openedCacheBytes/(1000+openedOverhead))
	}
	var last openedKey
	i := 19999
	last.id[0], last.id[1] = byte(i), byte(i>>8)
	if _, ok := c.opened(last); !ok {
		t.Fatal("the newest payload was dropped")
	}
	var first openedKey
	if _, ok := c.opened(first); ok {
		t.Fatal("the oldest payload is still held")
	}
}

// An entry held without its payload names no epoch; when the payload
// arrives, the epoch rule counts it on the next read (the index of a log's
// epochs takes it then), as a read of the whole log would.
func TestSpacePageLatePayload(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	ep1 := s.current(t, s.c)
	if _, err := s.a.RemoveFromSpace(ctx, s.id, s.b.account); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.c)
	second, err := s.c.PostToSpace(ctx, s.id, "under the second epoch", entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	if cur := s.current(t, s.c); cur.ID == ep1.ID {
		t.Fatal("no rotation after the removal")
	}
	st := mustState(t, s.c, s.id)
	_, es, err := s.c.spaceState(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	back := sealAs(t, s.c, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		p, err := seal.Seal(s.id, ep1, pos, 1, mustPost(t, "back to the first", st.Heads(es, s.c.device.Public(), true)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	bare := *second
	bare.Payload = nil
	if _, err := s.a.store.Ingest(ctx, []*entry.Entry{&bare, back}); err != nil {
		t.Fatal(err)
	}
	status := func() map[string]SpaceStatus {
		p, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]SpaceStatus{}
		for _, m := range p.Messages {
			out[m.ID.String()] = m.Status
		}
		return out
	}
	if got := status()[back.ID.String()]; got != SpaceReadable {
		t.Fatalf("with the payload before it not held: %q, want %q", got, SpaceReadable)
	}
	if _, err := s.a.store.Ingest(ctx, []*entry.Entry{second}); err != nil {
		t.Fatal(err)
	}
	if got := status()[back.ID.String()]; got != SpaceOutdated {
		t.Fatalf("once the payload before it is held: %q, want %q", got, SpaceOutdated)
	}
	s.samePaged(t, s.a)
}

// What a member reads of a message sealed under a key its device does not
// hold says why, as far as its node can tell: sealed after its removal,
// or before it was added.
func TestSpaceUnheldWhy(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	d := newSpaceNode(t)
	if _, err := d.ownDecryptionKey(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.PostToSpace(ctx, s.id, "first", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.RemoveFromSpace(ctx, s.id, s.c.account); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c, d)
	if _, err := s.a.PostToSpace(ctx, s.id, "second", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.AddToSpace(ctx, s.id, d.account, space.Member); err != nil {
		t.Fatal(err)
	}
	if err := s.a.keepSpace(ctx, s.id); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c, d)
	read := func(n *Node) map[string]string {
		ms, err := n.SpaceMessages(ctx, s.id)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for i, m := range ms {
			out[[]string{"first", "second"}[i]] = string(m.Status) + ": " + m.Text + m.Detail
		}
		return out
	}
	for who, w := range map[string]struct {
		n    *Node
		want map[string]string
	}{
		"c, removed":     {s.c, map[string]string{"first": "readable: first", "second": "sealed: sealed after your account left or was removed: you read what was sealed while it was a member"}},
		"d, added later": {d, map[string]string{"first": "sealed: written before this device was given the space's key: people and devices added later do not read what was written before", "second": "readable: second"}},
		"b, a member":    {s.b, map[string]string{"first": "readable: first", "second": "readable: second"}},
	} {
		if got := read(w.n); !maps.Equal(got, w.want) {
			t.Errorf("%s reads %q, want %q", who, got, w.want)
		}
	}
}

// A member that seals under many epoch ids (made up: no one can open
// them) makes its log be read again at each view, as before the index,
// and the epoch rule still holds there; the index keeps nothing of it.
func TestSpacePageManyEpochs(t *testing.T) {
	ctx := t.Context()
	s := newSpaceTrio(t)
	ep1 := s.current(t, s.c)
	for i := range maxLogEpochs + 6 {
		sealAs(t, s.c, s.id, ep1.LogKey, func(pos seal.Position) []byte {
			p := make([]byte, seal.Buckets[0])
			p[0], p[1], p[2] = 0x01, byte(i), 0xee
			return p
		})
	}
	if _, err := s.a.RemoveFromSpace(ctx, s.id, s.b.account); err != nil {
		t.Fatal(err)
	}
	exchange(t, s.a, s.b, s.c)
	if _, err := s.c.PostToSpace(ctx, s.id, "under the second epoch", entry.ID{}); err != nil {
		t.Fatal(err)
	}
	st := mustState(t, s.c, s.id)
	_, es, err := s.c.spaceState(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	back := sealAs(t, s.c, s.id, ep1.LogKey, func(pos seal.Position) []byte {
		p, err := seal.Seal(s.id, ep1, pos, 1, mustPost(t, "back to the first", st.Heads(es, s.c.device.Public(), true)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	exchange(t, s.a, s.c)
	for range 2 { // the second read finds the log marked, and reads it again
		p, err := s.a.SpacePage(ctx, s.id, SpaceQuery{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if m := p.Messages[0]; m.ID != back.ID || m.Status != SpaceOutdated {
			t.Fatalf("the newest: %s %q (%s), want %s outdated", m.ID, m.Status, m.Detail, back.ID)
		}
	}
	s.a.views.mu.Lock()
	for k, x := range s.a.views.epochs {
		if k.Author == s.c.device.Public() && (!x.wild || x.first != nil) {
			t.Errorf("the index keeps %d epochs of c's log (wild %v)", len(x.first), x.wild)
		}
	}
	s.a.views.mu.Unlock()
	s.samePaged(t, s.a)
}
