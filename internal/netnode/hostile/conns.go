package hostile

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// connFlood holds Options.Attackers idle connections, each from a
// throwaway identity that opens no stream; a connection the node closes is
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
				a, err := r.newAttacker(false)
				if err != nil {
					r.fail(err)
					return
				}
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				err = a.Connect(octx, t)
				cancel()
				if err != nil {
					r.answer("conn: refused")
					_ = a.Close()
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				r.conns.Add(1)
				start := time.Now()
				for pause(ctx, 250*time.Millisecond) && a.host.Network().Connectedness(t.Info.ID) == network.Connected {
				}
				if ctx.Err() == nil {
					r.answer("conn: closed by the node after " + (time.Since(start) / time.Second * time.Second).String())
				}
				_ = a.Close()
			}
		})
	},
}
