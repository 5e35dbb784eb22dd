package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "lease",
		args:    "HOLDER",
		summary: "ask a hub (its address, /ip4/…/p2p/…) to keep this account's logs and their blobs under a lease, renewed from then on; a refusal says why; --stop HOLDER (dev_…) stops asking (needs a running node)",
		run:     runLease,
		flags:   boolFlag("stop", "stop asking the holder (dev_…): the lease is not renewed, and the holder drops the logs when it ends"),
	})
	register(&command{
		name:    "leases",
		summary: "list the holders asked to keep this account's logs, and the leases this node keeps for others",
		run:     runLeases,
	})
}

func runLease(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	if c.flagBool("stop") {
		ls, err := cl.StopLease(ctx, c.args[0])
		if err != nil {
			return err
		}
		return c.out(ls, func(w io.Writer) {
			fmt.Fprintf(w, "no longer asking %s; its lease is not renewed\n", c.args[0])
			printLeases(w, ls, time.Now())
		})
	}
	h, err := cl.Lease(ctx, c.args[0])
	if err != nil {
		return err
	}
	return c.out(h, func(w io.Writer) { printHeldLease(w, h, time.Now()) })
}

func runLeases(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	ls, err := cl.Leases(ctx)
	if err != nil {
		return err
	}
	return c.out(ls, func(w io.Writer) { printLeases(w, ls, time.Now()) })
}

// holderName is how a holder is named: its device name, or its id.
func holderName(h wire.HeldLease) string {
	if h.Name != "" {
		return termText(h.Name) + " (" + h.Holder + ")"
	}
	return h.Holder
}

// untilText says how long from now t is, in days, hours or minutes.
func untilText(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	switch {
	case d <= 0:
		return "now"
	case d >= 48*time.Hour:
		return fmt.Sprintf("in %d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("in %d hours", int(d.Hours()))
	}
	return fmt.Sprintf("in %d min", int(d.Minutes()))
}

// printHeldLease writes one lease this node asks for: its state, and
// what to do when it does not run.
func printHeldLease(w io.Writer, h wire.HeldLease, now time.Time) {
	switch h.State {
	case "held":
		fmt.Fprintf(w, "leased at %s  ends %s, renewed %s; up to %d MiB and %d entries (it held %d KiB, %d entries when it granted)\n",
			holderName(h), untilText(h.Until, now), untilText(h.RenewAt, now), h.Bytes>>20, h.Entries, h.HeldBytes>>10, h.HeldEntries)
		if h.Reason != "" {
			fmt.Fprintf(w, "           the last renewal was refused: %s\n", termText(h.Reason))
		}
	case "refused":
		fmt.Fprintf(w, "refused by %s: %s; asked again %s\n", holderName(h), termText(h.Reason), untilText(h.Next, now))
	case "failing":
		fmt.Fprintf(w, "not reached %s: %s; asked again %s\n", holderName(h), termText(h.Error), untilText(h.Next, now))
	default:
		fmt.Fprintf(w, "asking %s\n", holderName(h))
	}
}

// printLeaseCopies writes the leases under "your data" in 'kith status'.
func printLeaseCopies(w io.Writer, hs []wire.HeldLease) {
	now := time.Now()
	for _, h := range hs {
		fmt.Fprint(w, "           ")
		printHeldLease(w, h, now)
	}
}

// printLeases writes both lists of 'kith leases'.
func printLeases(w io.Writer, ls wire.Leases, now time.Time) {
	if len(ls.Held) == 0 {
		fmt.Fprintln(w, "no holder keeps this account's logs: ask a hub with 'kith lease /ip4/…/p2p/…'")
	}
	for _, h := range ls.Held {
		printHeldLease(w, h, now)
	}
	for _, g := range ls.Granted {
		who := g.Account
		if g.Name != "" {
			who = termText(g.Name) + " (" + g.Account + ")"
		}
		fmt.Fprintf(w, "keeping %s  ends %s; holds %d KiB of %d MiB, %d of %d entries\n", who, untilText(g.Until, now), g.HeldBytes>>10, g.Bytes>>20, g.HeldEntries, g.Entries)
		if g.Over != "" {
			fmt.Fprintf(w, "           over its limits, taking no more: %s\n", termText(g.Over))
		}
	}
}
