package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// The conversation commands (doc/api.md, "Decisions"): conversations that
// end in a decision, among a village's locals, a space's members or chosen
// people. Every command goes through the backend, so it works the same
// with and without a running node.

func init() {
	register(&command{
		name:    "conversation start",
		args:    "TOPIC (--village VILLAGE_ID | --space SPACE_ID | --with PERSON…) [--text PROPOSAL | --option OPTION…] [--method METHOD]",
		summary: "start a conversation that ends in a decision: a proposal, a poll or a discussion",
		help: "Among a village's locals (--village), a space's members (--space) or chosen people\n" +
			"(--with: acc_… or the name of an account you follow; a sealed space is made for them).\n" +
			"--text makes it a proposal (positions: agree, disagree, abstain, block), --option (2 to 64)\n" +
			"a poll. Methods: unanimity, consent (default for a proposal), majority, majority-of-voters,\n" +
			"qualified and qualified-of-voters (--params 2/3), quorum (--params K), approval (default for\n" +
			"a poll), score, instant-runoff, schulze, or cel with --expr, an expression over the tally\n" +
			"(participants, answered, agree, disagree, abstain, block, messages, amendments, options,\n" +
			"ballots, votes, deadline_passed), e.g. --expr 'agree * 3 >= participants * 2 && block == 0'.\n" +
			"--after N: the deadline passes once N messages were written. Nothing is published when\n" +
			"the start is refused.",
		flags: flags(strFlag("village", "among this village's locals (ent_…)"),
			strFlag("space", "among this space's members (ent_…)"),
			multi("with", "a participant besides you: acc_… or the name of an account you follow; repeatable"),
			strFlag("pattern", "proposal, poll or discussion (default: proposal with --text, poll with --option)"),
			strFlag("method", "the consensus method (see above)"),
			strFlag("params", "the method's parameters: P/Q for a qualified majority, K for a quorum"),
			strFlag("expr", "the cel expression, with --method cel (or alone)"),
			strFlag("text", "the proposal's text"),
			multi("option", "a poll option; repeatable, 2 to 64"),
			strFlag("ballot", "approval, ranked or score (default: what the method counts)"),
			strFlag("after", "the deadline: after this many messages"),
			strFlag("speaker", "an announcement's speaker: acc_… or the name of an account you follow (default: you)"),
			strFlag("places", "an invitation's limit of places"),
			strFlag("deadline", "the stated deadline, e.g. 2026-12-31T18:00:00Z: it passes when a participant declares it (conversation deadline)")),
		run: runConversationStart,
	})
	register(&command{
		name:    "conversation list",
		summary: "list the conversations of your villages and spaces, open ones with what they still need",
		run:     runConversationList,
	})
	register(&command{
		name:    "conversation show",
		args:    "CONVERSATION_ID",
		summary: "show a conversation: its rule in plain words, the tally, what is still needed, the outcome, the history",
		run:     runConversationShow,
	})
	register(&command{
		name:    "conversation say",
		args:    "CONVERSATION_ID TEXT",
		summary: "write a message in a conversation",
		flags:   strFlag("reply-to", "the entry (ent_…) it answers"),
		run:     runConversationSay,
	})
	register(&command{
		name:    "conversation amend",
		args:    "CONVERSATION_ID TEXT",
		summary: "propose an amendment to a proposal",
		run:     runConversationAmend,
	})
	register(&command{
		name:    "conversation position",
		args:    "CONVERSATION_ID agree|disagree|abstain|block [REASON]",
		summary: "take a position on a proposal (a block needs a reason); your latest position counts",
		run:     runConversationPosition,
	})
	register(&command{
		name:    "conversation ack",
		args:    "CONVERSATION_ID",
		summary: "acknowledge an announcement",
		run:     runConversationAck,
	})
	register(&command{
		name:    "conversation answer",
		args:    "CONVERSATION_ID yes|no|maybe",
		summary: "answer an invitation; your latest answer counts (a yes takes a free place or waits for one)",
		run:     runConversationAnswer,
	})
	register(&command{
		name:    "conversation argue",
		args:    "CONVERSATION_ID for|against TEXT",
		summary: "write an argument in a debate, for or against the motion, answering another argument with --answers",
		flags:   strFlag("answers", "the argument (ent_…) it answers"),
		run:     runConversationArgue,
	})
	register(&command{
		name:    "conversation deadline",
		args:    "CONVERSATION_ID",
		summary: "declare the stated deadline passed (only once this device's clock has reached it); the tally is final from then on",
		run:     runConversationDeadline,
	})
	register(&command{
		name:    "conversation vote",
		args:    "CONVERSATION_ID OPTION… | CONVERSATION_ID --scores S,S,…",
		summary: "vote in a poll: the options you approve, or rank best first, by name or number; or one score 0–10 per option",
		flags:   strFlag("scores", "a score ballot: one score from 0 to 10 per option, in order, comma separated"),
		run:     runConversationVote,
	})
}

