package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

func init() {
	register(&command{
		name:    "peers",
		summary: "list the connected peers: address, latency, sync state (needs a running node)",
		run:     runPeers,
	})
	register(&command{
		name:    "peer add",
		args:    "MULTIADDR",
		summary: "connect to a peer and keep it connected, e.g. /ip4/192.0.2.7/tcp/7696/p2p/12D3… (needs a running node)",
		run:     runPeerAdd,
	})
	register(&command{
		name:    "status",
		summary: "show what this home holds and, while its node runs, its addresses, peers, sync progress and pending blobs",
		run:     runStatus,
	})
	register(&command{
		name:    "invite",
		summary: "print an invite code for someone you meet: 'kith join CODE' connects you and you follow each other (needs a running node)",
		help: `The code holds this device's key and addresses and a one-time secret. Give
it in person (--qr draws it as a QR code in the terminal, black on white; set
NO_COLOR for the terminal's own colors); it works once, until it expires.`,
		flags: flags(
			boolFlag("qr", "also draw the code as a QR code"),
			strFlag("expires", "how long the code is valid, 1m to 30d, e.g. 2h or 7d (default 24h)"),
		),
		run: runInvite,
	})
	register(&command{
		name:    "join",
		args:    "CODE",
		summary: "use an invite code: connect to the inviter, follow them and have them follow you (needs a running node)",
		run:     runJoin,
	})
}

func runPeers(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	list, err := cl.Peers(ctx)
	if err != nil {
		return err
	}
	// --json prints the list itself.
	return c.out(list.Peers, func(w io.Writer) { printPeers(w, list.Peers) })
}

func printPeers(w io.Writer, peers []wire.Peer) {
	if len(peers) == 0 {
		fmt.Fprintln(w, "no peers connected")
		return
	}
	for i, p := range peers {
		if i > 0 {
			fmt.Fprintln(w)
		}
		dir := "inbound"
		if p.Outbound {
			dir = "outbound"
		}
		fmt.Fprintf(w, "%s  %s %s, latency %s\n", peerTitle(p), dir, p.Transport, latencyText(p.LatencyMS))
		if p.Name != "" || p.DeviceName != "" {
			fmt.Fprintf(w, "  device   %s\n", p.Device)
		}
		fmt.Fprintf(w, "  address  %s\n", termText(p.Addr))
		if p.Direct != "" {
			fmt.Fprintf(w, "  direct   %s\n", termText(p.Direct))
		}
		account := p.Account
		if account == "" {
			account = "not known yet"
		}
		fmt.Fprintf(w, "  account  %s\n", account)
		fmt.Fprintf(w, "  sync     %s\n", syncText(p.Sync))
		if len(p.Services) > 0 {
			fmt.Fprintf(w, "  offers   %s\n", servicesText(p.Services))
		}
	}
}

func latencyText(ms *float64) string {
	if ms == nil {
		return "not measured yet"
	}
	return strconv.FormatFloat(*ms, 'f', 1, 64) + " ms"
}

func syncText(s *wire.PeerSync) string {
	if s == nil {
		return "none"
	}
	var b strings.Builder
	b.WriteString(s.Phase)
	if s.CaughtUp {
		b.WriteString(", caught up")
	}
	fmt.Fprintf(&b, ": received %d of %d expected entries, sent %d", s.EntriesReceived, s.EntriesExpected, s.EntriesSent)
	if s.Forks > 0 {
		fmt.Fprintf(&b, "; %d forks seen", s.Forks)
	}
	if s.Revoked > 0 {
		fmt.Fprintf(&b, "; %d entries of revoked devices refused", s.Revoked)
	}
	return b.String()
}

func runPeerAdd(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	p, err := cl.AddPeer(ctx, wire.AddPeerRequest{Addr: c.args[0]})
	if err != nil {
		return err
	}
	return c.out(p, func(w io.Writer) {
		fmt.Fprintf(w, "connected to %s at %s\n", peerTitle(p), p.Addr)
	})
}

func runStatus(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		st, err := b.Status(ctx)
		if err != nil {
			return err
		}
		return c.out(st, func(w io.Writer) { printStatus(w, st) })
	})
}

