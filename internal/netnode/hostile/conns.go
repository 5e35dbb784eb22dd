package hostile

import (
	"context"
	"time"
)

// connFlood holds Options.Attackers idle connections, each from a
// throwaway identity that opens no stream (a bare connection: no libp2p
// host per identity); a connection the node closes is
// replaced by one from a new identity (issue 11 item 3: 384 of them, the
// inbound limit, kept honest newcomers out). Idling breaks no rule; a node
// must keep room for the peers it wants and trim connections that open no
// kith stream before it refuses honest newcomers.
var connFlood = Attack{
	Name:  "conn-flood",
	About: "-attackers idle connections from throwaway identities that open no stream, each replaced by a new identity when the node closes it (issue 11 item 3)",
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		each(o.Attackers, func(int) {
			for ctx.Err() == nil {
				r.mu.Lock()
				r.identities++
				r.mu.Unlock()
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				c, err := dialBare(octx, t)
				cancel()
				if err != nil {
					r.answer("conn: refused")
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				r.conns.Add(1)
				start := time.Now()
				select {
				case <-c.done:
					r.answer("conn: closed by the node after " + (time.Since(start) / time.Second * time.Second).String())
				case <-ctx.Done():
				}
				_ = c.Close()
			}
		})
	},
}
