package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	for _, v := range []struct {
		name, summary string
		on            bool
	}{
		{"mute", "stop seeing an account on all your devices, without telling anyone (only your devices can read the list)", true},
		{"unmute", "see a muted account again", false},
	} {
		register(&command{
			name:    v.name,
			args:    "ACCOUNT",
			summary: v.summary,
			run: func(ctx context.Context, c *call) error {
				if err := c.wantArgs(1, 1); err != nil {
					return err
				}
				a, err := parseAccountArg(c.args[0])
				if err != nil {
					return err
				}
				return c.withSocial(func(b socialBackend) error {
					ms, err := b.Mute(ctx, a, v.on)
					if err != nil {
						return err
					}
					return c.out(ms, func(w io.Writer) {
						who := a
						for _, m := range ms.Accounts {
							if m.Account == a && m.Name != "" {
								who = termText(m.Name) + " (" + a + ")"
							}
						}
						if v.on {
							fmt.Fprintf(w, "You muted %s. Nobody is told; 'kith unmute %s' undoes it.\n", who, a)
						} else {
							fmt.Fprintf(w, "You unmuted %s.\n", who)
						}
					})
				})
			},
		})
	}
	register(&command{
		name:    "mutes",
		summary: "list the accounts you mute",
		run: func(ctx context.Context, c *call) error {
			if err := c.wantArgs(0, 0); err != nil {
				return err
			}
			return c.withSocial(func(b socialBackend) error {
				ms, err := b.Mutes(ctx)
				if err != nil {
					return err
				}
				return c.out(ms, func(w io.Writer) { printMutes(w, ms) })
			})
		},
	})
}

func printMutes(w io.Writer, ms wire.Mutes) {
	if len(ms.Accounts) == 0 {
		fmt.Fprintln(w, "You mute no one.")
		return
	}
	for _, m := range ms.Accounts {
		name := "(no name)"
		if m.Name != "" {
			name = termText(m.Name)
		}
		fmt.Fprintf(w, "%s  %s\n", name, m.Account)
	}
}
