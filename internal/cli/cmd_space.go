package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The space commands (doc/api.md, "Spaces"): encrypted groups whose
// members are accounts. People are named by account id (acc_…) or by the
// name in their profile: among the accounts you follow when adding, among
// the space's members when removing or changing a role. Every command goes
// through the backend, so it works the same with and without a running
// node.

func init() {
	register(&command{
		name:    "space create",
		args:    "NAME [--with PERSON…] [--admin PERSON…] | NAME --village VILLAGE_ID",
		summary: "create an encrypted space among chosen people, or with a village's locals",
		help: "A PERSON is an account id (acc_…) or the profile name of an account you follow.\n" +
			"You are always an admin; --admin makes others admins too. With --village, the\n" +
			"village's current locals are the members. The space id printed is the id of its\n" +
			"space.create entry. Each member's devices get the key when their nodes have\n" +
			"published their encryption keys and yours hears of them.",
		flags: flags(multi("with", "a member: acc_… or the name of an account you follow; repeatable"),
			multi("admin", "an admin besides you: acc_… or a name; repeatable"),
			strFlag("village", "create it with the locals of this village (ent_…)"),
			boolFlag("history", "people added later also read what was sealed before they joined (fixed at creation; default: they read from when they join)")),
		run: runSpaceCreate,
	})
	register(&command{
		name:    "space list",
		summary: "list the spaces your account takes or took part in, with its role in each",
		run:     runSpaceList,
	})
	register(&command{
		name:    "space show",
		args:    "SPACE_ID",
		summary: "show a space: who can read it, members and roles, and its messages (sealed ones too)",
		help:    "--limit N shows the latest N messages (default 200, at most 1000); --before CURSOR the N before a page, as the line after its messages says.",
		flags: flags(strFlag("limit", "how many of the latest messages to show (1–1000; default 200)"),
			strFlag("before", "show the messages before this cursor (the \"older\" of a page)")),
		run: runSpaceShow,
	})
	register(&command{
		name:    "space post",
		args:    "SPACE_ID TEXT",
		summary: "seal a message to a space: only its members' devices can read it",
		flags:   strFlag("reply-to", "the message (ent_…) it answers"),
		run:     runSpacePost,
	})
	register(&command{
		name:    "space add",
		args:    "SPACE_ID PERSON",
		summary: "add someone to a space (an admin): acc_… or the name of an account you follow",
		flags:   strFlag("role", "member (default) or admin"),
		run:     runSpaceAdd,
	})
	register(&command{
		name:    "space remove",
		args:    "SPACE_ID PERSON",
		summary: "remove a member (an admin): nothing sealed afterwards is readable by them",
		run:     runSpaceRemove,
	})
	register(&command{
		name:    "space role",
		args:    "SPACE_ID PERSON admin|member",
		summary: "change a member's role (an admin)",
		run:     runSpaceRole,
	})
	register(&command{
		name:    "space leave",
		args:    "SPACE_ID",
		summary: "leave a space",
		run:     runSpaceLeave,
	})
}

// spaceArg checks a space id argument (ent_…).
func spaceArg(s string) (string, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return "", usagef("SPACE_ID: %v", err)
	}
	return id.String(), nil
}

// spaceFailed makes the backend's error say what to do next.
func spaceFailed(err error, id string) error {
	var we *wire.Error
	if errors.As(err, &we) {
		switch we.Code {
		case wire.CodeNotFound:
			if strings.HasPrefix(we.Message, "no space") {
				return fmt.Errorf("no space %s is held here: check the id with 'kith space list', or wait until its entries arrive from a member's device", id)
			}
		case wire.CodeSpaceWaiting:
			return fmt.Errorf("%s\nnothing was sent; try again later ('kith space show %s' says when this device can write)", we.Message, id)
		}
	}
	return err
}

// candidate is an account a name may stand for.
type candidate struct{ account, name string }

