package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// TestTypeLiteral: Find's type goes into the query's text only as a
// quoted literal of printable ASCII; a quote in it cannot end the literal,
// and any other type is bound as before. Find answers the same either way.
func TestTypeLiteral(t *testing.T) {
	for _, c := range []struct {
		typ, lit string
		ok       bool
	}{
		{"post", `'post'`, true},
		{"village.found", `'village.found'`, true},
		{"it's", `'it''s'`, true},
		{`x' OR '1'='1`, `'x'' OR ''1''=''1'`, true},
		{"", "", false},
		{"caf\u00e9", "", false},
		{"a\x00b", "", false},
		{strings.Repeat("a", 65), "", false},
	} {
		lit, ok := typeLiteral(c.typ)
		if lit != c.lit || ok != c.ok {
			t.Errorf("typeLiteral(%q) = %q, %v; want %q, %v", c.typ, lit, ok, c.lit, c.ok)
		}
	}
	s := openTemp(t)
	ctx := context.Background()
	es := testLog(t, testKey(t, 1), entry.PublicLog, nil, 3)
	mustIngest(t, s, es, store.Added)
	all, err := s.Find(ctx, store.Query{})
	if err != nil || len(all) != 3 {
		t.Fatalf("Find all: %d, %v", len(all), err)
	}
	typ := all[0].Type
	if typ == "" {
		t.Fatal("the test entries have no type")
	}
	for _, q := range []store.Query{{Type: typ}, {Type: typ, Desc: true}, {Type: typ, ByTime: true}, {Type: typ, LogID: &es[0].Header.LogID}} {
		for range 3 { // prepared once, run again
			got, err := s.Find(ctx, q)
			if err != nil || len(got) != 3 {
				t.Fatalf("Find %+v: %d entries, %v; want 3", q, len(got), err)
			}
		}
	}
	for _, typ := range []string{`x' OR '1'='1`, "it's", "caf\u00e9", "a\x00b"} {
		got, err := s.Find(ctx, store.Query{Type: typ})
		if err != nil || len(got) != 0 {
			t.Fatalf("Find type %q: %d entries, %v; want none", typ, len(got), err)
		}
	}
}

// BenchmarkFindByType finds the entries of one type in a small store: what
// a node's scope does several times a recomputation (villages,
// certificates). Before the type was written into the query, each run
// was parsed and planned again (135–172 µs a run; 21–23 µs after,
// BENCHMARKS.md).
func BenchmarkFindByType(b *testing.B) {
	s, err := Open(b.TempDir() + "/kith.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	mustIngest(b, s, testLog(b, testKey(b, 1), entry.PublicLog, nil, 3), store.Added)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Find(ctx, store.Query{Type: "village.found"}); err != nil {
			b.Fatal(err)
		}
	}
}
