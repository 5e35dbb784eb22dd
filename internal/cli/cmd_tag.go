package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "tag",
		args:    "ENTRY LABEL",
		summary: "label an entry, yours or another's (--remove takes the label off)",
		flags:   flags(boolFlag("remove", "take the label off the entry")),
		run:     runTag,
	})
	register(&command{
		name:    "tags",
		args:    "[LABEL]",
		summary: "list the entries you labelled (with LABEL, or any); --entry ENTRY shows the labels on one entry",
		flags:   flags(strFlag("entry", "show the labels everyone put on this entry (ent_…)")),
		run:     runTags,
	})
}

func runTag(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	target, err := parseEntryArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.TagRequest{Label: c.args[1], Removed: c.flagBool("remove")}
	return c.withSocial(func(b socialBackend) error {
		r, err := b.Tag(ctx, target, req)
		if err != nil {
			return err
		}
		return c.out(r, func(w io.Writer) {
			if r.Removed {
				fmt.Fprintf(w, "You took the label %q off %s.\n", termText(r.Label), r.Target)
				return
			}
			fmt.Fprintf(w, "You labelled %s %q.\n", r.Target, termText(r.Label))
		})
	})
}

func runTags(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 1); err != nil {
		return err
	}
	if e := c.str("entry"); e != "" {
		if len(c.args) > 0 {
			return usagef("give a LABEL or --entry, not both")
		}
		id, err := parseEntryArg(e)
		if err != nil {
			return err
		}
		return c.withSocial(func(b socialBackend) error {
			ts, err := b.Tags(ctx, []string{id})
			if err != nil {
				return err
			}
			return c.out(ts, func(w io.Writer) {
				if len(ts.Entries[0].Labels) == 0 {
					fmt.Fprintln(w, "No labels on this entry yet. Add one: kith tag "+id+" LABEL")
				}
				for _, l := range ts.Entries[0].Labels {
					mark := ""
					if l.Mine {
						mark = "  (yours)"
					}
					fmt.Fprintf(w, "%s  %d%s\n", termText(l.Label), l.Count, mark)
				}
			})
		})
	}
	label := ""
	if len(c.args) == 1 {
		label = c.args[0]
	}
	return c.withSocial(func(b socialBackend) error {
		ts, err := b.MyTags(ctx, label)
		if err != nil {
			return err
		}
		return c.out(ts, func(w io.Writer) {
			if len(ts.Tags) == 0 {
				fmt.Fprintln(w, "You have labelled nothing yet. Label an entry: kith tag ENTRY LABEL")
			}
			for _, t := range ts.Tags {
				fmt.Fprintf(w, "%s  %s\n", termText(t.Label), t.Entry)
			}
		})
	})
}