// decisionArg checks a conversation id argument (ent_…).
func decisionArg(s string) (string, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return "", usagef("CONVERSATION_ID: %v ('kith conversation list' shows the ids)", err)
	}
	return id.String(), nil
}

// conversationFailed makes the backend's error say what to do next.
func conversationFailed(err error, id string) error {
	var we *wire.Error
	if errors.As(err, &we) {
		switch we.Code {
		case wire.CodeNotFound:
			if strings.HasPrefix(we.Message, "no conversation") {
				return fmt.Errorf("no conversation %s is held here: check the id with 'kith conversation list', or wait until its entries arrive from a participant's device", id)
			}
		case wire.CodeSpaceWaiting:
			return fmt.Errorf("%s\nnothing was sent; try again later", we.Message)
		case wire.CodeConflict:
			if id != "" {
				return fmt.Errorf("%s\nnothing was sent; 'kith conversation show %s' shows where it stands", we.Message, id)
			}
		}
	}
	return err
}

// defaultBallot is the ballot a poll method counts.
var defaultBallot = map[string]string{"approval": "approval", "score": "score", "instant-runoff": "ranked", "schulze": "ranked"}

func runConversationStart(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	req := wire.ConversationStart{Topic: c.args[0], Pattern: c.str("pattern"), Method: c.str("method"),
		Expr: c.str("expr"), Text: c.str("text"), Options: *c.multi["option"], Ballot: c.str("ballot")}
	if strings.TrimSpace(req.Topic) == "" {
		return usagef("TOPIC: a conversation needs a topic")
	}
	with := *c.multi["with"]
	places := 0
	for _, f := range []struct {
		flag string
		dst  *string
	}{{"village", &req.Village}, {"space", &req.Space}} {
		if v := c.str(f.flag); v != "" {
			id, err := entry.ParseID(v)
			if err != nil {
				return usagef("--%s: %v", f.flag, err)
			}
			*f.dst = id.String()
			places++
		}
	}
	switch {
	case places > 1:
		return usagef("--village, --space: name one place")
	case places == 0 && len(with) == 0:
		return usagef("say who decides: --village VILLAGE_ID (its locals), --space SPACE_ID (its members) or --with PERSON (repeatable)")
	}
	if req.Expr != "" && req.Method == "" {
		req.Method = "cel"
	}
	if req.Pattern == "" {
		switch {
		case len(req.Options) > 0:
			req.Pattern = "poll"
		case req.Text != "":
			req.Pattern = "proposal"
		default:
			return usagef("--text PROPOSAL makes a proposal, --option OPTION (repeated) a poll; or give --pattern (discussion, announcement, invitation or debate)")
		}
	}
	if req.Method == "" {
		req.Method = map[string]string{"poll": "approval", "proposal": "consent", "announcement": "unanimity", "debate": "majority-of-voters"}[req.Pattern]
		if req.Method == "" {
			return usagef("--method: a %s needs a method (e.g. cel with --expr)", req.Pattern)
		}
	}
	if req.Pattern == "poll" && req.Ballot == "" {
		req.Ballot = defaultBallot[req.Method]
		if req.Ballot == "" {
			req.Ballot = "approval"
		}
	}
	if p := c.str("params"); p != "" {
		for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == ',' || r == ' ' }) {
			v, err := strconv.ParseUint(part, 10, 32)
			if err != nil {
				return usagef("--params: %q: want P/Q (e.g. 2/3) or K (e.g. 3)", p)
			}
			req.Params = append(req.Params, v)
		}
	}
	if p := c.str("places"); p != "" {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil || v == 0 {
			return usagef("--places: %q: want a number of places, at least 1", p)
		}
		req.Places = v
	}
	req.Speaker, req.Deadline = c.str("speaker"), c.str("deadline")
	if a := c.str("after"); a != "" {
		v, err := strconv.ParseUint(a, 10, 32)
		if err != nil || v == 0 {
			return usagef("--after: %q: want a number of messages, at least 1", a)
		}
		req.After = v
	}
	return c.withBackend(func(b backend) error {
		var cands []candidate
		if needsNames(with...) {
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
			req.People = append(req.People, a)
		}
		e, err := b.StartDecision(ctx, req)
		if err != nil {
			var we *wire.Error
			if errors.As(err, &we) && we.Code == wire.CodeBadRequest {
				return fmt.Errorf("%s\nsee 'kith conversation start --help' for the patterns and methods", we.Message)
			}
			return conversationFailed(err, "")
		}
		return c.out(e, func(w io.Writer) {
			fmt.Fprintln(w, e.Conversation)
			fmt.Fprintf(c.env.Stderr, "started in the %s %q; 'kith conversation show %s' shows where it stands\n", e.Place.Kind, termText(e.Place.Name), e.Conversation)
		})
	})
}

