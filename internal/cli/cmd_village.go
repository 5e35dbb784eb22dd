package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The village commands (doc/api.md, "Villages"). A local is an account:
// the commands act for this home's account, through its device. Every one goes through the backend,
// so it works the same with and without a running node.

func init() {
	register(&command{
		name:    "village found",
		args:    "NAME --with ACCOUNT [--with ACCOUNT…]",
		summary: "found a village with co-founders (acc_…); each must then run 'kith village accept'",
		help: "The village id printed is the id of the found entry. --admit is how invitations are\n" +
			"decided and --exclude how exclusion proposals are (default majority), over the active\n" +
			"locals' endorsements, votes and positions: unanimous, majority, consent,\n" +
			"majority-of-voters, \"qualified P/Q\" (or just P/Q), \"qualified-of-voters P/Q\",\n" +
			"\"quorum K\", \"P/Q no-block\" (at least P/Q agree and nobody blocks), or an expression\n" +
			"with --admit-expr / --exclude-expr (CEL over participants, answered, agree, disagree,\n" +
			"abstain, block), e.g. --admit \"2/3 no-block\" or --admit-expr 'agree >= 3 && block == 0'.",
		flags: flags(multi("with", "a co-founder's account (acc_…); repeatable, at least one"),
			strFlag("admit", "how invitations are decided, e.g. unanimous, majority, \"2/3 no-block\", \"quorum 3\" (default majority)"),
			strFlag("exclude", "how exclusions are decided, as --admit (default majority)"),
			strFlag("admit-expr", "how invitations are decided, as a CEL expression over the tally"),
			strFlag("exclude-expr", "how exclusions are decided, as a CEL expression over the tally")),
		run: runVillageFound,
	})
	register(&command{
		name:    "village list",
		summary: "list the villages your account takes part in, with its role in each",
		run:     runVillageList,
	})
	register(&command{
		name:    "village show",
		args:    "VILLAGE_ID",
		summary: "show a village: charter, locals, invitations, strangers with votes and notes, proposals, problems",
		run:     runVillageShow,
	})
	for _, v := range []struct{ name, summary string }{
		{"accept", "accept the founding of a village you were named a founder of"},
		{"join", "join a village you were invited to"},
		{"leave", "leave a village, for good"},
	} {
		register(&command{
			name:    "village " + v.name,
			args:    "VILLAGE_ID",
			summary: v.summary,
			run: func(ctx context.Context, c *call) error {
				if err := c.wantArgs(1, 1); err != nil {
					return err
				}
				id, err := villageArg(c.args[0])
				if err != nil {
					return err
				}
				return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
					switch v.name {
					case "accept":
						return b.AcceptVillage(ctx, id)
					case "join":
						e, err := b.JoinVillage(ctx, id)
						if err == nil && e.Needed > 0 && !c.json {
							v, err := b.Village(ctx, id)
							if err != nil {
								return e, err
							}
							verb := "invite"
							if e.Needed == 1 {
								verb = "invites"
							}
							fmt.Fprintf(c.env.Stderr, "you joined; you become a local once %s %s you (admit by %s): ask them to run 'kith village invite %s %s'\n",
								moreLocals(e.Needed), verb, ruleName(v.Admit, v.AdmitParams), id, v.Me)
						}
						return e, err
					}
					return b.LeaveVillage(ctx, id)
				})
			},
		})
	}
	register(&command{
		name:    "village invite",
		args:    "VILLAGE_ID ACCOUNT",
		summary: "invite an account (acc_…) to a village, or endorse its invitation",
		run:     runVillageInvite,
	})
	register(&command{
		name:    "village userspec",
		args:    "VILLAGE_ID --mode active|passive",
		summary: "set your mode in a village, with a name and a few words about you",
		help: "A passive local's votes follow the active locals'. The userspec replaces your earlier\n" +
			"one: --name and --about not given are left empty.",
		flags: flags(strFlag("mode", "active (you vote) or passive (your votes follow the active locals')"),
			strFlag("name", "your name in the village"), strFlag("about", "a few words about you")),
		run: runVillageUserspec,
	})
	register(&command{
		name:    "village vote",
		args:    "VILLAGE_ID STRANGER veto|accept|defer",
		summary: "vote on a stranger (acc_…, a request ent_…, or its id); accept needs --proof FILE",
		help: "--proof FILE stores the file as a blob (location metadata removed from JPEG/PNG), as\n" +
			"'kith post --image' does, and votes accept with its id; a blob id (blob_…) already\n" +
			"stored works too. A vote never returns to defer; lift a veto by accepting with proof.",
		flags: strFlag("proof", "the proof you saw: a file (or blob_… id), with accept only"),
		run:   runVillageVote,
	})
	register(&command{
		name:    "village note",
		args:    "VILLAGE_ID STRANGER TEXT",
		summary: "write your note on a stranger (it replaces your earlier one)",
		run:     runVillageNote,
	})
	register(&command{
		name:    "village request",
		args:    "VILLAGE_ID --to DEVICE TEXT",
		summary: "as a stranger, send a request to a village through one of its locals (needs 'kith serve')",
		help: "--to names the local's device: dev_… when the node can find it, or a multiaddr with\n" +
			"/p2p/. The request reaches that local only, in its inbox, until a local votes on you;\n" +
			"then every local sees your requests. --blob FILE attaches a file (stored as a blob,\n" +
			"location metadata removed); the locals fetch it when they open it.",
		flags: flags(strFlag("to", "the local's device: dev_… or a multiaddr with /p2p/"),
			strFlag("blob", "a file (or blob_… id) to attach")),
		run: runVillageRequest,
	})
	register(&command{
		name:    "village file",
		args:    "VILLAGE_ID REQUEST_ID",
		summary: "fetch the file a stranger's request names, and write it to --out FILE (needs 'kith serve')",
		help: "A node does not fetch the files of strangers no local has answered yet: this fetches\n" +
			"one when you want to see it, from the stranger's device, within the village's budget\n" +
			"for such files (64 MiB). REQUEST_ID is the request's entry (ent_…, shown by 'kith village show').",
		flags: strFlag("out", "write to FILE instead of stdout"),
		run:   runVillageFile,
	})
	register(&command{
		name:    "village exclude",
		args:    "VILLAGE_ID ACCOUNT --reason TEXT",
		summary: "propose to exclude a local; the other locals vote with 'kith village exclude-vote'",
		flags:   strFlag("reason", "why (shown to the other locals)"),
		run:     runVillageExclude,
	})
	register(&command{
		name:    "village exclude-vote",
		args:    "VILLAGE_ID PROPOSAL for|against",
		summary: "vote on an exclusion proposal (its id is shown by 'kith village show')",
		run:     runVillageExcludeVote,
	})
	register(&command{
		name:    "village state",
		args:    "VILLAGE_ID",
		summary: "publish your state (a commitment to your view of the village)",
		run:     runVillageState,
	})
	register(&command{
		name:    "village chain",
		args:    "VILLAGE_ID ACCOUNT",
		summary: "list a local's published states and what the audit of the chain found",
		run:     runVillageChain,
	})
}

