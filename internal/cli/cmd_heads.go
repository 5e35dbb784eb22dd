package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "heads",
		args:    "HUB [AUTHOR/LOG…]",
		summary: "ask a hub (dev_…) for the heads of logs (dev_…/log_…; none: every log this node holds) and show which this node is behind on (needs a running node)",
		run:     runHeads,
	})
}

func runHeads(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1+wire.MaxHubHeadsLogs); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	h, err := cl.HubHeads(ctx, wire.HubHeadsRequest{Hub: c.args[0], Logs: c.args[1:]})
	if err != nil {
		return err
	}
	return c.out(h, func(w io.Writer) { printHubHeads(w, h) })
}

// printHubHeads writes one line per log, those this node is behind on
// first, then a total.
func printHubHeads(w io.Writer, h wire.HubHeads) {
	for _, behind := range []bool{true, false} {
		for _, l := range h.Heads {
			if l.Behind != behind {
				continue
			}
			state := "up to date"
			switch {
			case l.Behind:
				state = fmt.Sprintf("behind: the hub holds up to %d, this node %d", l.HubSeq, l.Seq)
			case l.HubSeq == 0:
				state = fmt.Sprintf("the hub holds none of it; this node holds up to %d", l.Seq)
			case l.HubSeq < l.Seq:
				state = fmt.Sprintf("ahead: this node holds up to %d, the hub %d", l.Seq, l.HubSeq)
			}
			if l.Forked {
				state += " (forked)"
			}
			if l.Ended {
				state += " (ended)"
			}
			fmt.Fprintf(w, "%s/%s  %s\n", l.Author, l.Log, state)
		}
	}
	fmt.Fprintf(w, "behind on %d of %d logs at hub %s\n", h.Behind, len(h.Heads), h.Hub)
}