func runConversationList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		l, err := b.Decisions(ctx)
		if err != nil {
			return err
		}
		return c.out(l, func(w io.Writer) {
			if len(l.Conversations) == 0 {
				fmt.Fprintln(w, "no conversations; start one with 'kith conversation start TOPIC --village VILLAGE_ID --text PROPOSAL'")
				return
			}
			for _, d := range l.Conversations {
				state := "open: needs " + d.Needed
				switch {
				case d.Problem != "":
					state = "unreadable: " + d.Problem
				case d.Closed:
					state = "decided: " + termText(d.Outcome)
				}
				fmt.Fprintf(w, "%s  %-8s  %s (%s %q)  %s\n", d.ID, d.Pattern, termText(d.Topic), d.Place.Kind, termText(d.Place.Name), state)
			}
		})
	})
}

func runConversationShow(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		d, err := b.Decision(ctx, id)
		if err != nil {
			return conversationFailed(err, id)
		}
		return c.out(d, func(w io.Writer) { printDecision(w, d) })
	})
}

// who is how a participant shows.
func who(p wire.ConversationPerson) string {
	s := personText(p.Name, p.Account)
	if p.Me {
		s += " (you)"
	}
	return s
}

func printDecision(w io.Writer, d wire.Decision) {
	if d.Problem != "" {
		fmt.Fprintf(w, "%s\ncannot be read: %s\n", d.ID, d.Problem)
		return
	}
	fmt.Fprintf(w, "%s  %s\n", termText(d.Topic), d.ID)
	article := "a"
	if strings.ContainsRune("aeiou", rune(d.Pattern[0])) {
		article = "an"
	}
	fmt.Fprintf(w, "%s %s in the %s %q, started by %s\n", article, d.Pattern, d.Place.Kind, termText(d.Place.Name), who(d.Starter))
	if d.Text != "" {
		fmt.Fprintf(w, "proposal: %s\n", termText(d.Text))
		for _, a := range d.Amendments {
			fmt.Fprintf(w, "  amendment: %s\n", termText(a))
		}
	}
	fmt.Fprintf(w, "rule: %s\n", termText(d.Rule))
	t := d.Tally
	if d.Pattern == "poll" {
		fmt.Fprintf(w, "tally: %d of %d voted; %d messages\n", t.Answered, t.Participants, t.Messages)
		for _, o := range d.Options {
			fmt.Fprintf(w, "  %d. %s  %d\n", o.Number, termText(o.Text), o.Votes)
		}
	} else {
		fmt.Fprintf(w, "tally: %d agree, %d disagree, %d abstain, %d block; %d of %d answered; %d messages\n",
			t.Agree, t.Disagree, t.Abstain, t.Block, t.Answered, t.Participants, t.Messages)
	}
	if d.Deadline != "" {
		fmt.Fprintf(w, "deadline: %s\n", d.Deadline)
	}
	if d.Outcome != nil {
		fmt.Fprintf(w, "DECIDED: %s (closed; later messages change nothing)\n", termText(d.Outcome.Summary))
	} else {
		fmt.Fprintf(w, "still needed: %s\n", termText(d.Needed))
	}
	if d.MethodError != "" {
		fmt.Fprintf(w, "the expression's last evaluation failed: %s\n", termText(d.MethodError))
	}
	printPatternParts(w, d)
	fmt.Fprintf(w, "participants (%d)\n", len(d.Participants))
	for _, p := range d.Participants {
		stand := "(no answer yet)"
		switch {
		case p.Position != "" && p.Reason != "":
			stand = p.Position + ": " + termText(p.Reason)
		case p.Position != "":
			stand = p.Position
		case p.Ballot != "":
			stand = termText(p.Ballot)
		}
		fmt.Fprintf(w, "  %s  %s\n", who(p), stand)
	}
	fmt.Fprintf(w, "history (%d", len(d.History))
	if d.Ignored > 0 {
		fmt.Fprintf(w, ", %d ignored", d.Ignored)
	}
	fmt.Fprintln(w, ")")
	for _, h := range d.History {
		line := fmt.Sprintf("  %s  %s  %s: %s", h.ID, who(h.Author), h.Kind, termText(h.Text))
		if !h.Applied {
			line += "\n      ignored: " + termText(h.Reason)
		}
		fmt.Fprintln(w, line)
	}
	for _, u := range d.Unreadable {
		fmt.Fprintf(w, "  %s  cannot be read here: %s\n", u.ID, termText(u.Reason))
	}
	if d.Capped > 0 {
		fmt.Fprintf(w, "%d devices wrote more entries than count (the first 4096 of each count)\n", d.Capped)
	}
}

