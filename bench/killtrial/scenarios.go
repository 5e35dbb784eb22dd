package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// wantHeads are the heads of the benchmark logs (benchkit.SignLog is
// deterministic).
func wantHeads(c config) map[store.LogKey]store.Head {
	out := map[store.LogKey]store.Head{}
	for l := range c.logs {
		es := benchkit.SignLog(l, c.perLog)
		k := benchkit.LogKey(l)
		out[k] = store.Head{Log: k, Seq: uint64(c.perLog), ID: es[len(es)-1].ID}
	}
	return out
}

// holdsAll says what of want n does not hold.
func holdsAll(ctx context.Context, n *node.Node, want map[store.LogKey]store.Head) error {
	for k, w := range want {
		h, err := n.Store().Head(ctx, k)
		if err != nil || h.Seq != w.Seq || h.ID != w.ID {
			return fmt.Errorf("log %s: head seq %d (%v), want %d", k, h.Seq, err, w.Seq)
		}
	}
	return nil
}

// settled waits until the node's entry count reaches target and stays put
// for a second, for at most limit.
func settled(ctx context.Context, p *benchkit.Proc, target uint64, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last uint64
	var since time.Time
	return benchkit.WaitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		st, err := p.Client.Status(ctx)
		if err != nil {
			return false, err
		}
		if st.Entries != last {
			last, since = st.Entries, time.Now()
		}
		return st.Entries >= target && time.Since(since) > time.Second, nil
	})
}

func entryCount(ctx context.Context, home string) (uint64, error) {
	n, err := node.Open(home, node.Options{})
	if err != nil {
		return 0, err
	}
	defer n.Close()
	hs, err := n.Store().Heads(ctx)
	var total uint64
	for _, h := range hs {
		total += h.Seq
	}
	return total, err
}
