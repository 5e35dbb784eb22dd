package benchkit

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// WorkDir returns dir, or, when dir is empty, a new temporary directory
// named kith-bench-NAME-… and a function that removes it (for dir given,
// one that does nothing).
func WorkDir(dir, name string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	d, err := os.MkdirTemp("", "kith-bench-"+name+"-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}

// WaitEntries polls p, the receiving node B of a two-node benchmark,
// every interval until it holds target entries, saying how many it holds
// every 5 s, and returns when it first saw them all.
func (p *Proc) WaitEntries(ctx context.Context, target uint64, interval time.Duration) (time.Time, error) {
	last := time.Now()
	err := WaitFor(ctx, interval, func() (bool, error) {
		st, err := p.Client.Status(ctx)
		if err != nil {
			return false, err
		}
		if time.Since(last) > 5*time.Second {
			last = time.Now()
			Logf("  B holds %d of %d entries", st.Entries, target)
		}
		return st.Entries >= target, nil
	})
	return time.Now(), err
}

// SyncPeer returns the one peer of p, node B of a two-node benchmark,
// which must have a sync session (its byte counts and connection time).
func (p *Proc) SyncPeer(ctx context.Context) (wire.Peer, error) {
	peers, err := p.Client.Peers(ctx)
	if err != nil {
		return wire.Peer{}, err
	}
	if len(peers.Peers) != 1 || peers.Peers[0].Sync == nil {
		return wire.Peer{}, fmt.Errorf("peers of B: %+v, want one with a sync session", peers.Peers)
	}
	return peers.Peers[0], nil
}