func printStatus(w io.Writer, st wire.Status) {
	network := "running"
	if !st.Serving {
		network = "not running"
	}
	if r := st.Revoked; r != nil {
		fmt.Fprintf(w, "REVOKED    %s\n", r.Message)
	}
	fmt.Fprintf(w, "account    %s\ndevice     %s\nnetwork    %s\n", st.Account, st.Device, network)
	for i, a := range st.Addrs {
		label := ""
		if i == 0 {
			label = "listening"
		}
		fmt.Fprintf(w, "%-10s %s\n", label, a)
	}
	fmt.Fprintf(w, "peers      %d\n", st.Peers)
	if st.Hub {
		fmt.Fprintln(w, "hub        serving relay to others (config.toml [hub])")
	}
	for i, d := range st.HubSlots {
		label := ""
		if i == 0 {
			label = "hubs"
		}
		fmt.Fprintf(w, "%-10s relay slot at %s\n", label, d)
	}
	for _, warning := range st.Warnings {
		fmt.Fprintf(w, "warning    %s\n", termText(warning))
	}
	fmt.Fprintf(w, "held       %d logs, %d entries\n", st.Logs, st.Entries)
	s := st.Sync
	fmt.Fprintf(w, "sync       %d sessions, %d caught up; received %d of %d expected entries, sent %d\n",
		s.Sessions, s.CaughtUp, s.EntriesReceived, s.EntriesExpected, s.EntriesSent)
	b := st.Blobs
	fmt.Fprintf(w, "blobs      %d pending; %d fetched, %d served, %d failed\n", b.Pending, b.Fetched, b.Served, b.Failed)
	if g := st.Strangers; g != nil {
		c, k, r := g.Connections, g.Sessions, g.Requests
		fmt.Fprintf(w, "strangers  %d of %d connections (%d trimmed, %d refused)\n", c.Held, c.Limit, c.Trimmed, c.Refused)
		fmt.Fprintf(w, "           sync sessions at %g a second: %d waiting, %d started, %d refused\n", k.Rate, k.Waiting, k.Admitted, k.Refused)
		fmt.Fprintf(w, "           village requests at %g units a second: %d waiting, %d taken, %d refused\n", r.Rate, r.Waiting, r.Admitted, r.Refused)
	}
	if t := st.TURN; t != nil {
		fmt.Fprintf(w, "turn       STUN/TURN for browser peers on UDP %s: %d allocations (%d since start), %d bytes relayed; refused %d credentials, %d allocations, %d peers\n",
			strings.Join(t.Listen, ", "), t.Allocations, t.AllocationsTotal, t.BytesRelayed, t.RefusedAuth, t.RefusedQuota, t.RefusedPeer)
	}
	printCopies(w, st.Copies)
}

func runInvite(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	ttl := time.Duration(wire.DefaultInviteTTL) * time.Second
	if c.set("expires") {
		d, err := parseTTL(c.str("expires"))
		if err != nil {
			return usagef("--expires: %v", err)
		}
		ttl = d
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	inv, err := cl.NewInvite(ctx, wire.InviteRequest{TTLSeconds: int64(ttl / time.Second)})
	if err != nil {
		return err
	}
	if c.flagBool("qr") && !c.json {
		if err := drawQR(c.env.Stdout, inv.Code, c.env.Getenv("NO_COLOR") == "" && isTerminal(c.env.Stdout)); err != nil {
			return err
		}
	}
	return c.out(inv, func(w io.Writer) {
		fmt.Fprintln(w, inv.Code)
		fmt.Fprintf(c.env.Stderr, "valid once, until %s; the other person runs: kith join CODE\n", inv.Expires.UTC().Format("2006-01-02 15:04 MST"))
	})
}

// parseTTL parses how long an invite is valid: a Go duration (90m, 2h) or
// a whole number of days (7d), from 1 minute to 30 days, in whole seconds.
func parseTTL(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 90m, 2h or 7d", s)
		}
		if n < 0 || n > wire.MaxInviteTTL/(24*60*60) {
			return 0, fmt.Errorf("%s is not between 1m and 30d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 90m, 2h or 7d", s)
		}
	}
	if d < wire.MinInviteTTL*time.Second || d > wire.MaxInviteTTL*time.Second {
		return 0, fmt.Errorf("%s is not between 1m and 30d", s)
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("%s is not a whole number of seconds", s)
	}
	return d, nil
}

func runJoin(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	r, err := cl.Join(ctx, wire.JoinRequest{Code: c.args[0]})
	if err != nil {
		return err
	}
	return c.out(r, func(w io.Writer) {
		who := r.Account
		if n := termText(r.Name); n != "" {
			who = n + " (" + r.Account + ")"
		}
		if r.FollowID != "" {
			fmt.Fprintf(w, "You now follow %s.\n", who)
		} else {
			fmt.Fprintf(w, "You already follow %s.\n", who)
		}
		if r.Mutual {
			fmt.Fprintln(w, "They follow you back.")
		} else {
			fmt.Fprintln(w, "They have not confirmed following you back yet.")
		}
		fmt.Fprintf(w, "Connected to their device %s.\n", r.Device)
	})
}

// peerTitle names a peer as people know it: "Ada (laptop)", "Ada",
// "laptop of acc_…", or its device id while nothing else is known.
func peerTitle(p wire.Peer) string {
	name, dev := termText(p.Name), termText(p.DeviceName)
	switch {
	case name != "" && dev != "":
		return name + " (" + dev + ")"
	case name != "":
		return name
	case dev != "":
		return dev + " of " + p.Account
	}
	return p.Device
}
