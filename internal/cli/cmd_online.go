package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "online",
		summary: "show who is online at this node's hubs (accounts that follow each other, or share a village), the hubs this node is online at, and the messages that came through them (needs a running node)",
		run:     runOnline,
	})
	register(&command{
		name:    "signal",
		args:    "DEVICE TEXT…",
		summary: "send a short message (at most 1,024 bytes) to a device (dev_…) online at a hub this node is online at; it is not stored (needs a running node)",
		run:     runSignal,
	})
}

func runOnline(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	o, err := cl.Online(ctx)
	if err != nil {
		return err
	}
	return c.out(o, func(w io.Writer) { printOnline(w, o) })
}

// printOnline writes who is online, one line each, the hubs this node is
// online at, and the messages that came.
func printOnline(w io.Writer, o wire.Online) {
	if len(o.Hubs) == 0 {
		fmt.Fprintln(w, "this node is online at no hub: add a hub that offers presence (hubs in config.toml, or kith peers add ADDR)")
		return
	}
	hubs := make([]string, 0, len(o.Hubs))
	for _, h := range o.Hubs {
		hubs = append(hubs, hubName(h))
	}
	fmt.Fprintf(w, "this node is online at %s\n", strings.Join(hubs, ", "))
	if len(o.Online) == 0 {
		fmt.Fprintln(w, "nobody it watches is online there")
	}
	for _, p := range o.Online {
		who := termText(p.Name)
		if who == "" {
			who = p.Account
		}
		if p.DeviceName != "" {
			who += " (" + termText(p.DeviceName) + ")"
		}
		via := make([]string, 0, len(p.Hubs))
		for _, h := range p.Hubs {
			via = append(via, hubName(h))
		}
		fmt.Fprintf(w, "● %s  %s  online via %s\n", who, p.Device, strings.Join(via, ", "))
	}
	for _, s := range o.Signals {
		from := termText(s.FromName)
		if from == "" {
			from = s.FromAccount
		}
		fmt.Fprintf(w, "message from %s (%s) at %s: %s\n", from, s.From, s.Received.Local().Format("15:04"), termText(s.Text))
	}
}

// hubName is a hub's name, else its device.
func hubName(h wire.HubRef) string {
	if n := termText(h.Name); n != "" {
		return n + " (" + h.Device + ")"
	}
	return h.Device
}

func runSignal(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 1<<16); err != nil {
		return err
	}
	text := strings.Join(c.args[1:], " ")
	if len(text) > wire.MaxSignalText {
		return fmt.Errorf("the message is %d bytes: at most %d", len(text), wire.MaxSignalText)
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	r, err := cl.SendSignal(ctx, wire.SendSignalRequest{To: c.args[0], Text: text})
	if err != nil {
		return err
	}
	return c.out(r, func(w io.Writer) { fmt.Fprintf(w, "handed on by %s\n", hubName(r.Hub)) })
}

// presenceText says what a hub's presence offers: "presence (messages of
// 1024 bytes, 20 a minute; 64 heads, 1024 keys watched)".
func presenceText(s wire.PeerService) string {
	var limits []string
	if v, ok := s.Limits["bytes"]; ok {
		limits = append(limits, fmt.Sprintf("messages of %d bytes", v))
	}
	if v, ok := s.Limits["messages"]; ok {
		limits = append(limits, fmt.Sprintf("%d messages a minute", v))
	}
	if v, ok := s.Limits["logs"]; ok {
		limits = append(limits, fmt.Sprintf("%d heads", v))
	}
	if v, ok := s.Limits["accounts"]; ok {
		limits = append(limits, fmt.Sprintf("%d keys watched", v))
	}
	if len(limits) == 0 {
		return "presence"
	}
	return "presence (" + strings.Join(limits, ", ") + ")"
}
