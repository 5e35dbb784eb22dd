package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// The requests commands (doc/api.md, "Requests and dropboxes"): letters
// from people this account does not follow, left at its dropboxes
// (doc/protocol/services.md §8). They need a running node.

func init() {
	register(&command{
		name:    "requests",
		summary: "list the letters people you do not follow left at your dropboxes (needs a running node)",
		run:     runRequestsList,
	})
	register(&command{
		name:    "requests list",
		summary: "list the letters people you do not follow left at your dropboxes (needs a running node)",
		run:     runRequestsList,
	})
	register(&command{
		name:    "requests show",
		args:    "ID",
		summary: "show one request: who wrote it and what (ID: as 'kith requests' prints it, or its first 8 digits or more)",
		run:     runRequestsShow,
	})
	register(&command{
		name:    "requests answer",
		args:    "ID TEXT",
		summary: "answer a request with a private message to its sender; they learn nothing of the request otherwise",
		run:     runRequestsAnswer,
	})
	register(&command{
		name:    "requests accept",
		args:    "ID",
		summary: "follow the sender of a request",
		run:     runRequestsAccept,
	})
	register(&command{
		name:    "requests ignore",
		args:    "ID",
		summary: "forget a request (the sender is not told)",
		run:     runRequestsIgnore,
	})
	register(&command{
		name:    "requests send",
		args:    "PERSON TEXT",
		summary: "leave a letter for someone who does not follow you at their dropbox (PERSON: acc_… or the name of someone you follow)",
		run:     runRequestsSend,
	})
	register(&command{
		name:    "requests dropbox",
		args:    "[HUB…]",
		summary: "name the hubs (multiaddrs with /p2p/) that keep your dropbox, so that people you do not follow can write to you; none: show them (--of ACCOUNT: someone else's, as this node holds them)",
		flags:   flags(strFlag("of", "show the hubs of this account (acc_…) instead of yours")),
		run:     runRequestsDropbox,
	})
}

func runRequestsList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	rs, err := cl.Requests(ctx)
	if err != nil {
		return err
	}
	return c.out(rs, func(w io.Writer) {
		if len(rs.Requests) == 0 {
			fmt.Fprintln(w, "no requests: nobody you do not follow has written to you (name your dropbox with 'kith requests dropbox HUB')")
			return
		}
		for _, r := range rs.Requests {
			fmt.Fprintf(w, "%s  %s  %s%s\n", r.ID[:12], requestFrom(r), requestLine(r.Text, 60), requestState(r))
		}
	})
}

func requestFrom(r wire.Request) string {
	if r.FromName != "" {
		return termText(r.FromName) + " (" + r.From + ")"
	}
	return r.From
}

func requestState(r wire.Request) string {
	var s []string
	if r.Answered != "" {
		s = append(s, "answered")
	}
	if r.Following {
		s = append(s, "following")
	}
	if len(s) == 0 {
		return ""
	}
	return "  [" + strings.Join(s, ", ") + "]"
}

func requestLine(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return termText(s)
}

func printRequest(w io.Writer, r wire.Request) {
	fmt.Fprintf(w, "request %s\nfrom    %s, device %s\nsent    %s (their clock)\nvia     dropbox %s\n", r.ID, requestFrom(r), r.Device,
		time.UnixMilli(r.SentMs).UTC().Format(time.RFC3339), r.Hub)
	if st := requestState(r); st != "" {
		fmt.Fprintf(w, "state  %s\n", st)
	}
	fmt.Fprintf(w, "\n%s\n", termText(r.Text))
}

func runRequestsShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	r, err := cl.Request(ctx, c.args[0])
	if err != nil {
		return err
	}
	return c.out(r, func(w io.Writer) { printRequest(w, r) })
}

func runRequestsAnswer(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	a, err := cl.AnswerRequest(ctx, c.args[0], wire.RequestAnswer{Text: c.args[1]})
	if err != nil {
		return err
	}
	return c.out(a, func(w io.Writer) {
		fmt.Fprintf(w, "answered: conversation %s ('kith message show %s' follows it)\n", a.Conversation, a.Conversation[:12])
	})
}

func runRequestsAccept(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	r, err := cl.AcceptRequest(ctx, c.args[0])
	if err != nil {
		return err
	}
	return c.out(r, func(w io.Writer) { fmt.Fprintf(w, "following %s\n", requestFrom(r)) })
}

func runRequestsIgnore(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	r, err := cl.IgnoreRequest(ctx, c.args[0])
	if err != nil {
		return err
	}
	return c.out(r, func(w io.Writer) { fmt.Fprintf(w, "ignored request %s\n", r.ID[:12]) })
}

func runRequestsSend(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	l, err := cl.SendLetter(ctx, wire.LetterSend{To: c.args[0], Text: c.args[1]})
	if err != nil {
		return err
	}
	return c.out(l, func(w io.Writer) {
		fmt.Fprintf(w, "left at dropbox %s; they will see it when their node collects it (no receipt unless they answer)\n", l.Hub)
	})
}

func runRequestsDropbox(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 8); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	var hs wire.Hubs
	if c.str("of") != "" && len(c.args) > 0 {
		return usagef("give hubs to name yours, or --of ACCOUNT to show someone's, not both")
	}
	if len(c.args) == 0 {
		hs, err = cl.Hubs(ctx, c.str("of"))
	} else {
		req := wire.Hubs{}
		for _, a := range c.args {
			req.Hubs = append(req.Hubs, wire.HubAddr{Addr: a, Dropbox: true})
		}
		hs, err = cl.SetHubs(ctx, req)
	}
	if err != nil {
		return err
	}
	return c.out(hs, func(w io.Writer) {
		if len(hs.Hubs) == 0 {
			fmt.Fprintln(w, "no dropbox: name one with 'kith requests dropbox HUB_MULTIADDR/p2p/…'")
		}
		for _, h := range hs.Hubs {
			kind := "hub"
			if h.Dropbox {
				kind = "dropbox"
			}
			fmt.Fprintf(w, "%s  %s  %s\n", kind, h.Hub, h.Addr)
		}
	})
}