// villageArg checks a village id argument (ent_…) and returns its
// canonical text.
func villageArg(s string) (string, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return "", usagef("VILLAGE_ID: %v", err)
	}
	return id.String(), nil
}

// accountArg checks an account id argument (acc_…): villages name people
// by account (village.md §1).
func accountArg(what, s string) (string, error) {
	a, err := identity.ParseAccount(s)
	if err != nil {
		return "", usagef("%s: %v (a village names people by account id, acc_…; 'kith id' prints it)", what, err)
	}
	return a.String(), nil
}

// deviceArg checks a device id argument (dev_…).
func deviceArg(what, s string) (string, error) {
	d, err := identity.ParseDevice(s)
	if err != nil {
		return "", usagef("%s: %v", what, err)
	}
	return d.String(), nil
}

// strangerArg checks a stranger as a person names it: its account
// (acc_…), one of its requests (ent_…), or its 128 hexadecimal digits
// (individual id and user id; upper case is accepted). The node resolves
// an account or a request to the stranger's id in the village.
func strangerArg(s string) (string, error) {
	t := strings.TrimSpace(s)
	if _, _, err := identity.ParseAny(t, identity.KindAccount, identity.KindEntry); err == nil {
		return t, nil
	}
	t = strings.ToLower(t)
	if b, err := hex.DecodeString(t); err == nil && len(b) == 64 {
		return t, nil
	}
	if strings.Contains(t, "_") {
		_, _, err := identity.ParseAny(s, identity.KindAccount, identity.KindEntry)
		return "", usagef("STRANGER: %v", err)
	}
	return "", usagef("STRANGER: %q is not a stranger: name it by its account (acc_…), one of its requests (ent_…, as 'kith village show' lists them) or its 128 hexadecimal digits", short(s))
}

