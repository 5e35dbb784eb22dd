package village

import (
	"math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// A userspec that would leave fewer than two active locals is ignored by
// the reducer (issue 11, item 11): with two active locals neither may go
// passive; with three, one may, and then no other. Changing the name and
// staying active, or becoming active again, is always allowed.
func TestUserspecKeepsTwoActive(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	w := founded(t, Unanimous, Unanimous, a, b)
	e := w.post(b, &Userspec{Village: w.village, Mode: Passive, Name: "hub"})
	s := w.reduce()
	if r := ignoredReason(s, e.ID); r != "would leave fewer than two active locals (2 active)" {
		t.Fatalf("b going passive of two: %q", r)
	}
	if l := s.Local(accOf(b)); l.Mode != Active || l.Name != "" || len(s.Problems) != 0 {
		t.Fatalf("b is %s %q, problems %q", l.Mode, l.Name, s.Problems)
	}
	if r := ignoredReason(w.reduce(), w.post(b, &Userspec{Village: w.village, Mode: Active, Name: "bee"}).ID); r != "" {
		t.Fatalf("b renaming itself, active: %q", r)
	}
	w.post(a, &Invite{Village: w.village, Invitee: accOf(c)})
	w.post(b, &Invite{Village: w.village, Invitee: accOf(c)})
	w.post(c, &Join{Village: w.village})
	if r := ignoredReason(w.reduce(), w.post(b, &Userspec{Village: w.village, Mode: Passive}).ID); r != "" {
		t.Fatalf("b going passive of three: %q", r)
	}
	late := w.post(a, &Userspec{Village: w.village, Mode: Passive})
	s = w.reduce()
	if r := ignoredReason(s, late.ID); r != "would leave fewer than two active locals (2 active)" {
		t.Fatalf("a going passive after b: %q", r)
	}
	if got := s.ActiveLocals(); len(got) != 2 || len(s.Problems) != 0 {
		t.Fatalf("active %d, problems %q", len(got), s.Problems)
	}
	// A passive local may rename itself and become active again.
	if r := ignoredReason(w.reduce(), w.post(b, &Userspec{Village: w.village, Mode: Passive, Name: "hub"}).ID); r != "" {
		t.Fatalf("passive b renaming itself: %q", r)
	}
	if r := ignoredReason(w.reduce(), w.post(b, &Userspec{Village: w.village, Mode: Active}).ID); r != "" {
		t.Fatalf("b active again: %q", r)
	}
	// Two concurrent userspecs of three active locals: the one applied
	// first (smaller id) takes effect, the other is ignored, on every
	// replica alike.
	ha, hb := w.ws[a.Public()].prev, w.ws[b.Public()].prev
	x := w.postSeeing(a, &Userspec{Village: w.village, Mode: Passive}, 1, hb, w.ws[c.Public()].prev)
	y := w.postSeeing(c, &Userspec{Village: w.village, Mode: Passive}, 1, ha, hb)
	first, second := x, y
	if keyCmp(identity.PublicKey(y.ID), identity.PublicKey(x.ID)) < 0 {
		first, second = y, x
	}
	for range 3 {
		s, err := Reduce(w.village, shuffled(newRand(), w.all))
		if err != nil {
			t.Fatal(err)
		}
		if ignoredReason(s, first.ID) != "" || ignoredReason(s, second.ID) != "would leave fewer than two active locals (2 active)" {
			t.Fatalf("concurrent: first %q, second %q", ignoredReason(s, first.ID), ignoredReason(s, second.ID))
		}
	}
	// Leaving stays possible (a local cannot be held); the problem is
	// then reported.
	w.post(b, &Leave{Village: w.village})
	if p := w.reduce().Problems; len(p) != 1 || p[0] != "fewer than two active locals (1)" {
		t.Fatalf("problems %q", p)
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(21, 22)) }
