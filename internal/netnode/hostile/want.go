package hostile

import (
	"context"
	"time"
)

// wantFlood reconciles once to learn every log the node offers, then
// sends WANT after WANT as fast as the stream takes them, each of 1,024
// logs: every offered log again from seq 1 (which restarts it, so the node
// sends it all over again) and random logs it does not hold to fill the
// message. The attacker grants credit for whatever the node sends and
// throws it away. A node that keeps every log named (before sync.md's
// "Serving wants") is taken past the 100,000 logs one side may want at once
// within 98 messages; one that serves only logs it holds keeps nothing of
// the random logs, and the random logs and restarts take the session past
// the 10,000 wants of no use within 10 messages. Either is a limit
// violation, which a node penalises.
var wantFlood = Attack{
	Name:      "want-flood",
	About:     "WANTs of 1,024 logs as fast as the stream takes them, past 10,000 wants of no use (and 100,000 open wants): every offered log again from seq 1, filled with random logs; what the node sends is credited and dropped",
	Penalised: true,
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(true)
			if err != nil {
				r.fail(err)
				return
			}
			rng := newRand()
			for ctx.Err() == nil {
				credit := func(c *syncConn, body []byte) {
					_ = c.send(syncCredit(entriesCount(body), uint64(len(body)+4)))
				}
				c, err := openSync(ctx, a, t, r, syncCredit(65536, 64<<20), credit)
				if err != nil {
					r.answer("sync: refused")
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				var offered [][64]byte
				if err := c.send(syncListAll()); err == nil {
					select {
					case body := <-c.reconciles:
						offered, _ = offeredKeys(body)
					case <-c.done:
					case <-ctx.Done():
					case <-time.After(20 * time.Second):
					}
				}
				_ = c.send([]byte{0x81, kindWantsDone})
				for ctx.Err() == nil {
					keys := randomKeys(rng, 1024)
					copy(keys, offered)
					if err := c.send(syncWant(keys, 1)); err != nil {
						break
					}
				}
				c.close()
			}
		})
	},
}