// ruleFlag reads --NAME and --NAME-expr: a charter rule (village.md §3)
// as the API takes it. The backend checks it in full.
func ruleFlag(c *call, name string) (method string, params []uint64, expr string, err error) {
	v := strings.Join(strings.Fields(c.str(name)), " ")
	expr = strings.TrimSpace(c.str(name + "-expr"))
	if expr != "" {
		if v != "" && v != "cel" {
			return "", nil, "", usagef("--%s and --%s-expr: give one of them", name, name)
		}
		return "cel", nil, expr, nil
	}
	bad := func() error {
		return usagef("--%s: %q is not a rule: say unanimous, majority, consent, majority-of-voters, \"qualified P/Q\", \"qualified-of-voters P/Q\", \"quorum K\", \"P/Q no-block\", or give --%s-expr", name, short(v), name)
	}
	frac := func(s string) (p, q uint64, ok bool) {
		a, b, found := strings.Cut(s, "/")
		if !found {
			return 0, 0, false
		}
		_, e1 := fmt.Sscan(a, &p)
		_, e2 := fmt.Sscan(b, &q)
		return p, q, e1 == nil && e2 == nil && p > 0 && q > 0 && fmt.Sprint(p) == a && fmt.Sprint(q) == b
	}
	f := strings.Fields(v)
	switch {
	case v == "":
		return "majority", nil, "", nil
	case v == "cel":
		return "", nil, "", usagef("--%s cel: give the expression with --%s-expr", name, name)
	case len(f) == 1 && strings.Contains(v, "/"):
		if p, q, ok := frac(v); ok {
			return "qualified", []uint64{p, q}, "", nil
		}
	case v == "unanimous" || v == "majority" || v == "consent" || v == "majority-of-voters":
		return v, nil, "", nil
	case len(f) == 2 && (f[0] == "qualified" || f[0] == "qualified-of-voters"):
		if p, q, ok := frac(f[1]); ok {
			return f[0], []uint64{p, q}, "", nil
		}
	case len(f) == 2 && f[0] == "quorum":
		var k uint64
		if _, err := fmt.Sscan(f[1], &k); err == nil && fmt.Sprint(k) == f[1] {
			return "quorum", []uint64{k}, "", nil
		}
	case len(f) == 2 && f[1] == "no-block":
		if p, q, ok := frac(f[0]); ok {
			return "cel", nil, fmt.Sprintf("agree * %d >= participants * %d && block == 0", q, p), nil
		}
	}
	return "", nil, "", bad()
}

// villageFailed makes the backend's error say what to do next: a village
// not held here is named.
func villageFailed(err error, id string) error {
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeNotFound {
		return fmt.Errorf("no village %s is held here: check the id with 'kith village list', or wait until the found entry arrives from a peer (%v)", id, err)
	}
	return err
}

// villageEntry runs an operation that appends one village entry and
// prints the entry's id.
func (c *call) villageEntry(id string, do func(b backend) (wire.VillageEntry, error)) error {
	return c.withBackend(func(b backend) error {
		e, err := do(b)
		if err != nil {
			return villageFailed(err, id)
		}
		return c.out(e, func(w io.Writer) { fmt.Fprintln(w, e.ID) })
	})
}

func runVillageFound(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	req := wire.VillageFound{Name: c.args[0]}
	if strings.TrimSpace(req.Name) == "" {
		return usagef("NAME: a village needs a name")
	}
	var err error
	if req.Admit, req.AdmitParams, req.AdmitExpr, err = ruleFlag(c, "admit"); err != nil {
		return err
	}
	if req.Exclude, req.ExcludeParams, req.ExcludeExpr, err = ruleFlag(c, "exclude"); err != nil {
		return err
	}
	for _, s := range *c.multi["with"] {
		d, err := accountArg("--with", s)
		if err != nil {
			return err
		}
		req.Cofounders = append(req.Cofounders, d)
	}
	if len(req.Cofounders) == 0 {
		return usagef("--with: a village needs at least one co-founder (--with acc_…; 'kith id' on their device prints it)")
	}
	return c.withBackend(func(b backend) error {
		e, err := b.FoundVillage(ctx, req)
		if err != nil {
			return err
		}
		return c.out(e, func(w io.Writer) {
			fmt.Fprintln(w, e.Village)
			fmt.Fprintf(c.env.Stderr, "the founding completes when every co-founder has run 'kith village accept %s'\n", e.Village)
		})
	})
}

