package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "ui",
		summary: "print the Web UI link of the node running on this home (open it in a browser on this machine)",
		help: `The link signs the browser in with the node's API token, which changes at
every start of 'kith serve': run 'kith ui' again after a restart.`,
		run: runUI,
	})
}

func runUI(_ context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	if _, err := c.remote(); err != nil {
		return err
	}
	e, err := wire.ReadEndpoint(c.home)
	if err != nil {
		return err
	}
	link := webLink(e.URL, e.Token)
	return c.out(struct {
		Web string `json:"web"`
	}{link}, func(w io.Writer) {
		fmt.Fprintf(w, "Web UI   %s\n", link)
	})
}
