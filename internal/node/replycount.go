package node

import (
	"context"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// ReplyCounts returns, for each of roots, the number of replies its
// thread shows (Thread's Replies: held, not deleted, blocked and muted
// authors left out), counting at most MaxThreadReplies each. Feeds show
// it on the posts that start a thread.
func (n *Node) ReplyCounts(ctx context.Context, roots []entry.ID) (map[entry.ID]int, error) {
	out := make(map[entry.ID]int, len(roots))
	if len(roots) == 0 {
		return out, nil
	}
	own, err := n.feedRelations(ctx)
	if err != nil {
		return nil, err
	}
	r := n.newResolver()
	for _, root := range roots {
		if _, done := out[root]; done {
			continue
		}
		count := 0
		q := store.Query{Thread: &root, Type: content.TypePost, Limit: MaxThreadReplies}
		for count < MaxThreadReplies {
			es, err := n.store.Find(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				q.After = e.Cursor
				if count == MaxThreadReplies {
					break
				}
				it, ok, err := r.item(ctx, e)
				if err != nil {
					return nil, err
				}
				if ok && !own.blocked[it.Account] && !own.blocked[e.Header.Author] {
					count++
				}
			}
			if len(es) < q.Limit {
				break
			}
		}
		out[root] = count
	}
	return out, nil
}
