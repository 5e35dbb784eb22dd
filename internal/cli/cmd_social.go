package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/identity"
)

func init() {
	for _, v := range []struct {
		name, summary string
		block, on     bool
	}{
		{"follow", "follow an account: its logs are replicated to you", false, true},
		{"unfollow", "stop following an account", false, false},
		{"block", "block an account: never replicated from or to", true, true},
		{"unblock", "lift a block", true, false},
	} {
		register(&command{
			name:    v.name,
			args:    "ACCOUNT",
			summary: v.summary,
			run: func(ctx context.Context, c *call) error {
				if err := c.wantArgs(1, 1); err != nil {
					return err
				}
				a, err := identity.ParseAccount(c.args[0])
				if err != nil {
					return usagef("%v", err)
				}
				return c.withBackend(func(b backend) error {
					var id string
					if v.block {
						r, err := b.Block(ctx, a.String(), v.on)
						if err != nil {
							return err
						}
						id = r.ID
					} else {
						r, err := b.Follow(ctx, a.String(), v.on)
						if err != nil {
							return err
						}
						id = r.ID
					}
					return c.out(map[string]any{"id": id, "account": a.String(), v.name: true}, func(w io.Writer) { fmt.Fprintln(w, id) })
				})
			},
		})
	}
}
