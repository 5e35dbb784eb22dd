package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kithnet/kith/internal/node"
)

func init() {
	register(&command{
		name:    "store copy",
		summary: "copy this home's entries between its SQLite file and the PostgreSQL database [store] names, and verify the copy (the node must be stopped)",
		help: `--to postgres copies the entries of the home's SQLite store (kith.db) into
the PostgreSQL database and schema that [store] postgres and postgres_schema
name in config.toml (or the PG* environment variables); --to sqlite copies
them back. Every entry goes through the destination's checks, in the order
it arrived at the source; the destination may already hold entries, which
stay. Then the copy is verified log by log: the same heads, and the same
headers and payloads byte for byte. Progress goes to standard error.

Stop the node first ('kith serve' holds the home). Blobs are files in the
home (blobs/) and stay where they are. Afterwards set [store] backend to the
destination in config.toml and start the node again.`,
		flags: strFlag("to", `the destination: "postgres" or "sqlite"`),
		run:   runStoreCopy,
	})
}

// storeCopyJSON is what 'kith store copy --json' prints.
type storeCopyJSON struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	Logs     int     `json:"logs"`
	Entries  int     `json:"entries"`
	Added    int     `json:"added"`
	Known    int     `json:"known"`
	Forks    int     `json:"forks"`
	Verified bool    `json:"verified"`
	Seconds  float64 `json:"seconds"`
}

func runStoreCopy(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	to := c.str("to")
	if to != node.BackendPostgres && to != node.BackendSQLite {
		return usagef("--to: give %q or %q", node.BackendPostgres, node.BackendSQLite)
	}
	var last time.Time
	progress := func(p node.CopyProgress) {
		if now := time.Now(); p.Done == p.Total || now.Sub(last) >= time.Second {
			last = now
			fmt.Fprintf(c.env.Stderr, "copied %d of %d entries\n", p.Done, p.Total)
		}
	}
	rep, err := node.CopyStore(ctx, c.home, to, progress)
	if err != nil {
		return err
	}
	out := storeCopyJSON{From: rep.From, To: rep.To, Logs: rep.Logs, Entries: rep.Entries, Added: rep.Added,
		Known: rep.Known, Forks: rep.Forks, Verified: rep.Verified, Seconds: rep.Seconds}
	return c.out(out, func(w io.Writer) {
		fmt.Fprintf(w, "Copied %d entries of %d logs (%d new, %d already there; %d pieces of fork evidence) in %.1f s\n  from %s\n  to   %s\nVerified: every log has the same head and the same entries in both.\n",
			rep.Entries, rep.Logs, rep.Added, rep.Known, rep.Forks, rep.Seconds, rep.From, rep.To)
		if to == node.BackendPostgres {
			fmt.Fprintln(w, `To use it, set [store] backend = "postgres" in config.toml and start the node.`)
		} else {
			fmt.Fprintln(w, `To use it, set [store] backend = "sqlite" in config.toml and start the node.`)
		}
	})
}
