package api

import (
	"context"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// countedFeedPage is feedPageOf with the reply count of every post that
// starts a thread (wire.FeedItem.Replies): what a card shows as "3
// replies".
func (s *Service) countedFeedPage(ctx context.Context, p node.FeedPage) (wire.FeedPage, error) {
	out := feedPageOf(p)
	var roots []entry.ID
	for i := range p.Items {
		if p.Items[i].Root.IsZero() {
			roots = append(roots, p.Items[i].Entry.ID)
		}
	}
	counts, err := s.n.ReplyCounts(ctx, roots)
	if err != nil {
		return wire.FeedPage{}, err
	}
	for i := range p.Items {
		if p.Items[i].Root.IsZero() {
			n := counts[p.Items[i].Entry.ID]
			out.Items[i].Replies = &n
		}
	}
	return out, nil
}
