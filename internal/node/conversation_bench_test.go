package node_test

import (
	"testing"
	"time"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

func initNodeB(b *testing.B) (*node.Node, identity.Phrase) {
	n, phrase, err := node.Init(b.TempDir(), node.Options{Now: stepClock(epoch, time.Second)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	return n, phrase
}

func shareB(b *testing.B, from, to *node.Node) {
	heads, err := from.Store().Heads(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	var es []*entry.Entry
	if err := from.EachEntry(b.Context(), heads, func(e *store.Stored) error {
		es = append(es, e.Entry)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if _, err := to.Store().Ingest(b.Context(), es); err != nil {
		b.Fatal(err)
	}
}

func foundVillageB(b *testing.B, x, y *node.Node) entry.ID {
	ctx := b.Context()
	fe, err := x.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{y.Account().Key()})
	if err != nil {
		b.Fatal(err)
	}
	shareB(b, x, y)
	if _, err := y.AcceptVillage(ctx, fe.ID); err != nil {
		b.Fatal(err)
	}
	shareB(b, y, x)
	return fe.ID
}

// BenchmarkDecisionRead: reading a village conversation of 4,000
// messages (2,000 by each of two locals, each evaluating a cel rule that
// never holds) again with nothing new: gather from the store and decode,
// the state from memory (conversationmemo.go). With -benchtime=1x the one
// read reduces too.
func BenchmarkDecisionRead(b *testing.B) {
	ctx := b.Context()
	x, _ := initNodeB(b)
	y, _ := initNodeB(b)
	vid := foundVillageB(b, x, y)
	se, _, err := x.StartDecision(ctx, node.NewDecision{Village: vid, Start: &conversation.Start{
		Topic: "Talk", Pattern: "discussion", Method: "cel", Expr: "messages > 100000 && block == 0"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []*node.Node{x, y} {
		say, err := conversation.Encode(&conversation.Say{Conversation: se.ID, Text: "a message of some length, as people write them"})
		if err != nil {
			b.Fatal(err)
		}
		for range 2000 {
			if _, err := n.AppendRaw(ctx, node.ConvVillageLog(vid), say); err != nil {
				b.Fatal(err)
			}
		}
	}
	shareB(b, y, x)
	b.ResetTimer()
	for b.Loop() {
		v, err := x.Decision(ctx, se.ID)
		if err != nil || v.State.Messages != 4000 {
			b.Fatalf("%v %d", err, v.State.Messages)
		}
	}
}

// BenchmarkDecisionReadCostlyRule: the same read of 4,000 ballots in a
// poll of 64 options whose rule is the costliest kind a start may have
// (a quadratic walk over the 64 counts, within the cost limit): what a
// participant who starts such a poll and floods it can make a read cost.
// Run it with -benchtime=1x: the first read reduces, later ones come from
// memory until an entry arrives.
func BenchmarkDecisionReadCostlyRule(b *testing.B) {
	ctx := b.Context()
	x, _ := initNodeB(b)
	y, _ := initNodeB(b)
	vid := foundVillageB(b, x, y)
	opts := make([]string, conversation.MaxOptions)
	for i := range opts {
		opts[i] = "option " + string(rune('A'+i%26)) + string(rune('A'+i/26))
	}
	expr := "votes.map(v, v * 2).filter(v, v > 1).size() >= 0 && votes.map(v, v + 1).exists(v, v > 2) && votes.filter(v, v >= 0).size() >= 0 && messages > 100000"
	if _, err := conversation.CompileExpr(expr); err != nil {
		b.Fatal(err)
	}
	se, _, err := x.StartDecision(ctx, node.NewDecision{Village: vid, Start: &conversation.Start{
		Topic: "Poll", Pattern: "poll", Method: "cel", Expr: expr, Options: opts, Ballot: "approval"}})
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []*node.Node{x, y} {
		for i := range 2000 {
			bal, err := conversation.Encode(&conversation.Ballot{Conversation: se.ID, Choice: []uint64{uint64(i % 64)}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := n.AppendRaw(ctx, node.ConvVillageLog(vid), bal); err != nil {
				b.Fatal(err)
			}
		}
	}
	shareB(b, y, x)
	b.ResetTimer()
	for b.Loop() {
		v, err := x.Decision(ctx, se.ID)
		if err != nil || v.State.Messages != 4000 || v.State.MethodError != "" {
			b.Fatalf("%v %d %q", err, v.State.Messages, v.State.MethodError)
		}
	}
}