func runVillageList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		l, err := b.Villages(ctx)
		if err != nil {
			return err
		}
		return c.out(l, func(w io.Writer) {
			if len(l.Villages) == 0 {
				fmt.Fprintln(w, "no villages; found one with 'kith village found NAME --with acc_…'")
				return
			}
			for _, v := range l.Villages {
				role := v.Role
				if v.Mode != "" {
					role += "/" + v.Mode
				}
				var what string
				switch {
				case !v.Known:
					what = "(the found entry has not arrived yet)"
				case !v.Founded:
					what = fmt.Sprintf("%s  (founding: waiting for the founders to accept)", termText(v.Name))
				default:
					what = termText(v.Name)
				}
				fmt.Fprintf(w, "%s  %-15s %3d %-6s  %s\n", v.ID, role, v.Locals, plural(v.Locals, "local", "locals"), what)
			}
		})
	})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func runVillageShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		v, err := b.Village(ctx, id)
		if err != nil {
			return villageFailed(err, id)
		}
		return c.out(v, func(w io.Writer) { printVillage(w, v) })
	})
}

// moreLocals says "1 more local", "2 more locals".
// ruleName names a charter method with its parameters: "majority",
// "qualified 2/3", "quorum 3", "cel".
func ruleName(method string, params []uint64) string {
	switch len(params) {
	case 1:
		return fmt.Sprintf("%s %d", method, params[0])
	case 2:
		return fmt.Sprintf("%s %d/%d", method, params[0], params[1])
	}
	return method
}

func moreLocals(n int) string {
	if n == 1 {
		return "1 more local"
	}
	return fmt.Sprintf("%d more locals", n)
}

// orNone joins ids, or says "none".
func orNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	return strings.Join(ss, ", ")
}

// villageNames answers how village show names an account: its name in
// the village (its userspec), else its profile name held here, else its
// id; the locals' list keeps the ids, and --json has them all.
func villageNames(v wire.Village) func(acc string) string {
	names := map[string]string{}
	for _, l := range v.Locals {
		switch {
		case l.Name != "":
			names[l.Key] = termText(l.Name)
		case l.ProfileName != "":
			names[l.Key] = termText(l.ProfileName)
		}
	}
	return func(acc string) string {
		if n, ok := names[acc]; ok {
			return n
		}
		return acc
	}
}

// namesOrNone joins the names of accounts, or says "none".
func namesOrNone(who func(string) string, accs []string) string {
	out := make([]string, len(accs))
	for i, a := range accs {
		out[i] = who(a)
	}
	return orNone(out)
}

