package node

import (
	"context"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
)

// dropboxTimeout bounds one dropbox exchange, either side
// (doc/protocol/services.md §8.1).
const dropboxTimeout = 10 * time.Second

// dropboxPoll is how often a node collects from its dropboxes while
// connected to them, besides at each connection; dropboxExpiry how often
// a hub drops the letters whose time is up. Variables so that tests can
// shorten them.
var (
	dropboxPoll   = 30 * time.Second
	dropboxExpiry = time.Minute
)

// dropboxNet is the dropbox's state while the network runs: the letters
// kept as a hub (nil when not a hub) and the collections running.
type dropboxNet struct {
	hub *hubDropbox

	mu         sync.Mutex
	collecting map[identity.PublicKey]bool
}

// clock is the hub's clock for its dropbox: the node's (Options.Now) or
// the system's.
func (n *Node) clock() time.Time {
	if n.opts.Now != nil {
		return n.opts.Now()
	}
	return time.Now()
}

// startDropbox loads the letters kept as a hub, registers the dropbox's
// handler and starts collecting from this account's dropboxes: at each
// connection to one and every dropboxPoll while connected.
func (n *Node) startDropbox(ctx context.Context, nw *network) {
	nw.dropbox = &dropboxNet{collecting: map[identity.PublicKey]bool{}}
	if nw.cfg.Hub.On {
		h, err := openHubDropbox(n.dropboxDir(), nw.cfg.Hub.Dropbox.limits(), n.clock(), nw.log)
		if err != nil {
			nw.log.Warn("the dropbox's letters could not be read; this hub keeps no dropbox until restarted", "err", err)
		} else {
			h.onExpired = func(c int) { n.meter.expire("dropbox", c) }
			nw.dropbox.hub = h
		}
	}
	nw.host.Handle(dropbox.Protocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveDropbox(ctx, nw, remote, s)
	})
	nw.host.Subscribe(func(ev netnode.Event) {
		if ev.Kind == netnode.Connected {
			n.collectIfDropbox(ctx, nw, ev.Peer)
		}
	})
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		poll := time.NewTicker(dropboxPoll)
		defer poll.Stop()
		expiry := time.NewTicker(dropboxExpiry)
		defer expiry.Stop()
		n.keepDropboxesConnected(ctx, nw)
		for {
			select {
			case <-ctx.Done():
				return
			case <-poll.C:
				n.keepDropboxesConnected(ctx, nw)
				for _, p := range nw.host.Peers() {
					n.collectIfDropbox(ctx, nw, p.Key)
				}
			case <-expiry.C:
				if h := nw.dropbox.hub; h != nil {
					h.expire(n.clock())
				}
			}
		}
	}()
}