// printWritten prints a written entry's id, with a hint.
func (c *call) printWritten(e wire.ConversationEntry) error {
	return c.out(e, func(w io.Writer) {
		fmt.Fprintln(w, e.ID)
		fmt.Fprintf(c.env.Stderr, "'kith conversation show %s' shows where it stands\n", e.Conversation)
	})
}

func runConversationSay(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.ConversationSay{Text: c.args[1]}
	if r := c.str("reply-to"); r != "" {
		rid, err := entry.ParseID(r)
		if err != nil {
			return usagef("--reply-to: %v", err)
		}
		req.Reply = rid.String()
	}
	return c.withBackend(func(b backend) error {
		e, err := b.SayInDecision(ctx, id, req)
		if err != nil {
			return conversationFailed(err, id)
		}
		return c.printWritten(e)
	})
}

func runConversationAmend(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		e, err := b.AmendDecision(ctx, id, wire.ConversationAmend{Text: c.args[1]})
		if err != nil {
			return conversationFailed(err, id)
		}
		return c.printWritten(e)
	})
}

func runConversationPosition(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 3); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.ConversationPosition{Position: strings.ToLower(c.args[1])}
	switch req.Position {
	case "agree", "disagree", "abstain", "block":
	default:
		return usagef("POSITION: %q is not agree, disagree, abstain or block", termText(c.args[1]))
	}
	if len(c.args) == 3 {
		req.Reason = c.args[2]
	}
	if req.Position == "block" && strings.TrimSpace(req.Reason) == "" {
		return usagef("REASON: a block needs a reason: say why, so the others can answer it")
	}
	return c.withBackend(func(b backend) error {
		e, err := b.PositionInDecision(ctx, id, req)
		if err != nil {
			return conversationFailed(err, id)
		}
		return c.printWritten(e)
	})
}