// resolvePerson turns a PERSON argument into an account id: an account id
// as it is, else the one account among cands whose name is alike
// (content.NameKey), saying on note which account that is. among says
// where it looked, for the error.
func resolvePerson(note io.Writer, what, arg string, cands []candidate, among string) (string, error) {
	if a, err := identity.ParseAccount(arg); err == nil {
		return a.String(), nil
	} else if strings.HasPrefix(strings.ToLower(strings.TrimSpace(arg)), "acc_") {
		return "", usagef("%s: %v", what, err)
	}
	if _, err := identity.ParseDevice(arg); err == nil {
		return "", usagef("%s: %s is a device id; a space names people by account (acc_…, 'kith id' prints it) or by name", what, arg)
	}
	key := content.NameKey(arg)
	var found []candidate
	for _, c := range cands {
		if key != "" && content.NameKey(c.name) == key {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		// Names are the people's own claims: say whom the name stood for.
		fmt.Fprintf(note, "%q is %s\n", termText(found[0].name), found[0].account)
		return found[0].account, nil
	case 0:
		return "", usagef("%s: no one named %q among %s; give their account id (acc_…)", what, termText(arg), among)
	}
	var ids []string
	for _, c := range found {
		ids = append(ids, fmt.Sprintf("%s (%q)", c.account, termText(c.name)))
	}
	return "", usagef("%s: %d accounts among %s are named like %q: give one's account id: %s", what, len(found), among, termText(arg), strings.Join(ids, ", "))
}

// followed returns the accounts this account follows, with their profile
// names, to resolve names against.
func followed(ctx context.Context, b backend) ([]candidate, error) {
	f, err := b.Follows(ctx)
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, a := range f.Following {
		if a.Profile != nil && a.Profile.Name != "" {
			out = append(out, candidate{a.Account, a.Profile.Name})
		}
	}
	return out, nil
}

// membersOf returns a space's members with their names.
func membersOf(s wire.Space) []candidate {
	var out []candidate
	for _, m := range s.Members {
		if m.Name != "" {
			out = append(out, candidate{m.Account, m.Name})
		}
	}
	return out
}

// needsNames reports whether any argument is not an account id.
func needsNames(args ...string) bool {
	for _, a := range args {
		if _, err := identity.ParseAccount(a); err != nil {
			return true
		}
	}
	return false
}

func runSpaceCreate(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	req := wire.SpaceCreate{Name: c.args[0], History: c.flagBool("history")}
	if strings.TrimSpace(req.Name) == "" {
		return usagef("NAME: a space needs a name")
	}
	if err := content.CheckName(req.Name); err != nil {
		return usagef("NAME: %v", err)
	}
	with, admins := *c.multi["with"], *c.multi["admin"]
	if v := c.str("village"); v != "" {
		id, err := entry.ParseID(v)
		if err != nil {
			return usagef("--village: %v", err)
		}
		if len(with) > 0 {
			return usagef("--with: a space created from a village has the village's locals as members; leave --with out")
		}
		req.Village = id.String()
	} else if len(with)+len(admins) == 0 {
		return usagef("--with: name at least one person (acc_… or the name of an account you follow), or give --village")
	}
	return c.withBackend(func(b backend) error {
		var cands []candidate
		if needsNames(append(append([]string{}, with...), admins...)...) {
			var err error
			if cands, err = followed(ctx, b); err != nil {
				return err
			}
		}
		for _, p := range with {
			a, err := resolvePerson(c.env.Stderr, "--with", p, cands, "the accounts you follow")
			if err != nil {
				return err
			}
			req.Members = append(req.Members, a)
		}
		for _, p := range admins {
			a, err := resolvePerson(c.env.Stderr, "--admin", p, cands, "the accounts you follow")
			if err != nil {
				return err
			}
			req.Admins = append(req.Admins, a)
		}
		e, err := b.CreateSpace(ctx, req)
		if err != nil {
			return err
		}
		return c.out(e, func(w io.Writer) {
			fmt.Fprintln(w, e.Space)
			fmt.Fprintf(c.env.Stderr, "sealed: only the members can read it; see who with 'kith space show %s'\n", e.Space)
		})
	})
}

func runSpaceList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		l, err := b.Spaces(ctx)
		if err != nil {
			return err
		}
		return c.out(l, func(w io.Writer) {
			if len(l.Spaces) == 0 {
				fmt.Fprintln(w, "no spaces; create one with 'kith space create NAME --with PERSON'")
				return
			}
			for _, s := range l.Spaces {
				line := fmt.Sprintf("%s  %-6s %3d %-7s  %s", s.ID, s.Role, s.Members, plural(s.Members, "member", "members"), termText(s.Name))
				if s.Role == "none" {
					line += "  (you are no longer a member)"
				}
				fmt.Fprintln(w, line)
			}
		})
	})
}