func printVillage(w io.Writer, v wire.Village) {
	who := villageNames(v)
	fmt.Fprintf(w, "%s  %s\n", termText(v.Name), v.ID)
	fmt.Fprintf(w, "charter   admit by %s, exclude by %s\n", ruleName(v.Admit, v.AdmitParams), ruleName(v.Exclude, v.ExcludeParams))
	fmt.Fprintf(w, "          admit when %s;\n          exclude when %s\n", v.AdmitRule, v.ExcludeRule)
	fmt.Fprintf(w, "founders  %s\n", namesOrNone(who, v.Founders))
	if v.Founded {
		fmt.Fprintln(w, "founded   yes")
	} else {
		fmt.Fprintln(w, "founded   not yet: waiting for every founder to accept")
	}
	fmt.Fprintf(w, "me        %s\n", v.Me)

	fmt.Fprintf(w, "\nlocals (%d)\n", len(v.Locals))
	var names []string
	for _, l := range v.Locals {
		names = append(names, l.Name)
	}
	alike := alikeNames(names)
	for _, l := range v.Locals {
		status := l.Status
		if l.Status == "founder" && !l.Accepted {
			status = "founder, not accepted"
		}
		var extra []string
		switch {
		case l.Name != "":
			extra = append(extra, fmt.Sprintf("%q", l.Name)+alike.note(l.Name, "locals"))
		case l.ProfileName != "":
			extra = append(extra, fmt.Sprintf("%q (profile)", l.ProfileName))
		}
		if l.Key == v.Me {
			extra = append(extra, "(me)")
		}
		fmt.Fprintf(w, "  %s  %-7s  %s", l.Key, l.Mode, status)
		if len(extra) > 0 {
			fmt.Fprintf(w, "  %s", strings.Join(extra, " "))
		}
		fmt.Fprintln(w)
	}

	// Every invitation is pending: an admitted invitee that joined is a
	// local and no longer has one.
	fmt.Fprintf(w, "\npending invitations (%d)\n", len(v.Invitations))
	for _, inv := range v.Invitations {
		state := "waiting for " + moreLocals(inv.Needed) + " to invite it (admit by " + ruleName(v.Admit, v.AdmitParams) + ")"
		if inv.Needed < 0 {
			state = "more invitations alone cannot admit it: the charter admits when " + v.AdmitRule
		}
		switch {
		case inv.Admitted:
			state = "admitted, waiting for it to join"
		case inv.Joined:
			state = "joined, " + state
		}
		me := ""
		if inv.Invitee == v.Me {
			me = " (me)"
		}
		fmt.Fprintf(w, "  %s  invited by %s; %s%s\n", inv.Invitee, namesOrNone(who, inv.Endorsers), state, me)
		for _, st := range inv.Stances {
			line := "    " + st.Position + ": " + who(st.Local)
			if st.Reason != "" {
				line += fmt.Sprintf(" (%q)", st.Reason)
			}
			fmt.Fprintln(w, line)
		}
	}

	printWaiting(w, v.Waiting)

	var inbox, listed []wire.VillageStranger
	for _, s := range v.Strangers {
		if s.Pending {
			inbox = append(inbox, s)
		} else {
			listed = append(listed, s)
		}
	}
	fmt.Fprintf(w, "\ninbox (%d)\n", len(inbox))
	if v.Dropped.Message != "" {
		fmt.Fprintf(w, "  (%s to keep within this node's bounds)\n", v.Dropped.Message)
	}
	for _, s := range inbox {
		fmt.Fprintf(w, "  %s\n", strangerLabel(s, ""))
		printRequests(w, s.Requests)
	}

	fmt.Fprintf(w, "\nstrangers (%d)\n", len(listed))
	for _, s := range listed {
		fmt.Fprintf(w, "  %s\n", strangerLabel(s, s.Standing))
		printRequests(w, s.Requests)
		for _, vote := range s.Votes {
			label := map[string]string{"accept": "vouched", "veto": "vetoed", "deferred": "deferred"}[vote.Vote]
			if label == "" {
				label = vote.Vote
			}
			line := fmt.Sprintf("    %-9s %s", label, who(vote.Local))
			if vote.Proof != "" {
				line += "  proof " + vote.Proof
			}
			if vote.Mechanical {
				line += "  (passive: follows the active locals)"
			}
			if !vote.Counted {
				line += "  (former local: not counted)"
			}
			fmt.Fprintln(w, line)
		}
		for _, n := range s.Notes {
			line := fmt.Sprintf("    %-9s %s  %q", "note", who(n.Local), n.Text)
			if n.Blob != "" {
				line += "  " + n.Blob
			}
			fmt.Fprintln(w, line)
		}
	}

	var open []wire.VillageProposal
	for _, p := range v.Proposals {
		if p.Outcome == "open" {
			open = append(open, p)
		}
	}
	fmt.Fprintf(w, "\nopen exclusion proposals (%d)\n", len(open))
	for _, p := range open {
		fmt.Fprintf(w, "  %s  exclude %s, proposed by %s: %q\n", p.ID, who(p.Subject), who(p.Proposer), p.Reason)
		fmt.Fprintf(w, "    for %s; against %s; not voted %s\n", namesOrNone(who, p.For), namesOrNone(who, p.Against), namesOrNone(who, p.NotVoted))
	}

	fmt.Fprintf(w, "\nproblems (%d)\n", len(v.Problems))
	for _, p := range v.Problems {
		fmt.Fprintf(w, "  %s\n", termText(p))
	}
	if v.Ignored > 0 {
		fmt.Fprintf(w, "  %d %s the village's rules did not allow (ignored)\n", v.Ignored, plural(v.Ignored, "entry", "entries"))
	}
}

