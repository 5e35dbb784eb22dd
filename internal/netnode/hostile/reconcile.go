package hostile

import (
	"context"
	"time"
)

// reconcileFlood is issue 11 item 1: a fresh device opens /kith/sync/1 and
// fills RECONCILE messages with "list" ranges of random items (18,560 per
// message of just under 2 MiB), each message ending with a fingerprint
// that cannot match, so the exchange goes on round after round. A session
// the node ends is opened again at once.
var reconcileFlood = Attack{
	Name:      "reconcile-flood",
	About:     "RECONCILE messages of 18,560 random items in list ranges, each ending with a fingerprint that never matches (issue 11 item 1)",
	Penalised: true,
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(true)
			if err != nil {
				r.fail(err)
				return
			}
			src := newChaCha()
			for ctx.Err() == nil {
				c, err := openSync(ctx, a, t, r, nil, nil)
				if err != nil {
					r.answer("sync: refused")
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				for ctx.Err() == nil {
					if err := c.send(syncFlood(src)); err != nil {
						break
					}
					select {
					case <-c.reconciles:
						continue
					case <-c.done:
					case <-ctx.Done():
					}
					break
				}
				c.close()
			}
		})
	},
}
