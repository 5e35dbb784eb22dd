package node_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// foundVillage founds a village of a and b (both locals).
func foundVillage(t *testing.T, a, b *node.Node) entry.ID {
	t.Helper()
	ctx := t.Context()
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{acc(b)})
	if err != nil {
		t.Fatal(err)
	}
	share(t, a, b)
	if _, err := b.AcceptVillage(ctx, fe.ID); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	return fe.ID
}

func countEntries(t *testing.T, n *node.Node) int {
	t.Helper()
	return len(allEntries(t, n))
}

func TestDecisionInVillage(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{}) // not a local
	vid := foundVillage(t, a, b)

	// Bad starts publish nothing.
	before := countEntries(t, a)
	for _, tc := range []struct {
		start *conversation.Start
		want  string
	}{
		{&conversation.Start{Topic: "Paint", Pattern: "proposal", Method: "cel", Expr: "agree >", Text: "blue"}, "does not compile"},
		{&conversation.Start{Topic: "Paint", Pattern: "proposal", Method: "cel", Expr: "agreed > 1", Text: "blue"}, "undeclared reference to 'agreed'"},
		{&conversation.Start{Topic: "Paint", Pattern: "proposal", Method: "cel", Expr: "agree + 1", Text: "blue"}, "must yield true or false"},
		{&conversation.Start{Topic: "Paint", Pattern: "proposal", Method: "cel", Expr: "[1,2,3,4,5,6,7,8].all(a, [1,2,3,4,5,6,7,8].all(b, [1,2,3,4,5,6,7,8].all(c, [1,2,3,4,5,6,7,8].all(d, [1,2,3,4,5,6,7,8].all(e, [1,2,3,4,5,6,7,8].all(f, a+b+c+d+e+f > 0))))))", Text: "blue"}, "costs more than the limit"},
		{&conversation.Start{Topic: "Paint", Pattern: "poll", Method: "consent", Options: []string{"x", "y"}, Ballot: "approval"}, "counts positions"},
	} {
		_, _, err := a.StartDecision(ctx, node.NewDecision{Village: vid, Start: tc.start})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("start %q: %v, want an error with %q", tc.start.Expr, err, tc.want)
		}
	}
	if got := countEntries(t, a); got != before {
		t.Fatalf("refused starts published %d entries", got-before)
	}

	se, place, err := a.StartDecision(ctx, node.NewDecision{Village: vid, Start: &conversation.Start{
		Topic: "Paint the gate", Pattern: "proposal", Method: "consent", Text: "Paint it blue"}})
	if err != nil {
		t.Fatal(err)
	}
	if place.Village != vid {
		t.Fatalf("place = %+v", place)
	}
	id := se.ID
	if _, err := a.Speak(ctx, id, &conversation.Ballot{Choice: []uint64{0}}); !errors.Is(err, node.ErrDecisionRule) || !strings.Contains(err.Error(), "ballots belong to the poll pattern") {
		t.Fatalf("a ballot in a proposal: %v", err)
	}
	if _, err := b.Decision(ctx, id); !errors.Is(err, node.ErrNoDecision) {
		t.Fatalf("b reads a conversation it does not hold: %v", err)
	}
	share(t, a, b, c)
	if _, err := c.Decision(ctx, id); !errors.Is(err, node.ErrNoDecision) {
		t.Fatalf("a non-local reads the village's conversation: %v", err)
	}
	if _, err := b.Speak(ctx, id, &conversation.Amend{Text: "with a white frame"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Speak(ctx, id, &conversation.PositionMsg{Position: conversation.Agree}); err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	v, err := a.Decision(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.State.Closed() || v.State.Tally.Agree != 1 || v.State.Tally.Participants != 2 {
		t.Fatalf("after b agrees: closed %v, tally %+v", v.State.Closed(), v.State.Tally)
	}
	last, err := a.Speak(ctx, id, &conversation.PositionMsg{Position: conversation.Agree})
	if err != nil {
		t.Fatal(err)
	}
	share(t, a, b)
	for _, n := range []*node.Node{a, b} {
		v, err := n.Decision(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		o := v.State.Outcome
		if o == nil || o.At != last.ID || o.Text != "Paint it blue" || len(o.Amendments) != 1 || o.Amendments[0] != "with a white frame" || len(o.Agreed) != 2 {
			t.Fatalf("outcome = %+v", o)
		}
		if v.PlaceName != "Elm street" || v.State.Start.Topic != "Paint the gate" {
			t.Fatalf("view %q %q", v.PlaceName, v.State.Start.Topic)
		}
	}
	// After the outcome, positions are refused before publishing.
	if _, err := b.Speak(ctx, id, &conversation.PositionMsg{Position: conversation.Block, Reason: "too late"}); !errors.Is(err, node.ErrDecisionRule) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("a position after the outcome: %v", err)
	}
	// A say is still kept.
	if _, err := b.Speak(ctx, id, &conversation.Say{Text: "thanks"}); err != nil {
		t.Fatal(err)
	}
	ds, err := a.Decisions(ctx)
	if err != nil || len(ds) != 1 || ds[0].ID != id || !ds[0].State.Closed() {
		t.Fatalf("Decisions = %+v, %v", ds, err)
	}
}

// A hostile participant publishes entries a node would refuse: every node
// ignores them alike, with the reason.
func TestDecisionHostileEntriesIgnored(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	vid := foundVillage(t, a, b)
	se, _, err := a.StartDecision(ctx, node.NewDecision{Village: vid, Start: &conversation.Start{
		Topic: "Lunch", Pattern: "poll", Method: "approval", Options: []string{"soup", "bread"}, Ballot: "approval"}})
	if err != nil {
		t.Fatal(err)
	}
	share(t, a, b)
	bad, err := conversation.Encode(&conversation.Ballot{Conversation: se.ID, Choice: []uint64{7}})
	if err != nil {
		t.Fatal(err)
	}
	he, err := b.AppendRaw(ctx, node.ConvVillageLog(vid), bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Speak(ctx, se.ID, &conversation.Ballot{Choice: []uint64{5}}); !errors.Is(err, node.ErrDecisionRule) || !strings.Contains(err.Error(), "option 5 does not exist (the poll has 2 options)") {
		t.Fatalf("Speak with an unknown option: %v", err)
	}
	share(t, b, a)
	for _, n := range []*node.Node{a, b} {
		v, err := n.Decision(ctx, se.ID)
		if err != nil {
			t.Fatal(err)
		}
		var why string
		for _, ev := range v.State.History {
			if ev.ID == he.ID {
				why = ev.Reason
			}
		}
		if why != "option 7 does not exist (the poll has 2 options)" {
			t.Fatalf("the hostile ballot: reason %q", why)
		}
	}
	// Read again with nothing new: the state comes from memory; a new
	// entry makes a new one.
	v1, _ := a.Decision(ctx, se.ID)
	v2, _ := a.Decision(ctx, se.ID)
	if v1.State != v2.State {
		t.Fatal("the same conversation was reduced twice")
	}
	if _, err := a.Speak(ctx, se.ID, &conversation.Ballot{Choice: []uint64{0}}); err != nil {
		t.Fatal(err)
	}
	v3, _ := a.Decision(ctx, se.ID)
	if v3.State == v1.State || len(v3.State.History) != len(v1.State.History)+1 {
		t.Fatalf("after a ballot: %d events, were %d", len(v3.State.History), len(v1.State.History))
	}
}

func TestDecisionAmongChosenPeopleIsSealed(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	c, _ := initNode(t, node.Options{})
	shareAll(t, a, b, c)
	se, place, err := a.StartDecision(ctx, node.NewDecision{People: []identity.PublicKey{acc(b), acc(c)}, Start: &conversation.Start{
		Topic: "Quokka outing", Pattern: "poll", Method: "instant-runoff", Options: []string{"Tuesday", "Wednesday", "Thursday"}, Ballot: "ranked"}})
	if err != nil {
		t.Fatal(err)
	}
	if place.Space.IsZero() {
		t.Fatalf("place = %+v", place)
	}
	id := se.ID
	// The members' nodes publish their keys, a's wraps the epoch to them.
	for range 2 {
		shareAll(t, a, b, c)
		for _, n := range []*node.Node{a, b, c} {
			if _, err := n.Space(ctx, place.Space); err != nil {
				t.Fatal(err)
			}
		}
	}
	shareAll(t, a, b, c)
	if _, err := b.Speak(ctx, id, &conversation.Ballot{Choice: []uint64{1, 0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Speak(ctx, id, &conversation.Ballot{Choice: []uint64{1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Speak(ctx, id, &conversation.Ballot{Choice: []uint64{0, 2}}); err != nil {
		t.Fatal(err)
	}
	shareAll(t, a, b, c)
	for _, n := range []*node.Node{a, b, c} {
		v, err := n.Decision(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if o := v.State.Outcome; o == nil || o.WinnerText != "Wednesday" {
			t.Fatalf("outcome %+v (problem %q, history %+v)", o, v.State.Problem, v.State.History)
		}
		if len(v.State.Participants) != 3 {
			t.Fatalf("participants %d", len(v.State.Participants))
		}
	}
	// Nothing of it is in the clear in any store.
	for _, n := range []*node.Node{a, b, c} {
		for _, s := range allEntries(t, n) {
			for _, w := range []string{"Quokka", "Wednesday", "conversation."} {
				if bytes.Contains(s.Payload, []byte(w)) {
					t.Fatalf("%q is in the clear in entry %s", w, s.ID)
				}
			}
		}
	}
}

// A participant who floods its conversation log silences only its own
// later entries: the first MaxDecisionLogEntries of each device's log
// count, every node reads at most that many, and its own node refuses to
// write more. A stranger (not a local) who writes a conversation log of
// the village is not read at all.
func TestDecisionFloodAndStrangers(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	s, _ := initNode(t, node.Options{})
	vid := foundVillage(t, a, b)
	se, _, err := a.StartDecision(ctx, node.NewDecision{Village: vid, Start: &conversation.Start{
		Topic: "Paint", Pattern: "proposal", Method: "unanimity", Text: "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	share(t, a, b, s)
	say, err := conversation.Encode(&conversation.Say{Conversation: se.ID, Text: "spam"})
	if err != nil {
		t.Fatal(err)
	}
	for range node.MaxDecisionLogEntries {
		if _, err := b.AppendRaw(ctx, node.ConvVillageLog(vid), say); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Speak(ctx, se.ID, &conversation.PositionMsg{Position: conversation.Agree}); !errors.Is(err, node.ErrDecisionRule) || !strings.Contains(err.Error(), "this device has written 4096 conversation entries in this village") {
		t.Fatalf("Speak past the limit: %v", err)
	}
	agree, err := conversation.Encode(&conversation.PositionMsg{Conversation: se.ID, Position: conversation.Agree})
	if err != nil {
		t.Fatal(err)
	}
	late, err := b.AppendRaw(ctx, node.ConvVillageLog(vid), agree)
	if err != nil {
		t.Fatal(err)
	}
	// A stranger's start and position in the village's conversation log.
	fake, err := conversation.Encode(&conversation.Start{Topic: "Give me the keys", Pattern: "proposal", Method: "quorum", Params: []uint64{1}, Text: "keys", Members: vid})
	if err != nil {
		t.Fatal(err)
	}
	fe, err := s.AppendRaw(ctx, node.ConvVillageLog(vid), fake)
	if err != nil {
		t.Fatal(err)
	}
	share(t, b, a)
	share(t, s, a)
	v, err := a.Decision(ctx, se.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.State.Messages != node.MaxDecisionLogEntries || len(v.Capped) != 1 || v.Capped[0] != dev(b) {
		t.Fatalf("messages %d, capped %v", v.State.Messages, v.Capped)
	}
	for _, ev := range v.State.History {
		if ev.ID == late.ID {
			t.Fatal("the entry past the limit was read")
		}
	}
	if _, err := a.Decision(ctx, fe.ID); !errors.Is(err, node.ErrNoDecision) {
		t.Fatalf("the stranger's conversation: %v", err)
	}
	ds, err := a.Decisions(ctx)
	if err != nil || len(ds) != 1 || ds[0].ID != se.ID {
		t.Fatalf("Decisions = %+v, %v", ds, err)
	}
}
