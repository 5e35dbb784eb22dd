package node

import (
	"flag"
	"fmt"
	"testing"
)

var benchSpacePosts = flag.Int("spaceposts", 10000, "sealed posts the reader of BenchmarkSpaceNewest50 holds (a multiple of 1000)")

// BenchmarkSpaceNewest50 reads the newest 50 messages of a space whose
// reader holds 10,000 sealed posts of another member (-spaceposts): all (what the API
// did before pages: open every post, keep the last 50), page (the newest
// page, its posts in the cache of opened payloads, as when a page is shown
// again) and page-cold (the cache and the index of epochs emptied first,
// as at a node's first read).
func BenchmarkSpaceNewest50(b *testing.B) {
	s := newSpaceTrioB(b)
	total, batch := *benchSpacePosts, 1000
	text := func(i int) string { return fmt.Sprintf("post %d, a typical length, about sixty bytes long", i) }
	for i := 0; i < total; i += batch {
		drafts := make([]SpaceDraft, batch)
		for j := range drafts {
			drafts[j].Text = text(i + j)
		}
		if _, err := s.a.PostManyToSpace(b.Context(), s.id, drafts); err != nil {
			b.Fatal(err)
		}
	}
	exchange(b, s.a, s.b)
	check := func(ms []SpaceMessage) {
		if len(ms) != 50 || ms[49].Text != text(total-1) || ms[0].Text != text(total-50) {
			b.Fatalf("%d messages, the newest %q", len(ms), ms[len(ms)-1].Text)
		}
	}
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			ms, err := s.b.SpaceMessages(b.Context(), s.id)
			if err != nil {
				b.Fatal(err)
			}
			check(ms[len(ms)-50:])
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			p, err := s.b.SpacePage(b.Context(), s.id, SpaceQuery{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			check(p.Messages)
		}
	})
	b.Run("page-cold", func(b *testing.B) {
		for b.Loop() {
			s.b.views.reset()
			p, err := s.b.SpacePage(b.Context(), s.id, SpaceQuery{Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			check(p.Messages)
		}
	})
}