// strangerLabel is how village show names a stranger: its account (the
// short id 'kith village vote' takes), the start of its user id when that
// is not the account (then the account alone may name two strangers), its
// standing, and the profile name held here, if any.
func strangerLabel(s wire.VillageStranger, standing string) string {
	label := s.Account
	if label == "" {
		label = s.ID
	}
	if !s.UserIsAccount && len(s.ID) == 128 {
		label += " (user " + s.ID[64:76] + "…)"
	}
	if standing != "" {
		label += "  " + standing
	}
	if s.Name != "" {
		label += fmt.Sprintf("  %q", s.Name)
	}
	return label
}

func printRequests(w io.Writer, rs []wire.VillageRequest) {
	for _, r := range rs {
		line := fmt.Sprintf("    %-9s %s  %q", "request", r.Entry, r.Text)
		if r.Blob != "" {
			line += "  " + r.Blob
		}
		fmt.Fprintln(w, line)
	}
}

func runVillageInvite(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	dev, err := accountArg("ACCOUNT", c.args[1])
	if err != nil {
		return err
	}
	return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
		return b.InviteToVillage(ctx, id, wire.VillageInvite{Invitee: dev})
	})
}

func runVillageUserspec(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	mode := c.str("mode")
	switch mode {
	case "active", "passive":
	case "":
		return usagef("--mode: give --mode active or --mode passive")
	default:
		return usagef("--mode: %q is not active or passive", mode)
	}
	req := wire.VillageUserspec{Mode: mode, Name: c.str("name"), About: c.str("about")}
	return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
		return b.SetVillageUserspec(ctx, id, req)
	})
}

func runVillageVote(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	stranger, err := strangerArg(c.args[1])
	if err != nil {
		return err
	}
	req := wire.StrangerVote{}
	switch c.args[2] {
	case "veto", "accept":
		req.Vote = c.args[2]
	case "defer", "deferred":
		req.Vote = "deferred"
	default:
		return usagef("vote: %q is not veto, accept or defer", c.args[2])
	}
	proof := c.str("proof")
	switch {
	case req.Vote == "accept" && proof == "":
		return usagef("--proof: accept needs --proof FILE, the proof you saw of who the stranger is")
	case req.Vote != "accept" && c.set("proof"):
		return usagef("--proof: a proof goes with accept only")
	}
	// A blob id stands for a proof stored already, unless a file has
	// that name.
	var proofID string
	if _, statErr := os.Stat(proof); proof != "" && statErr != nil {
		if bid, err := blob.ParseID(proof); err == nil {
			proofID = bid.String()
		}
	}
	return c.withBackend(func(b backend) error {
		if proof != "" && proofID == "" {
			added, err := addFileBlob(ctx, b, proof, "proof")
			if err != nil {
				return err
			}
			if added.LocationRemoved && !c.json {
				fmt.Fprintf(c.env.Stderr, "removed location metadata from %s\n", proof)
			}
			proofID = added.ID
		}
		req.Proof = proofID
		e, err := b.VoteStranger(ctx, id, stranger, req)
		if err != nil {
			return villageFailed(err, id)
		}
		out := struct {
			wire.VillageEntry
			Proof string `json:"proof,omitempty"`
		}{e, proofID}
		return c.out(out, func(w io.Writer) { fmt.Fprintln(w, e.ID) })
	})
}

// addFileBlob stores a file as a blob for publication (location metadata
// removed, as for 'kith post --image').
func addFileBlob(ctx context.Context, b backend, path, what string) (wire.BlobAdded, error) {
	f, err := os.Open(path)
	if err != nil {
		return wire.BlobAdded{}, fmt.Errorf("%s: %w", what, err)
	}
	defer f.Close()
	added, err := b.AddBlob(ctx, f, true)
	if err != nil {
		return wire.BlobAdded{}, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return added, nil
}

func runVillageNote(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	stranger, err := strangerArg(c.args[1])
	if err != nil {
		return err
	}
	text := c.args[2]
	return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
		return b.NoteStranger(ctx, id, stranger, wire.StrangerNote{Text: text})
	})
}

