package node

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func TestConversationPage(t *testing.T) {
	ctx := t.Context()
	ns := newMessageNodes(t, 2)
	a, b := ns[0], ns[1]
	id, start, err := a.SendMessage(ctx, []identity.PublicKey{b.account}, "m0")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"m0"}
	last := start.ID
	for i := 1; i < 8; i++ {
		exchange(t, a, b)
		from := a
		if i%2 == 1 {
			from = b
		}
		e, err := from.Reply(ctx, id, fmt.Sprintf("m%d", i), last)
		if err != nil {
			t.Fatal(err)
		}
		last = e.ID
		want = append(want, fmt.Sprintf("m%d", i))
	}
	exchange(t, a, b)
	textsOf := func(ms []ConversationMessage) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Text)
		}
		return out
	}
	all, err := a.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := textsOf(all.Thread); !slices.Equal(got, want) {
		t.Fatalf("whole thread: %q, want %q", got, want)
	}
	a.views.reset()
	q := ConversationQuery{Limit: 3}
	for _, w := range []struct {
		texts   []string
		earlier int
	}{{want[5:], 5}, {want[2:5], 2}, {want[:2], 0}} {
		p, err := a.ConversationPage(ctx, id, q)
		if err != nil {
			t.Fatal(err)
		}
		if g := textsOf(p.View.Thread); !slices.Equal(g, w.texts) || p.Earlier != w.earlier {
			t.Fatalf("page before %s: %q, %d earlier; want %q, %d earlier", q.Before, g, p.Earlier, w.texts, w.earlier)
		}
		if (p.Older == entry.ID{}) != (w.earlier == 0) || (w.earlier > 0 && p.Older != p.View.Thread[0].ID) {
			t.Fatalf("older %s with %d earlier", p.Older, p.Earlier)
		}
		if p.View.Messages != len(want) || !p.View.Verified || p.View.Last.Text != "m7" {
			t.Fatalf("summary of a page: %d messages, verified %v, last %q", p.View.Messages, p.View.Verified, p.View.Last.Text)
		}
		q.Before = p.Older
	}
	// Each message opened is kept in memory, once.
	n, _ := a.views.openedLen()
	if n != len(want) {
		t.Fatalf("%d opened payloads cached, want %d", n, len(want))
	}
	// With the thread kept, a page opens only its own messages.
	a.views.forgetOpened()
	p, err := a.ConversationPage(ctx, id, ConversationQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := a.views.openedLen(); n != 3 || textsOf(p.View.Thread)[2] != "m7" {
		t.Fatalf("a page of 3 with the thread kept: %d payloads opened, %q", n, textsOf(p.View.Thread))
	}
	// A message arriving changes a log: the thread is read again.
	if _, err := b.Reply(ctx, id, "m8", last); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b)
	p, err = a.ConversationPage(ctx, id, ConversationQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := textsOf(p.View.Thread); !slices.Equal(got, []string{"m7", "m8"}) || p.Earlier != 7 || p.View.Messages != 9 || p.View.Last.Text != "m8" {
		t.Fatalf("after m8: %q, %d earlier, %d messages", got, p.Earlier, p.View.Messages)
	}
	if _, err := a.ConversationPage(ctx, id, ConversationQuery{Limit: 3, Before: entry.ID{1}}); !errors.Is(err, ErrBadCursor) {
		t.Fatalf("a cursor of no message: %v, want ErrBadCursor", err)
	}
}
