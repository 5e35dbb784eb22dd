package festival

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// Conflicts (festival.md §3, "Conflicts"): a request lost its window to
// the holder it ran into, or to the request the owner confirmed before
// this one reached them; an owner's own call under manual confirmation
// is no lost race.
func TestConflictLostTo(t *testing.T) {
	w := newWorld(t, 5)
	f := w.festival(0, "Summer", entry.ID{})
	res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
	a := w.event(2, f, "Concert", hours(20, 22), res)
	b := w.event(3, f, "Rave", hours(21, 23), res)
	early, late := a, b
	if bytes.Compare(a[:], b[:]) > 0 {
		early, late = b, a
	}
	lateName := map[entry.ID]string{a: "Concert", b: "Rave"}[late]
	// Before the owner decides: the concurrent request with the smaller
	// id holds; the other ran into it (step 5).
	s := w.reduce()
	q := s.Requests[RequestKey{late, res}]
	if q.Status != StatusDenied || q.LostTo != (RequestKey{early, res}) {
		t.Fatalf("late request: %s, lost to %x", q.Status, q.LostTo.Entry[:4])
	}
	if q := s.Requests[RequestKey{early, res}]; !q.LostTo.Entry.IsZero() {
		t.Fatalf("the holder lost to %x", q.LostTo.Entry[:4])
	}
	// The owner, who had seen only the later request, confirms it: the
	// earlier one lost to it, and says so.
	w.authorize(1, f, late, res, DecisionGrant, PolicyFirstCome)
	s = w.reduce()
	q = s.Requests[RequestKey{early, res}]
	want := `the owner confirmed "` + lateName + `" for ` + s.Requests[RequestKey{late, res}].Window.String() + ` before this request reached them`
	if q.Status != StatusDenied || q.LostTo != (RequestKey{late, res}) || q.Reason != want {
		t.Fatalf("displaced request: %s %q, lost to %x; want denied %q", q.Status, q.Reason, q.LostTo.Entry[:4], want)
	}
	if q := s.Requests[RequestKey{late, res}]; q.Status != StatusGranted || !q.LostTo.Entry.IsZero() {
		t.Fatalf("confirmed request: %s, lost to %x", q.Status, q.LostTo.Entry[:4])
	}

	// Manual confirmation: a request that runs into a hold waits, lost to
	// the holder, until the owner decides; the owner's deny is their
	// call, not a conflict.
	m := w.resource(1, f, "Tent", PolicyManual, nil)
	c := w.event(4, f, "Talk", hours(10, 12), m)
	g := w.authorize(1, f, c, m, DecisionGrant, PolicyManual)
	d := w.request(2, f, a, m, hours(11, 13), g)
	s = w.reduce()
	if q := s.Requests[RequestKey{d, m}]; q.Status != StatusPending || q.LostTo != (RequestKey{c, m}) {
		t.Fatalf("manual request into a hold: %s %q, lost to %x", q.Status, q.Reason, q.LostTo.Entry[:4])
	}
	w.authorize(1, f, d, m, DecisionDeny, PolicyManual)
	s = w.reduce()
	if q := s.Requests[RequestKey{d, m}]; q.Status != StatusDenied || q.Reason != "denied by the owner" || !q.LostTo.Entry.IsZero() {
		t.Fatalf("denied by the owner: %s %q, lost to %x", q.Status, q.Reason, q.LostTo.Entry[:4])
	}
}