// spaceShown is what 'kith space show --json' prints.
type spaceShown struct {
	wire.Space
	Messages []wire.SpaceMessage `json:"messages"`
	Earlier  int                 `json:"earlier"`
	Older    string              `json:"older,omitempty"` // --before of the page before
	paged    bool                // --before was given
}

func runSpaceShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := spaceArg(c.args[0])
	if err != nil {
		return err
	}
	p, err := c.page()
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		s, err := b.Space(ctx, id)
		if err != nil {
			return spaceFailed(err, id)
		}
		ms, err := b.SpaceMessages(ctx, id, p)
		if err != nil {
			return spaceFailed(err, id)
		}
		v := spaceShown{Space: s, Messages: ms.Messages, Earlier: ms.Earlier, Older: ms.Older, paged: p.Before != ""}
		return c.out(v, func(w io.Writer) { printSpace(w, v) })
	})
}

// personText is how a person shows: the profile name, or the account id
// when none is held.
func personText(name, account string) string {
	if name != "" {
		return termText(name)
	}
	if account == "" {
		return "(a device whose account is unknown here)"
	}
	return account
}

// statusText is how a message that cannot be read shows.
var statusText = map[string]string{
	"sealed":         "[sealed: you cannot read this]",
	"not-decrypted":  "[sealed: does not decrypt]",
	"not-member":     "[refused: its author was not a member]",
	"outdated-epoch": "[refused: an outdated key]",
	"malformed":      "[malformed]",
}

func printSpace(w io.Writer, v spaceShown) {
	fmt.Fprintf(w, "%s  %s\n", termText(v.Name), v.ID)
	var readers []string
	for _, m := range v.Members {
		r := personText(m.Name, m.Account)
		var tags []string
		if m.Role == "admin" {
			tags = append(tags, "admin")
		}
		if m.Me {
			tags = append(tags, "you")
		}
		if len(tags) > 0 {
			r += " (" + strings.Join(tags, ", ") + ")"
		}
		readers = append(readers, r)
	}
	fmt.Fprintln(w, "lock      sealed: only the members' devices can read its messages")
	if v.History {
		fmt.Fprintln(w, "history   people added later also read what was sealed before they joined")
	} else {
		fmt.Fprintln(w, "history   people added later read from when they join")
	}
	fmt.Fprintf(w, "readers   %s\n", orNone(readers))
	switch {
	case v.Role == "none":
		fmt.Fprintf(w, "you       not a member (%s)\n", v.Waiting)
	case v.CanWrite:
		fmt.Fprintf(w, "you       %s; this device can write\n", v.Role)
	default:
		fmt.Fprintf(w, "you       %s; this device cannot write yet: %s\n", v.Role, v.Waiting)
	}
	if v.Village != "" {
		fmt.Fprintf(w, "village   %s\n", v.Village)
	}

	fmt.Fprintf(w, "\nmembers (%d)\n", len(v.Members))
	var names []string
	for _, m := range v.Members {
		names = append(names, m.Name)
	}
	alike := alikeNames(names)
	for _, m := range v.Members {
		line := fmt.Sprintf("  %-6s  %s", m.Role, m.Account)
		if m.Name != "" {
			line += fmt.Sprintf("  %q", termText(m.Name)) + alike.note(m.Name, "members")
		}
		if m.Me {
			line += "  (you)"
		}
		fmt.Fprintln(w, line)
	}
	if len(v.Ignored) > 0 {
		fmt.Fprintf(w, "\nignored membership entries (%d)\n", len(v.Ignored))
		for _, ig := range v.Ignored {
			fmt.Fprintf(w, "  %s  %s\n", ig.Entry, termText(ig.Reason))
		}
	}

	if v.paged {
		fmt.Fprintf(w, "\nmessages (%d of the %d before the page given)\n", len(v.Messages), len(v.Messages)+v.Earlier)
	} else {
		fmt.Fprintf(w, "\nmessages (%d)\n", len(v.Messages)+v.Earlier)
	}
	if v.Earlier > 0 {
		fmt.Fprintf(w, "  (%d earlier not shown: 'kith space show %s --before %s' shows %s)\n", v.Earlier, v.ID, v.Older, plural(v.Earlier, "it", "them"))
	}
	for _, m := range v.Messages {
		who := personText(m.Name, m.Account)
		if m.Mine {
			who += " (you)"
		}
		if m.Removed {
			who += " (removed since)"
		}
		if m.Status != "readable" {
			st := statusText[m.Status]
			if st == "" {
				st = "[" + m.Status + "]"
			}
			fmt.Fprintf(w, "  %s  %s  %s  %s\n", m.ID, st, who, termText(m.Detail))
			continue
		}
		at := time.UnixMilli(int64(m.Time)).UTC().Format("2006-01-02 15:04")
		text := strings.ReplaceAll(termLines(m.Text), "\n", "\n      ")
		fmt.Fprintf(w, "  %s  %s  %s: %s\n", m.ID, at, who, text)
		if m.Reply != "" {
			fmt.Fprintf(w, "      (a reply to %s)\n", m.Reply)
		}
	}
}

