package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// The message commands (doc/api.md, "Messages"): private conversations,
// readable only by the participants' devices. They go through the
// backend, so they work the same with and without a running node.

// messageBackend is what the message commands call; both backends have it.
type messageBackend interface {
	Conversations(ctx context.Context) (wire.ConversationList, error)
	Conversation(ctx context.Context, id string, p wire.Page) (wire.Conversation, error)
	SendMessage(ctx context.Context, req wire.MessageSend) (wire.MessageSent, error)
	ReplyMessage(ctx context.Context, id string, req wire.MessageReply) (wire.MessageSent, error)
}

var (
	_ messageBackend = (*api.Service)(nil)
	_ messageBackend = (*client.Client)(nil)
)

// lockMark marks what is sealed: only the participants' devices read it.
const lockMark = "🔒"

func init() {
	register(&command{
		name:    "message send",
		args:    "--to PERSON[,PERSON…] TEXT",
		summary: "start a private conversation: only the devices of the people named (and yours) can read it",
		help: "PERSON is an account id (acc_…) or the name of someone you follow. The recipients'\n" +
			"nodes receive it from any node that follows you (yours, a friend's, a hub), which\n" +
			"stores it without reading it. Prints the conversation id.",
		flags: flags(multi("to", "a recipient: an account id (acc_…) or the name of someone you follow; repeatable, or comma-separated")),
		run:   runMessageSend,
	})
	register(&command{
		name:    "message list",
		summary: "list your private conversations, the latest activity first",
		run:     runMessageList,
	})
	register(&command{
		name:    "message show",
		args:    "CONVERSATION",
		summary: "show a private conversation: its messages as a thread, and who can read it",
		help:    "CONVERSATION is a conversation id as 'kith message list' prints it, or enough of its start to be unique. --limit N shows the last N messages (default 200, at most 1000); --before CURSOR the N before a page, as its first line says.",
		flags: flags(strFlag("limit", "how many of the last messages to show (1–1000; default 200)"),
			strFlag("before", "show the messages before this cursor (the \"older\" of a page)")),
		run: runMessageShow,
	})
	register(&command{
		name:    "message reply",
		args:    "CONVERSATION [--to-entry ENTRY_ID] TEXT",
		summary: "write in a private conversation, answering its last message or --to-entry",
		flags:   flags(strFlag("to-entry", "the message answered (ent_…); default: the conversation's last message")),
		run:     runMessageReply,
	})
}

// withMessages runs f with the message backend.
func (c *call) withMessages(f func(b messageBackend) error) error {
	return c.withBackend(func(b backend) error {
		mb, ok := b.(messageBackend)
		if !ok {
			return errors.New("this backend does not speak messages")
		}
		return f(mb)
	})
}

// conversationArg resolves a conversation id, or a unique start of one.
func conversationArg(ctx context.Context, b messageBackend, s string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if _, err := hex.DecodeString(t + strings.Repeat("0", len(t)%2)); err != nil || t == "" || len(t) > 64 {
		return "", usagef("CONVERSATION: %q is not a conversation id (hexadecimal digits, as 'kith message list' prints them)", short(s))
	}
	if len(t) == 64 {
		return t, nil
	}
	l, err := b.Conversations(ctx)
	if err != nil {
		return "", err
	}
	var found []string
	for _, cv := range l.Conversations {
		if strings.HasPrefix(cv.ID, t) {
			found = append(found, cv.ID)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no conversation here starts with %s: 'kith message list' shows them", t)
	case 1:
		return found[0], nil
	}
	return "", usagef("CONVERSATION: %d conversations start with %s; give more digits", len(found), t)
}

// messageFailed says what to do about a conversation not held here.
func messageFailed(err error, id string) error {
	var we *wire.Error
	if errors.As(err, &we) && we.Code == wire.CodeNotFound && strings.Contains(we.Message, "no such conversation") {
		return fmt.Errorf("no conversation %s is held here: check the id with 'kith message list', or wait until its first message arrives (%v)", id, err)
	}
	return err
}

func runMessageSend(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, -1); err != nil {
		return err
	}
	req := wire.MessageSend{Text: strings.Join(c.args, " ")}
	for _, v := range *c.multi["to"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				req.To = append(req.To, p)
			}
		}
	}
	if len(req.To) == 0 {
		return usagef("--to: name at least one person (an account id, acc_…, or the name of someone you follow)")
	}
	return c.withMessages(func(b messageBackend) error {
		s, err := b.SendMessage(ctx, req)
		if err != nil {
			return err
		}
		return c.out(s, func(w io.Writer) { fmt.Fprintln(w, s.Conversation) })
	})
}

// msgPersonText is a person as people read it: the name, or the account id
// when no profile is held.
func msgPersonText(p wire.MessagePerson) string {
	switch {
	case p.Name != "":
		return termText(p.Name)
	case p.Account != "":
		return p.Account
	}
	return "(an unknown device)"
}

func peopleText(ps []wire.MessagePerson) string {
	if len(ps) == 0 {
		return "(not known yet: the conversation's first message has not arrived)"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = msgPersonText(p)
	}
	return strings.Join(out, ", ")
}

