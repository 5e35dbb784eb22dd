package festival

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// An attacker who wants a window already granted and confirmed writes a
// request that claims not to have seen the holder's (no references) and
// grinds its entry id below the holder's, so that the tie between
// "concurrent" requests falls its way. The owner's confirmation anchors
// first come: a request the confirmation had not seen does not displace
// the confirmed one.
func TestBackdatedRequestDoesNotDisplaceConfirmed(t *testing.T) {
	w := newWorld(t, 4)
	f := w.festival(0, "Summer", entry.ID{})
	res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
	alice := w.event(2, f, "Concert", hours(20, 22), res)
	conf := w.authorize(1, f, alice, res, DecisionGrant, PolicyFirstCome)
	// Each try is a fresh log of the attacker's (an event, then the
	// request), both with ids below the holder's.
	var mallory, req entry.ID
	for i := range 400 {
		l := &log{key: key(t, 100+i)}
		ev := l.add(t, &Event{Festival: f, Name: "Rave", Span: hours(18, 23)})
		rq := l.add(t, &Request{Festival: f, Event: ev.ID, Resource: res, Window: hours(18, 23)})
		if bytes.Compare(ev.ID[:], alice[:]) < 0 && bytes.Compare(rq.ID[:], alice[:]) < 0 {
			w.all = append(w.all, ev, rq)
			mallory, req = ev.ID, rq.ID
			break
		}
	}
	_ = mallory
	if req.IsZero() {
		t.Fatal("no ids below the holder's in 400 tries")
	}
	s := w.reduce()
	if q := s.Requests[RequestKey{alice, res}]; q.Status != StatusGranted || q.Confirmed != conf {
		t.Fatalf("confirmed request: %s %q", q.Status, q.Reason)
	}
	q := s.Requests[RequestKey{req, res}]
	if q.Status != StatusDenied || !strings.Contains(q.Reason, `the owner confirmed "Concert" for 2026-07-04 20:00–22:00 UTC before this request reached them`) {
		t.Fatalf("backdated request: %s %q", q.Status, q.Reason)
	}
	if h, _ := s.HolderAt(res, hours(21, 21).Start); h.Event != alice {
		t.Fatalf("holder %x", h.Event[:4])
	}
	if len(s.Ignored) != 0 {
		t.Fatalf("ignored: %+v", s.Ignored)
	}
	// Had the owner seen the attacker's request before confirming, the
	// confirmation would contradict first come and be ignored.
	w2 := newWorld(t, 4)
	w2.all = nil
	f2 := w2.festival(0, "Summer", entry.ID{})
	res2 := w2.resource(1, f2, "Main stage", PolicyFirstCome, nil)
	ev1 := w2.event(2, f2, "Concert", hours(20, 22), res2)
	ev2 := w2.event(3, f2, "Rave", hours(21, 23), res2)
	late, early := ev1, ev2
	if bytes.Compare(ev1[:], ev2[:]) < 0 {
		late, early = ev2, ev1
	}
	bad := w2.add(1, &Authorize{Festival: f2, Request: late, Resource: res2, Decision: DecisionGrant, Policy: PolicyFirstCome, Causal: Causal{Refs: SortIDs([]entry.ID{ev1, ev2})}}).ID
	s = w2.reduce()
	if why := s.Why(bad); !strings.Contains(why, "it contradicts the policy first-come") {
		t.Fatalf("grant of the later of two seen requests ignored for %q", why)
	}
	if h, _ := s.HolderAt(res2, hours(21, 21).Start); h.Event != early {
		t.Fatalf("holder %x, want the smaller id", h.Event[:4])
	}
}