func runSpacePost(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := spaceArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.SpacePost{Text: c.args[1]}
	if r := c.str("reply-to"); r != "" {
		rid, err := entry.ParseID(r)
		if err != nil {
			return usagef("--reply-to: %v", err)
		}
		req.Reply = rid.String()
	}
	return c.spaceEntry(id, func(b backend) (wire.SpaceEntry, error) { return b.PostToSpace(ctx, id, req) })
}

// spaceEntry runs an operation that appends one entry to a space and
// prints the entry's id.
func (c *call) spaceEntry(id string, do func(b backend) (wire.SpaceEntry, error)) error {
	return c.withBackend(func(b backend) error {
		e, err := do(b)
		if err != nil {
			return spaceFailed(err, id)
		}
		return c.out(e, func(w io.Writer) { fmt.Fprintln(w, e.ID) })
	})
}

func runSpaceAdd(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := spaceArg(c.args[0])
	if err != nil {
		return err
	}
	role := c.str("role")
	if role != "" && role != "member" && role != "admin" {
		return usagef("--role: %q is not member or admin", role)
	}
	return c.spaceEntry(id, func(b backend) (wire.SpaceEntry, error) {
		var cands []candidate
		if needsNames(c.args[1]) {
			var err error
			if cands, err = followed(ctx, b); err != nil {
				return wire.SpaceEntry{}, err
			}
		}
		a, err := resolvePerson(c.env.Stderr, "PERSON", c.args[1], cands, "the accounts you follow")
		if err != nil {
			return wire.SpaceEntry{}, err
		}
		return b.AddToSpace(ctx, id, wire.SpaceMemberAdd{Account: a, Role: role})
	})
}

// memberArg resolves a PERSON among the space's members.
func memberArg(ctx context.Context, c *call, b backend, id, arg string) (string, error) {
	var cands []candidate
	if needsNames(arg) {
		s, err := b.Space(ctx, id)
		if err != nil {
			return "", err
		}
		cands = membersOf(s)
	}
	return resolvePerson(c.env.Stderr, "PERSON", arg, cands, "the space's members")
}

func runSpaceRemove(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := spaceArg(c.args[0])
	if err != nil {
		return err
	}
	return c.spaceEntry(id, func(b backend) (wire.SpaceEntry, error) {
		a, err := memberArg(ctx, c, b, id, c.args[1])
		if err != nil {
			return wire.SpaceEntry{}, err
		}
		return b.RemoveFromSpace(ctx, id, a)
	})
}

func runSpaceRole(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	id, err := spaceArg(c.args[0])
	if err != nil {
		return err
	}
	role := c.args[2]
	if role != "member" && role != "admin" {
		return usagef("ROLE: %q is not admin or member", role)
	}
	return c.spaceEntry(id, func(b backend) (wire.SpaceEntry, error) {
		a, err := memberArg(ctx, c, b, id, c.args[1])
		if err != nil {
			return wire.SpaceEntry{}, err
		}
		return b.SetSpaceRole(ctx, id, a, wire.SpaceRole{Role: role})
	})
}

func runSpaceLeave(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := spaceArg(c.args[0])
	if err != nil {
		return err
	}
	return c.spaceEntry(id, func(b backend) (wire.SpaceEntry, error) { return b.LeaveSpace(ctx, id) })
}

// page reads --limit and --before of a command that shows a page.
func (c *call) page() (wire.Page, error) {
	p := wire.Page{Before: c.str("before")}
	if l := c.str("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return p, usagef("--limit: %q is not a number from 1 to 1000", l)
		}
		p.Limit = n
	}
	return p, nil
}
