package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func init() {
	register(&command{
		name:    "log",
		args:    "[ACCOUNT|DEVICE]",
		summary: "list the entries of an account (all its devices) or one device; default: your account",
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

func runLog(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 1); err != nil {
		return err
	}
	who := ""
	if len(c.args) == 1 {
		kind, b, err := identity.ParseAny(c.args[0], identity.KindAccount, identity.KindDevice)
		if err != nil {
			return usagef("%v", err)
		}
		who = identity.Encode(kind, b)
	}
	return c.withBackend(func(b backend) error {
		q := wire.EntriesQuery{Author: who, Limit: logPage}
		for {
			page, err := b.Entries(ctx, q)
			if err != nil {
				return err
			}
			for _, j := range page.Entries {
				if c.json {
					line, err := json.Marshal(j)
					if err != nil {
						return err
					}
					if _, err := c.env.Stdout.Write(append(termJSON(line), '\n')); err != nil {
						return err
					}
					continue
				}
				printEntryLine(c.env.Stdout, j)
			}
			if page.NextCursor == "" {
				return nil
			}
			q.Cursor = page.NextCursor
		}
	})
}

func printEntryLine(w io.Writer, j entryJSON) {
	ts := time.UnixMilli(int64(j.Timestamp)).UTC().Format("2006-01-02 15:04:05")
	typ := "-"
	if j.Type != nil {
		typ = *j.Type
	}
	summary := ""
	switch {
	case j.Deleted:
		summary = "(deleted)"
	case j.Withheld:
		summary = "(payload not held)"
	case j.Payload != nil:
		if t, ok := j.Payload["text"].(string); ok {
			summary = t
		} else if nm, ok := j.Payload["name"].(string); ok {
			summary = nm
		}
	}
	if len(summary) > 60 {
		cut := 57
		for cut > 0 && !utf8.RuneStart(summary[cut]) {
			cut-- // never cut a character in two
		}
		summary = summary[:cut] + "..."
	}
	fmt.Fprintf(w, "%s  %s #%d  %-13s %s  %s\n", ts, short(j.Author), j.Seq, typ, j.ID, termText(strings.ReplaceAll(summary, "\n", " ")))
}

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
