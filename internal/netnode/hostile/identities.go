package hostile

import (
	"context"
	"time"
)

// identityFlood is many identities at once (issue 11 item 2): each a fresh
// device of a fresh account (a bare connection: no libp2p host per
// identity) that opens a sync session, which makes the
// node ask for and check its certificate, reconciles once (an empty list:
// the node answers with what it offers) and goes; then the next identity.
// Nothing here breaks the protocol; what a node must not do is keep every
// stranger's certificate as a log of its own.
var identityFlood = Attack{
	Name:  "identity-flood",
	About: "fresh identities, -attackers at a time, each opening a sync session (the node fetches its certificate), reconciling once and leaving, replaced at once (issue 11 item 2)",
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		each(o.Attackers, func(int) {
			for ctx.Err() == nil {
				r.mu.Lock()
				r.identities++
				r.mu.Unlock()
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				a, err := dialBare(octx, t)
				cancel()
				var c *syncConn
				if err == nil {
					r.conns.Add(1)
					c, err = openSyncBare(ctx, a, r, nil, nil)
					if err != nil {
						_ = a.Close()
					}
				}
				if err != nil {
					r.answer("sync: refused")
					if !pause(ctx, 100*time.Millisecond) {
						return
					}
					continue
				}
				if err := c.send(syncListAll()); err == nil {
					select {
					case <-c.reconciles:
						r.answer("sync: session")
					case <-c.done:
					case <-time.After(20 * time.Second):
						r.answer("sync: no answer in 20 s")
					case <-ctx.Done():
					}
				}
				c.close()
				_ = a.Close()
			}
		})
	},
}
