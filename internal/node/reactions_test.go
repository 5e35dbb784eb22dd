package node

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func countsOf(t *testing.T, n *Node, target entry.ID) (map[string]int, string) {
	t.Helper()
	rs, err := n.Reactions(t.Context(), []entry.ID{target})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Target != target {
		t.Fatalf("Reactions = %+v", rs)
	}
	out := map[string]int{}
	for _, c := range rs[0].Counts {
		out[c.Value] = c.Count
	}
	return out, rs[0].Mine
}

// TestReactionsOnePerAccount: each account counts once per entry, its
// latest reaction by seq and replaces (never by claimed time), across its
// devices; a flood counts once; withdrawn and muted reactions count not.
func TestReactionsOnePerAccount(t *testing.T) {
	ctx := t.Context()
	a := newSpaceNode(t)
	b1, phrase := initWithPhrase(t)
	b2 := restoreNode(t, phrase)
	post, err := a.Post(ctx, "soup tonight", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1, b2)
	const thumbs, heart, joy, party = "\U0001F44D", "\u2764\uFE0F", "\U0001F602", "\U0001F389"
	if _, err := a.React(ctx, post.ID, heart, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.React(ctx, post.ID, thumbs, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.React(ctx, post.ID, joy, ""); err != nil { // b changes its mind
		t.Fatal(err)
	}
	exchange(t, a, b1, b2)
	got, mine := countsOf(t, a, post.ID)
	if want := map[string]int{heart: 1, joy: 1}; !reflect.DeepEqual(got, want) || mine != heart {
		t.Fatalf("counts %v mine %q, want %v and ❤️", got, mine, want)
	}
	// b's other device, its clock more than a year behind b1's, reacts after seeing
	// b1's: it replaces it, whatever the timestamps say.
	if _, err := b2.React(ctx, post.ID, party, ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1, b2)
	for _, n := range []*Node{a, b1, b2} {
		got, _ := countsOf(t, n, post.ID)
		if want := map[string]int{heart: 1, party: 1}; !reflect.DeepEqual(got, want) {
			t.Fatalf("after b2's reaction, counts %v, want %v", got, want)
		}
	}
	// A flood of reactions from one account still counts once.
	for i := range 300 {
		if _, err := b1.React(ctx, post.ID, "", "flood "+strings.Repeat("x", i%20)); err != nil {
			t.Fatal(err)
		}
	}
	exchange(t, a, b1)
	got, _ = countsOf(t, a, post.ID)
	total := 0
	for _, c := range got {
		total += c
	}
	if total != 2 || got["flood "+strings.Repeat("x", 299%20)] != 1 {
		t.Fatalf("after a flood of 300, counts %v (total %d), want 2 accounts", got, total)
	}
	// Withdrawn: the account counts no more.
	if _, err := b1.React(ctx, post.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1)
	if got, _ := countsOf(t, a, post.ID); !reflect.DeepEqual(got, map[string]int{heart: 1}) {
		t.Fatalf("after withdrawing, counts %v", got)
	}
	// Muted: b's reaction does not count on a's devices.
	if _, err := b1.React(ctx, post.ID, thumbs, ""); err != nil {
		t.Fatal(err)
	}
	exchange(t, a, b1)
	if _, err := a.ownDecryptionKey(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Mute(ctx, b1.account, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := countsOf(t, a, post.ID); !reflect.DeepEqual(got, map[string]int{heart: 1}) {
		t.Fatalf("a muted b, counts %v", got)
	}
	if got, _ := countsOf(t, b1, post.ID); !reflect.DeepEqual(got, map[string]int{heart: 1, thumbs: 1}) {
		t.Fatalf("b's own counts %v", got)
	}
}

func TestReactBadInput(t *testing.T) {
	ctx := t.Context()
	a := newSpaceNode(t)
	post, err := a.Post(ctx, "hi", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, emoji, text, want string
		target                  entry.ID
	}{
		{"unknown emoji", "\U0001F984", "", `reaction: field emoji: "🦄" is not one of the 8 reaction emoji; give a short text instead`, post.ID},
		{"too long", "", strings.Repeat("a", 33), "reaction: field text: 33 bytes exceeds the limit of 32", post.ID},
		{"both", "\U0001F44D", "yes", "reaction: field text: set together with emoji; a reaction is one or the other", post.ID},
	} {
		if _, err := a.React(ctx, c.target, c.emoji, c.text); err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
	if _, err := a.React(ctx, entry.ID{1}, "\U0001F44D", ""); !errors.Is(err, ErrTargetNotHeld) {
		t.Errorf("reacting to an entry not held: %v", err)
	}
	// Nothing was published by the refused calls.
	if got, _ := countsOf(t, a, post.ID); len(got) != 0 {
		t.Fatalf("refused reactions counted: %v", got)
	}
}