func runConversationVote(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, -1); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.ConversationVote{Options: c.args[1:]}
	if s := c.str("scores"); s != "" {
		if len(req.Options) > 0 {
			return usagef("--scores: give scores or options, not both")
		}
		for _, part := range strings.Split(s, ",") {
			v, err := strconv.ParseUint(strings.TrimSpace(part), 10, 8)
			if err != nil || v > 10 {
				return usagef("--scores: %q: want one score from 0 to 10 per option, comma separated", s)
			}
			req.Scores = append(req.Scores, v)
		}
	}
	return c.withBackend(func(b backend) error {
		e, err := b.VoteInDecision(ctx, id, req)
		if err != nil {
			var we *wire.Error
			if errors.As(err, &we) && we.Code == wire.CodeBadRequest {
				return fmt.Errorf("%s\nnothing was sent", we.Message)
			}
			return conversationFailed(err, id)
		}
		return c.printWritten(e)
	})
}

// writeContribution runs one contribution through the backend and prints
// what was written.
func (c *call) writeContribution(id string, write func(b backend) (wire.ConversationEntry, error)) error {
	return c.withBackend(func(b backend) error {
		e, err := write(b)
		if err != nil {
			return conversationFailed(err, id)
		}
		return c.printWritten(e)
	})
}

func runConversationAck(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	return c.writeContribution(id, func(b backend) (wire.ConversationEntry, error) { return b.AckDecision(ctx, id) })
}

func runConversationAnswer(ctx context.Context, c *call) error {
	if err := c.wantArgs(2, 2); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.ConversationAnswer{Answer: strings.ToLower(c.args[1])}
	switch req.Answer {
	case "yes", "no", "maybe":
	default:
		return usagef("ANSWER: %q is not yes, no or maybe", termText(c.args[1]))
	}
	return c.writeContribution(id, func(b backend) (wire.ConversationEntry, error) { return b.AnswerDecision(ctx, id, req) })
}

func runConversationArgue(ctx context.Context, c *call) error {
	if err := c.wantArgs(3, 3); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	req := wire.ConversationArgument{Side: strings.ToLower(c.args[1]), Text: c.args[2]}
	if req.Side != "for" && req.Side != "against" {
		return usagef("SIDE: %q is not for or against", termText(c.args[1]))
	}
	if a := c.str("answers"); a != "" {
		aid, err := entry.ParseID(a)
		if err != nil {
			return usagef("--answers: %v", err)
		}
		req.Answers = aid.String()
	}
	return c.writeContribution(id, func(b backend) (wire.ConversationEntry, error) { return b.ArgueInDecision(ctx, id, req) })
}

func runConversationDeadline(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	id, err := decisionArg(c.args[0])
	if err != nil {
		return err
	}
	return c.writeContribution(id, func(b backend) (wire.ConversationEntry, error) { return b.DeclareDeadline(ctx, id) })
}

// printPatternParts prints what an announcement, an invitation or a
// debate holds besides the tally.
func printPatternParts(w io.Writer, d wire.Decision) {
	names := func(ps []wire.ConversationPerson) string {
		if len(ps) == 0 {
			return "no one yet"
		}
		var out []string
		for _, p := range ps {
			out = append(out, who(p))
		}
		return strings.Join(out, ", ")
	}
	switch d.Pattern {
	case "announcement":
		if d.Speaker != nil {
			fmt.Fprintf(w, "speaker: %s\n", who(*d.Speaker))
		}
		fmt.Fprintf(w, "acknowledged by: %s\n", names(d.Acknowledged))
	case "invitation":
		if d.Places > 0 {
			fmt.Fprintf(w, "places: %d, taken by %s\n", d.Places, names(d.Guests))
		} else {
			fmt.Fprintf(w, "coming: %s\n", names(d.Guests))
		}
		if len(d.Waiting) > 0 {
			fmt.Fprintf(w, "waiting for a place, in order: %s\n", names(d.Waiting))
		}
	case "debate":
		fmt.Fprintf(w, "arguments (%d)\n", len(d.Arguments))
		for _, a := range d.Arguments {
			answers := "the motion"
			if a.Answers != "" {
				answers = a.Answers
			}
			fmt.Fprintf(w, "  %s  %s, %s (answering %s): %s\n", a.ID, who(a.Author), a.Side, answers, termText(a.Text))
		}
	}
}