func runVillageRequest(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	to := c.str("to")
	if to == "" {
		return usagef("--to: name the local's device (dev_… or a multiaddr with /p2p/)")
	}
	if !strings.HasPrefix(to, "/") {
		if to, err = deviceArg("--to", to); err != nil {
			return err
		}
	}
	text := c.args[1]
	if strings.TrimSpace(text) == "" {
		return usagef("TEXT: say what you ask of the village")
	}
	file := c.str("blob")
	var blobID string
	if _, statErr := os.Stat(file); file != "" && statErr != nil {
		if bid, err := blob.ParseID(file); err == nil {
			blobID = bid.String()
		}
	}
	return c.withBackend(func(b backend) error {
		if file != "" && blobID == "" {
			added, err := addFileBlob(ctx, b, file, "blob")
			if err != nil {
				return err
			}
			blobID = added.ID
		}
		e, err := b.RequestVillage(ctx, wire.VillageRequestSend{Village: id, To: to, Text: text, Blob: blobID})
		if err != nil {
			return villageFailed(err, id)
		}
		return c.out(e, func(w io.Writer) { fmt.Fprintln(w, e.ID) })
	})
}

func runVillageExclude(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	dev, err := accountArg("ACCOUNT", c.args[1])
	if err != nil {
		return err
	}
	if !c.set("reason") || strings.TrimSpace(c.str("reason")) == "" {
		return usagef("--reason: say why, for the other locals (--reason TEXT)")
	}
	req := wire.ExclusionProposal{Subject: dev, Reason: c.str("reason")}
	return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
		return b.ProposeExclusion(ctx, id, req)
	})
}

func runVillageExcludeVote(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	pid, err := entry.ParseID(c.args[1])
	if err != nil {
		return usagef("PROPOSAL: %v", err)
	}
	vote := c.args[2]
	if vote != "for" && vote != "against" {
		return usagef("vote: %q is not for or against", vote)
	}
	return c.villageEntry(id, func(b backend) (wire.VillageEntry, error) {
		return b.VoteExclusion(ctx, id, pid.String(), wire.ExclusionVote{Vote: vote})
	})
}

func runVillageState(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		p, err := b.PublishVillageState(ctx, id)
		if err != nil {
			return villageFailed(err, id)
		}
		return c.out(p, func(w io.Writer) {
			fmt.Fprintf(w, "%s  #%d  commitment %s\n", p.State.ID, p.State.Seq, p.State.Commitment)
		})
	})
}

func runVillageChain(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	dev, err := accountArg("ACCOUNT", c.args[1])
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		ch, err := b.VillageChain(ctx, id, dev)
		if err != nil {
			return villageFailed(err, id)
		}
		return c.out(ch, func(w io.Writer) {
			verdict := "the audit found nothing wrong"
			if !ch.OK {
				verdict = fmt.Sprintf("the audit found %d %s", len(ch.Findings), plural(len(ch.Findings), "problem", "problems"))
			}
			fmt.Fprintf(w, "%s: %d %s; %s\n", ch.Local, len(ch.States), plural(len(ch.States), "state", "states"), verdict)
			for _, s := range ch.States {
				fmt.Fprintf(w, "  #%-4d %s  commitment %s  seen %d\n", s.Seq, s.ID, s.Commitment, s.Seen)
			}
			for _, f := range ch.Findings {
				fmt.Fprintf(w, "  ! #%d %s  %s: %s\n", f.Seq, f.Entry, f.Kind, termText(f.Message))
			}
		})
	})
}

func runVillageFile(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := villageArg(c.args[0])
	if err != nil {
		return err
	}
	req, err := entry.ParseID(c.args[1])
	if err != nil {
		return usagef("REQUEST_ID: %v", err)
	}
	out := c.str("out")
	if out == "" && c.json {
		return usagef("--json needs --out FILE (the file's bytes cannot share stdout with JSON)")
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	f, err := cl.RequestFile(ctx, id, req.String())
	if err != nil {
		return villageFailed(err, id)
	}
	rc, size, err := cl.OpenBlob(ctx, f.Blob)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := c.copyBlobOut(rc, out); err != nil || out == "" {
		return err
	}
	return c.out(map[string]any{"blob": f.Blob, "size": size, "out": out}, func(w io.Writer) {
		fmt.Fprintf(w, "wrote %d bytes to %s (%s)\n", size, out, f.Blob)
	})
}
