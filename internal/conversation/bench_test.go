package conversation

import (
	"math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// bigPoll builds a ranked poll over 10 options among 10,000 members, each
// casting one full random ranking.
func bigPoll(b *testing.B, method, expr string) Input {
	const n, k = 10000, 10
	opts := make([]string, k)
	for i := range opts {
		opts[i] = string(rune('a' + i))
	}
	starter := &log{key: key(b, 0)}
	start := starter.add(b, &Start{Topic: "big", Pattern: PatternPoll, Method: method, Expr: expr, Members: entry.ID{9}, Options: opts, Ballot: BallotRanked})
	es := []*entry.Entry{start}
	members := make([]identity.PublicKey, n)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range n {
		l := &log{key: key(b, i+1)}
		members[i] = l.key.Public()
		perm := rng.Perm(k)
		c := make([]uint64, k)
		for j, p := range perm {
			c[j] = uint64(p)
		}
		es = append(es, l.add(b, &Ballot{Conversation: start.ID, Choice: c, Causal: Causal{Refs: []entry.ID{start.ID}}}))
	}
	return Input{Conversation: start.ID, Entries: es, Members: members}
}

func benchPoll(b *testing.B, method, expr string) {
	in := bigPoll(b, method, expr)
	b.ResetTimer()
	for b.Loop() {
		s := Reduce(in)
		if !s.Closed() && method != MethodCEL {
			b.Fatalf("no outcome: %+v", s.Tally)
		}
	}
}

func BenchmarkPoll10kRankedSchulze(b *testing.B)       { benchPoll(b, MethodSchulze, "") }
func BenchmarkPoll10kRankedInstantRunoff(b *testing.B) { benchPoll(b, MethodInstantRunoff, "") }
func BenchmarkPoll10kRankedCEL(b *testing.B) {
	benchPoll(b, MethodCEL, "ballots == participants && votes.exists(v, v * 2 > ballots)")
}

// BenchmarkTally10kRanked: the count alone, over 10,000 ranked ballots of
// 10 options.
func BenchmarkTally10kRanked(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	bs := make([][]uint64, 10000)
	for i := range bs {
		for _, p := range rng.Perm(10) {
			bs[i] = append(bs[i], uint64(p))
		}
	}
	b.Run("schulze", func(b *testing.B) {
		for b.Loop() {
			Schulze(10, bs)
		}
	})
	b.Run("instant-runoff", func(b *testing.B) {
		for b.Loop() {
			InstantRunoff(10, bs)
		}
	})
}
