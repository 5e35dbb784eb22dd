package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

func init() {
	register(&command{
		name:    "log",
		args:    "[ACCOUNT|DEVICE]",
		summary: "list the entries of an account (all its devices) or one device, one log after another; default: your account",
		run:     runLog,
	})
	register(&command{
		name:    "show",
		args:    "ENTRY_ID",
		summary: "show one entry; --raw prints the exact header and payload bytes in hex",
		flags:   boolFlag("raw", "print the exact encoded header and payload as hex"),
		run:     runShow,
	})
}

// entryJSON is the --json form of an entry: the API's.
type entryJSON = wire.Entry

// logPage is how many entries 'kith log' asks for at a time.
const logPage = wire.MaxEntriesLimit

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

func runShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := entry.ParseID(c.args[0])
	if err != nil {
		return usagef("%v", err)
	}
	return c.withBackend(func(b backend) error {
		if c.flagBool("raw") {
			e, err := b.RawEntry(ctx, id.String())
			if err != nil {
				return err
			}
			raw := map[string]any{"id": e.ID, "header_hex": e.HeaderHex, "payload_hex": nil}
			if e.PayloadHex != nil {
				raw["payload_hex"] = *e.PayloadHex
			}
			return c.out(raw, func(w io.Writer) {
				fmt.Fprintf(w, "header  %s\n", e.HeaderHex)
				if e.PayloadHex != nil {
					fmt.Fprintf(w, "payload %s\n", *e.PayloadHex)
				} else {
					fmt.Fprintln(w, "payload (not held)")
				}
			})
		}
		j, err := b.Entry(ctx, id.String())
		if err != nil {
			return err
		}
		return c.out(j, func(w io.Writer) {
			b, _ := json.MarshalIndent(j, "", "  ")
			fmt.Fprintln(w, string(termJSON(b)))
		})
	})
}
