package node

import (
	"flag"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

var benchConvMessages = flag.Int("convmessages", 2000, "messages of the conversation BenchmarkConversationLast50 reads")

// BenchmarkConversationLast50 reads the last 50 messages of a conversation
// of 2,000 (-convmessages) between two people: page (what it opened before
// in the in-memory cache of opened payloads, as when a page is shown
// again) and page-cold (the cache emptied first: every message opened, as
// every read did before pages).
func BenchmarkConversationLast50(b *testing.B) {
	ns := newMessageNodes(b, 2)
	a, r := ns[0], ns[1]
	ctx := b.Context()
	id, _, err := a.SendMessage(ctx, []identity.PublicKey{r.account}, "message 0")
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i < *benchConvMessages; i++ {
		if _, err := a.Reply(ctx, id, fmt.Sprintf("message %d", i), entry.ID{}); err != nil {
			b.Fatal(err)
		}
	}
	exchange(b, a, r)
	last := fmt.Sprintf("message %d", *benchConvMessages-1)
	read := func(b *testing.B) {
		p, err := r.ConversationPage(ctx, id, ConversationQuery{Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if th := p.View.Thread; len(th) != 50 || th[49].Text != last {
			b.Fatalf("%d messages, the last %q", len(th), th[len(th)-1].Text)
		}
	}
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			read(b)
		}
	})
	b.Run("page-cold", func(b *testing.B) {
		for b.Loop() {
			r.views.reset()
			read(b)
		}
	})
}