func runMessageList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withMessages(func(b messageBackend) error {
		l, err := b.Conversations(ctx)
		if err != nil {
			return err
		}
		return c.out(l, func(w io.Writer) {
			if len(l.Conversations) == 0 {
				fmt.Fprintln(w, "no conversations; start one with 'kith message send --to NAME TEXT'")
				return
			}
			for _, cv := range l.Conversations {
				last := ""
				if cv.Last != nil {
					last = fmt.Sprintf("  %s: %s", msgPersonText(cv.Last.Author), termText(firstLine(cv.Last.Text, 60)))
				}
				mark := lockMark
				if !cv.Verified {
					mark += " unverified"
				}
				fmt.Fprintf(w, "%s  %s %s  %d %s%s\n", cv.ID[:12], mark, peopleText(cv.Participants), cv.Messages, plural(cv.Messages, "message", "messages"), last)
			}
		})
	})
}

// firstLine is the first line of s, cut to max runes.
func firstLine(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

func runMessageShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	p, err := c.page()
	if err != nil {
		return err
	}
	return c.withMessages(func(b messageBackend) error {
		id, err := conversationArg(ctx, b, c.args[0])
		if err != nil {
			return err
		}
		v, err := b.Conversation(ctx, id, p)
		if err != nil {
			return messageFailed(err, id)
		}
		return c.out(v, func(w io.Writer) { printConversation(w, v) })
	})
}

func printConversation(w io.Writer, v wire.Conversation) {
	fmt.Fprintf(w, "conversation %s\n", v.ID)
	fmt.Fprintf(w, "%s sealed: who can read this: %s\n", lockMark, peopleText(v.Participants))
	if !v.Verified {
		fmt.Fprintln(w, "unverified: its first message (which names the participants) has not arrived; the messages below are not checked against them")
	}
	for _, r := range v.Renewals {
		fmt.Fprintln(w, renewalText(r))
	}
	if v.Earlier > 0 {
		fmt.Fprintf(w, "(%s not shown: 'kith message show %s --before %s' shows %s)\n", fmt.Sprintf(plural(v.Earlier, "%d earlier message", "%d earlier messages"), v.Earlier), v.ID, v.Older, plural(v.Earlier, "it", "them"))
	}
	depth := map[string]int{}
	for _, m := range v.Thread {
		if m.Status != "readable" {
			fmt.Fprintf(w, "  [%s] %s: %s (%s)\n", short(m.ID), msgPersonText(m.Author), m.Status, termText(m.Detail))
			continue
		}
		d := 0
		if m.Parent != "" {
			d = depth[m.Parent] + 1
		}
		depth[m.ID] = d
		indent := strings.Repeat("  ", min(d, 8))
		note := ""
		if m.ReplyMissing {
			note = " (answers a message not held here)"
		}
		fmt.Fprintf(w, "%s%s  %s  [%s]%s\n", indent, msgPersonText(m.Author), m.Time, m.ID, note)
		for _, line := range strings.Split(termLines(m.Text), "\n") {
			fmt.Fprintf(w, "%s  %s\n", indent, line)
		}
	}
}

func runMessageReply(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, -1); err != nil {
		return err
	}
	req := wire.MessageReply{Text: strings.Join(c.args[1:], " ")}
	if s := c.str("to-entry"); s != "" {
		id, err := entry.ParseID(s)
		if err != nil {
			return usagef("--to-entry: %v", err)
		}
		req.ReplyTo = id.String()
	}
	return c.withMessages(func(b messageBackend) error {
		id, err := conversationArg(ctx, b, c.args[0])
		if err != nil {
			return err
		}
		if req.ReplyTo == "" {
			v, err := b.Conversation(ctx, id, wire.Page{Limit: 1})
			if err != nil {
				return messageFailed(err, id)
			}
			if v.Last != nil {
				req.ReplyTo = v.Last.ID
			}
		}
		s, err := b.ReplyMessage(ctx, id, req)
		if err != nil {
			return messageFailed(err, id)
		}
		return c.out(s, func(w io.Writer) { fmt.Fprintln(w, s.ID) })
	})
}

// renewalText says what a renewal of the conversation's key did
// (doc/protocol/messages.md §11), with names.
func renewalText(r wire.KeyRenewal) string {
	who := msgPersonText(r.By)
	if r.Device != "" {
		who += " (" + termText(r.Device) + ")"
	}
	if !r.Given {
		return fmt.Sprintf("key renewed by %s after a device was revoked; this device was not given the new key, so it cannot read what is sealed under it", who)
	}
	out := "key renewed by " + who
	if len(r.Revoked) > 0 {
		names := make([]string, len(r.Revoked))
		for i, n := range r.Revoked {
			names[i] = termText(n)
		}
		out += ": " + strings.Join(names, ", ") + " " + plural(len(names), "was", "were") + " revoked"
	}
	if r.Current {
		out += " (messages are sealed under it now)"
	}
	return out
}
