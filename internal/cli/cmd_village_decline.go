package cli

import (
	"context"
	"fmt"
	"io"
)

func init() {
	register(&command{
		name:    "village decline",
		args:    "VILLAGE_ID",
		summary: "decline a founding or an invitation you do not want: it is dropped from this node",
		help: "A node holds at most 16 foundings and invitations its account has not answered; declining\n" +
			"one frees its place (notices sent by strangers can fill them). Nobody is told; a new\n" +
			"notice of the same village is refused.",
		run: runVillageDecline,
	})
}

func runVillageDecline(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		d, err := b.DeclineVillage(ctx, id)
		if err != nil {
			return villageFailed(err, id)
		}
		return c.out(d, func(w io.Writer) {
			if d.Invitation {
				fmt.Fprintf(w, "Declined the invitation to %s; its village logs (%d %s) were dropped from this node.\n", d.Village, d.Entries, plural(d.Entries, "entry", "entries"))
			} else if d.Dropped {
				fmt.Fprintf(w, "Declined %s; its founder's found log (%d %s) was dropped from this node.\n", d.Village, d.Entries, plural(d.Entries, "entry", "entries"))
			} else {
				fmt.Fprintf(w, "Declined %s; it is no longer listed (its founder's found log stays: it holds another village you take part in).\n", d.Village)
			}
		})
	})
}
