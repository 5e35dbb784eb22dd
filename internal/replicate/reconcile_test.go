package replicate

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// testItem returns a deterministic item for log number n at seq.
func testItem(n int, seq uint64) Item {
	var it Item
	a := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("author"), uint64(n)))
	copy(it.Log.Author[:], a[:])
	it.Log.LogID[0] = byte(n % 3)
	it.Seq = seq
	it.Head = sha256.Sum256(binary.BigEndian.AppendUint64(a[:], seq))
	return it
}

func mustSet(t testing.TB, items []Item) *ItemSet {
	t.Helper()
	s, err := NewItemSet(items)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// roundTrip encodes and decodes ranges, as the wire does, so that every
// message of a simulated reconciliation is also checked by the decoder.
func roundTrip(t testing.TB, rs []Range) []Range {
	t.Helper()
	frame := AppendFrame(nil, &Reconcile{Ranges: rs})
	m, _, err := ReadMessage(bytes.NewReader(frame))
	if err != nil {
		t.Fatalf("a reconciler wrote a message the decoder refuses: %v", err)
	}
	return m.(*Reconcile).Ranges
}

// reconcileResult is what a simulated reconciliation produced.
type reconcileResult struct {
	learnedA, learnedB []Item // what each side learned of the other's set
	messages, bytes    int
}

// simulate runs a whole reconciliation between a (initiator) and b.
func simulate(t testing.TB, a, b *ItemSet, budget int) reconcileResult {
	t.Helper()
	ra, rb := NewReconciler(a, budget), NewReconciler(b, budget)
	var res reconcileResult
	msg := ra.Start()
	sides := [2]*Reconciler{rb, ra}
	learned := [2]*[]Item{&res.learnedB, &res.learnedA}
	for turn := 0; ; turn++ {
		if turn > 10000 {
			t.Fatal("reconciliation did not end after 10,000 messages")
		}
		res.messages++
		res.bytes += len(AppendFrame(nil, &Reconcile{Ranges: msg}))
		round := sides[turn%2].Respond(roundTrip(t, msg))
		*learned[turn%2] = append(*learned[turn%2], round.Learned...)
		if !round.Send {
			if !round.Done {
				t.Fatal("a round that sends nothing must be done")
			}
			return res
		}
		if round.Done {
			if NeedsAnswer(round.Reply) {
				t.Fatal("done, yet the reply asks for an answer")
			}
			res.messages++
			res.bytes += len(AppendFrame(nil, &Reconcile{Ranges: round.Reply}))
			final := sides[(turn+1)%2].Respond(roundTrip(t, round.Reply))
			*learned[(turn+1)%2] = append(*learned[(turn+1)%2], final.Learned...)
			if final.Send || !final.Done {
				t.Fatalf("the answer to a final message must end it: send=%v done=%v", final.Send, final.Done)
			}
			return res
		}
		msg = round.Reply
	}
}

// difference returns the items of x that y lacks or holds with another value, sorted.
func difference(x, y []Item) []Item {
	in := map[Item]bool{}
	for _, it := range y {
		in[it] = true
	}
	var out []Item
	for _, it := range x {
		if !in[it] {
			out = append(out, it)
		}
	}
	sortItems(out)
	return out
}

func sortItems(its []Item) {
	sort.Slice(its, func(i, j int) bool {
		a, b := keyOf(its[i].Log), keyOf(its[j].Log)
		return bytes.Compare(a[:], b[:]) < 0
	})
}

// dedupe sorts items and drops exact repeats (a side may learn an item
// twice when a message was cut by the budget).
func dedupe(its []Item) []Item {
	sortItems(its)
	return slices.Compact(its)
}

func equalItems(t testing.TB, what string, got, want []Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: item %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

func TestReconcileTable(t *testing.T) {
	items := func(ns ...int) []Item {
		var out []Item
		for _, n := range ns {
			out = append(out, testItem(n, 1))
		}
		return out
	}
	many := func(from, to int) []int {
		var out []int
		for i := from; i < to; i++ {
			out = append(out, i)
		}
		return out
	}
	cases := []struct {
		name           string
		a, b           []Item
		messages       int // exact number of messages
		maxBytes       int
		learnA, learnB []Item
	}{
		{"both empty", nil, nil, 2, 20, nil, nil},
		{"a empty", nil, items(1, 2, 3), 2, 400, items(1, 2, 3), nil},
		{"b empty", items(1, 2, 3), nil, 2, 400, nil, items(1, 2, 3)},
		{"equal small", items(1, 2, 3), items(1, 2, 3), 2, 400, nil, nil},
		{"equal large", items(many(0, 1000)...), items(many(0, 1000)...), 2, 60, nil, nil},
		{"one extra on b", items(many(0, 1000)...), items(many(0, 1001)...), 5, 1300, items(1000), nil},
		{"head differs", items(many(0, 500)...), append(items(many(0, 499)...), testItem(499, 2)), 5, 1100, []Item{testItem(499, 2)}, []Item{testItem(499, 1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := simulate(t, mustSet(t, c.a), mustSet(t, c.b), 0)
			sortItems(c.learnA)
			sortItems(c.learnB)
			equalItems(t, "learned by a", dedupe(res.learnedA), c.learnA)
			equalItems(t, "learned by b", dedupe(res.learnedB), c.learnB)
			if res.messages != c.messages {
				t.Errorf("%d messages, want %d", res.messages, c.messages)
			}
			if res.bytes > c.maxBytes {
				t.Errorf("%d bytes, want at most %d", res.bytes, c.maxBytes)
			}
		})
	}
}

// TestReconcileProperty: random sets with random differences always
// reconcile to exactly the difference, in both directions, whatever the
// budget.
func TestReconcileProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 150 {
		n := rng.IntN(2000)
		if trial%10 == 0 {
			n = rng.IntN(40)
		}
		var a, b []Item
		for i := range n {
			switch r := rng.IntN(100); {
			case r < 3:
				a = append(a, testItem(i, 1))
			case r < 6:
				b = append(b, testItem(i, 1))
			case r < 8:
				a = append(a, testItem(i, 1))
				b = append(b, testItem(i, 2))
			default:
				a = append(a, testItem(i, 1))
				b = append(b, testItem(i, 1))
			}
		}
		rng.Shuffle(len(a), func(i, j int) { a[i], a[j] = a[j], a[i] })
		budget := 0
		if trial%3 == 0 {
			budget = 1 + rng.IntN(20000) // forces messages cut by the budget
		}
		res := simulate(t, mustSet(t, a), mustSet(t, b), budget)
		equalItems(t, fmt.Sprintf("trial %d (n=%d, budget %d): learned by a", trial, n, budget), dedupe(res.learnedA), difference(b, a))
		equalItems(t, fmt.Sprintf("trial %d: learned by b", trial), dedupe(res.learnedB), difference(a, b))
	}
}

// TestReconcileCost: d differing logs among N cost O(d log N) bytes.
func TestReconcileCost(t *testing.T) {
	const n = 10000
	base := make([]Item, n)
	for i := range base {
		base[i] = testItem(i, 1)
	}
	for _, c := range []struct{ d, maxBytes int }{{0, 60}, {1, 2500}, {10, 20000}, {100, 120000}} {
		b := slices.Clone(base)
		for k := range c.d {
			i := k * (n / max(c.d, 1))
			b[i] = testItem(i, 2)
		}
		res := simulate(t, mustSet(t, base), mustSet(t, b), 0)
		if len(dedupe(res.learnedA)) != c.d || len(dedupe(res.learnedB)) != c.d {
			t.Fatalf("d=%d: learned %d and %d items", c.d, len(res.learnedA), len(res.learnedB))
		}
		t.Logf("N=%d d=%d: %d messages, %d bytes", n, c.d, res.messages, res.bytes)
		if res.bytes > c.maxBytes {
			t.Errorf("d=%d: %d bytes, want at most %d", c.d, res.bytes, c.maxBytes)
		}
	}
}

// TestReconcileLargeDifference: one side empty, the other with more items
// than one message holds: the budget splits it over rounds and it still
// ends with everything learned.
func TestReconcileLargeDifference(t *testing.T) {
	var a []Item
	for i := range 30000 {
		a = append(a, testItem(i, 3))
	}
	res := simulate(t, mustSet(t, a), mustSet(t, nil), 0)
	equalItems(t, "learned by b", dedupe(res.learnedB), difference(a, nil))
	if len(res.learnedA) != 0 {
		t.Fatalf("a learned %d items from an empty set", len(res.learnedA))
	}
	if res.messages < 4 {
		t.Fatalf("%d messages: 30,000 items cannot fit in one", res.messages)
	}
}

func TestItemSetDuplicate(t *testing.T) {
	_, err := NewItemSet([]Item{testItem(1, 1), testItem(1, 2)})
	if err == nil {
		t.Fatal("two items of one log were accepted")
	}
}

func TestItemSetFingerprintMatchesDefinition(t *testing.T) {
	var items []Item
	for i := range 50 {
		items = append(items, testItem(i, uint64(i+1)))
	}
	s := mustSet(t, items)
	sorted := s.Items()
	for _, c := range []struct{ i, j int }{{0, 50}, {0, 0}, {3, 17}, {49, 50}} {
		lower, upper := []byte(nil), []byte(nil)
		if c.i > 0 {
			k := keyOf(sorted[c.i].Log)
			lower = k[:]
		}
		if c.j < 50 {
			k := keyOf(sorted[c.j].Log)
			upper = k[:]
		}
		if got, want := s.Fingerprint(lower, upper), FingerprintOf(sorted[c.i:c.j]); got != want {
			t.Errorf("range %d..%d: fingerprint %x, want %x", c.i, c.j, got, want)
		}
	}
	if _, ok := s.Lookup(store.LogKey{}); ok {
		t.Error("lookup of an absent log succeeded")
	}
	if it, ok := s.Lookup(items[7].Log); !ok || it != items[7] {
		t.Errorf("lookup: %v %v", it, ok)
	}
	_ = entry.ID{}
}
