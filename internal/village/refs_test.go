package village

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// NextRefs names the heads of the known logs not already implied, never
// its own log, never a stranger's.
func TestNextRefs(t *testing.T) {
	a, b, c, s := key(t, 1), key(t, 2), key(t, 3), key(t, 9)
	w := founded(t, Unanimous, Unanimous, a, b, c) // b, c accept, each seeing the other
	accB, accC := w.ws[b.Public()].prev, w.ws[c.Public()].prev
	S := stranger(9)
	w.postSeeing(s, &Request{Village: w.village, User: [32]byte(S[32:]), Text: "hi"}, 1)
	refs := func(k identity.PrivateKey) []entry.ID { return NextRefs(w.reduce(), w.all, k.Public()) }
	// c's accept came after b's (postAt references every head): naming
	// c's accept implies b's.
	if got := refs(a); !slices.Equal(got, []entry.ID{accC}) {
		t.Fatalf("a: %v, want c's accept %v (b's %v implied)", got, accC, accB)
	}
	if got := refs(c); !slices.Equal(got, nil) {
		t.Fatalf("c (whose accept references b's): %v, want none", got)
	}
	v := w.postSeeing(a, &Vote{Village: w.village, Stranger: stranger(1), Vote: VoteVeto}, 5, refs(a)...)
	if got := refs(a); got != nil {
		t.Fatalf("a after writing: %v, want none (its own entry names c's head)", got)
	}
	x := w.postSeeing(b, &Strangerspec{Village: w.village, Stranger: stranger(1), Text: "x"}, 6) // b saw nothing new
	y := w.postSeeing(c, &Strangerspec{Village: w.village, Stranger: stranger(1), Text: "y"}, 6, v.ID)
	want := []entry.ID{x.ID, y.ID}
	slices.SortFunc(want, func(p, q entry.ID) int { return slices.Compare(p[:], q[:]) })
	if got := refs(a); !slices.Equal(got, want) {
		t.Fatalf("a: %v, want b's and c's heads %v", got, want)
	}
}

// With more unimplied heads than MaxRefs, NextRefs names MaxRefs of them:
// the logs with the most entries not yet referenced.
func TestNextRefsBound(t *testing.T) {
	ks := make([]identity.PrivateKey, MaxFounders)
	for i := range ks {
		ks[i] = key(t, byte(100+i))
	}
	w := newWorld(t, Majority, Majority, ks...)
	for _, k := range ks[1:] {
		w.postSeeing(k, &Accept{Village: w.village}, 1)
	}
	got := NextRefs(w.reduce(), w.all, ks[0].Public())
	if len(got) != MaxFounders-1 {
		t.Fatalf("%d refs, want the %d other founders' accepts", len(got), MaxFounders-1)
	}
	// ks[1], having seen every accept, invites five keys, who join; then
	// every founder but ks[0] writes a note (ks[2] and ks[3] two)
	// without references: 68 logs with unreferenced entries.
	inv := make([]identity.PrivateKey, 5)
	for i := range inv {
		inv[i] = key(t, byte(200+i))
		w.postAt(ks[1], &Invite{Village: w.village, Invitee: accOf(inv[i])}, 1)
	}
	for i := range inv {
		w.postSeeing(inv[i], &Join{Village: w.village}, 1)
	}
	for i, k := range ks[1:] {
		w.postSeeing(k, &Strangerspec{Village: w.village, Stranger: stranger(1), Text: "x"}, 1)
		if i == 1 || i == 2 {
			w.postSeeing(k, &Strangerspec{Village: w.village, Stranger: stranger(1), Text: "y"}, 1)
		}
	}
	if s := w.reduce(); len(s.Invitations) != 5 {
		t.Fatalf("invitations %d, ignored %+v", len(s.Invitations), s.Ignored[:1])
	}
	got = NextRefs(w.reduce(), w.all, ks[0].Public())
	if len(got) != MaxRefs {
		t.Fatalf("%d refs, want %d", len(got), MaxRefs)
	}
	// ks[1] (7 entries, none referenced), ks[2] and ks[3] (3, one
	// referenced) are among them.
	for _, k := range ks[1:4] {
		if !slices.Contains(got, w.ws[k.Public()].prev) {
			t.Fatalf("the head of %s (several entries unreferenced) is not named", k.Public().Hex()[:8])
		}
	}
}
