package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// SpaceQuery selects a page of a space's messages. The order is this
// node's arrival order (each author's messages in seq order), never the
// authors' claimed times; a page is the newest Limit messages that arrived
// before Before.
type SpaceQuery struct {
	Limit  int   // at most this many, the newest; 0: all
	Before int64 // a SpacePage.Older of an earlier read; 0: from the newest
}

// SpacePage is a page of a space's messages, oldest first.
type SpacePage struct {
	Messages []SpaceMessage
	// Earlier counts the messages held that arrived before the first.
	Earlier int
	// Older is the SpaceQuery.Before of the page before this one; 0 when
	// Earlier is 0.
	Older int64
}

// ErrBadCursor is returned for a SpaceQuery.Before (or a conversation's
// cursor) that no read gave.
var ErrBadCursor = errors.New("not a cursor a read of this node gave")

// SpacePage opens one page of the content entries of a space held here
// (spaces.md §5). It reads only the page's entries and decrypts only those
// not in the in-memory cache of opened payloads (viewcache.go); nothing it
// decrypts is written anywhere (spaces.md §6).
func (n *Node) SpacePage(ctx context.Context, id entry.ID, q SpaceQuery) (*SpacePage, error) {
	if q.Limit < 0 || q.Before < 0 {
		return nil, fmt.Errorf("%w: limit %d, before %d", ErrBadCursor, q.Limit, q.Before)
	}
	st, _, err := n.keep(ctx, id, true)
	if err != nil {
		return nil, err
	}
	n.rings.mu.Lock()
	defer n.rings.mu.Unlock()
	r := n.ring(id)
	logKey, ok := r.logKey()
	if !ok {
		return &SpacePage{}, nil
	}
	var cands []*store.Stored
	held := 0
	for _, a := range st.Named() {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			log := store.LogKey{Author: d.Device, LogID: entry.LogID(seal.LogID(logKey, seal.ID(d.Device)))}
			top, err := n.topBefore(ctx, log, q.Before)
			if err != nil {
				return nil, err
			}
			held += int(top)
			from := uint64(1)
			if q.Limit > 0 && top > uint64(q.Limit) {
				from = top - uint64(q.Limit) + 1
			}
			for from <= top {
				es, err := n.store.Log(ctx, log, from, int(min(1000, top-from+1)))
				if err != nil {
					return nil, err
				}
				if len(es) == 0 {
					break
				}
				cands = append(cands, es...)
				from = es[len(es)-1].Header.Seq + 1
			}
		}
	}
	slices.SortFunc(cands, func(a, b *store.Stored) int { return cmp.Compare(b.Cursor, a.Cursor) })
	if q.Limit > 0 && len(cands) > q.Limit {
		cands = cands[:q.Limit]
	}
	slices.Reverse(cands)
	page := &SpacePage{Earlier: held - len(cands)}
	if page.Earlier > 0 {
		page.Older = cands[0].Cursor
	}
	// The epochs of each log up to the highest seq shown, for the entries
	// sealed under an epoch that another follows (keyring.md §4): an
	// entry under a head of the epoch graph (the current epoch, usually)
	// cannot be outdated, and needs none.
	_, heads := r.ring.Current()
	upTo := map[store.LogKey]uint64{}
	for _, e := range cands {
		if ep, err := seal.SealedEpoch(e.Payload); err != nil || slices.Contains(heads, ep) {
			continue
		}
		k := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
		upTo[k] = max(upTo[k], e.Header.Seq)
	}
	idx := map[store.LogKey]*logEpochs{}
	for k, s := range upTo {
		if idx[k], err = n.logEpochsTo(ctx, k, s, r.ring); err != nil {
			return nil, err
		}
	}
	page.Messages = make([]SpaceMessage, 0, len(cands))
	for _, e := range cands {
		m := SpaceMessage{ID: e.ID, Device: e.Header.Author, Seq: e.Header.Seq}
		acc, speaks := st.AccountOf(e.Header.Author)
		if speaks {
			m.Account = acc
			m.Removed = st.Members[acc] == 0
		}
		n.openOne(st, r, e.Entry, &m, speaks, idx[store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}])
		page.Messages = append(page.Messages, m)
	}
	return page, nil
}

// topBefore returns the highest seq of log whose entry arrived before the
// cursor before (0: the head), 0 when none did. Within a log the arrival
// order is the seq order (a store takes a log's entries in seq order), so
// it is a binary search over seqs.
func (n *Node) topBefore(ctx context.Context, log store.LogKey, before int64) (uint64, error) {
	h, err := n.store.Head(ctx, log)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	if before == 0 {
		return h.Seq, nil
	}
	cursorAt := func(seq uint64) (int64, error) {
		es, err := n.store.Log(ctx, log, seq, 1)
		if err != nil {
			return 0, err
		}
		if len(es) == 0 || es[0].Header.Seq != seq {
			return 0, fmt.Errorf("read log %s: seq %d is not held below its head %d", log, seq, h.Seq)
		}
		return es[0].Cursor, nil
	}
	lo, hi := uint64(0), h.Seq // cursorAt(lo) < before (lo 0: none), cursorAt(hi) ≥ before
	c, err := cursorAt(hi)
	if err != nil || c < before {
		return hi, err
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		c, err := cursorAt(mid)
		if err != nil {
			return 0, err
		}
		if c < before {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// openedPost is a content entry's payload as opened: cached in memory.
type openedPost struct {
	epoch  seal.ID
	timeMs uint64
	post   *space.Post
}

func (p *openedPost) size() int {
	return len(p.post.Text) + len(p.post.Refs)*len(entry.ID{})
}
