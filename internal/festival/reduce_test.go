package festival

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// want is what a case expects: the status and reason of one request, the
// reason an entry was ignored, and the holder of the resource at a time.
type want struct {
	req      RequestKey
	status   Status
	reason   string // a substring of the request's reason
	ignored  entry.ID
	why      string // a substring of the reason it was ignored
	at       uint64 // a stated time to ask who holds res
	res      entry.ID
	holder   entry.ID // the event holding res at at; zero: free
	noHolder bool
}

func check(t *testing.T, s *State, w want) {
	t.Helper()
	if !w.req.Entry.IsZero() {
		q := s.Requests[w.req]
		if q == nil {
			t.Fatalf("request %v not derived", w.req)
		}
		if q.Status != w.status || !strings.Contains(q.Reason, w.reason) {
			t.Errorf("request: %s %q, want %s %q", q.Status, q.Reason, w.status, w.reason)
		}
	}
	if !w.ignored.IsZero() {
		if why := s.Why(w.ignored); why == "" || !strings.Contains(why, w.why) {
			t.Errorf("entry ignored for %q, want %q", why, w.why)
		}
	}
	if !w.res.IsZero() {
		h, ok := s.HolderAt(w.res, w.at)
		switch {
		case w.noHolder && ok:
			t.Errorf("held by %x at %d, want free", h.Event[:4], w.at)
		case !w.noHolder && (!ok || h.Event != w.holder):
			t.Errorf("holder at %d: %x (held %v), want %x", w.at, h.Event[:4], ok, w.holder[:4])
		}
	}
}

// TestBadInput: each case of festival.md §3 that a peer can get wrong, on
// purpose or not, with the outcome the spec states.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		build func(w *world) want
	}{
		{"authorization by someone who does not own the resource", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyManual, nil)
			ev := w.event(2, f, "Concert", hours(20, 22), res)
			bad := w.authorize(2, f, ev, res, DecisionGrant, PolicyManual)
			return want{req: RequestKey{ev, res}, status: StatusPending, reason: "waiting for the owner's confirmation",
				ignored: bad, why: `its author is not the owner of "Main stage"`, res: res, at: hours(21, 21).Start, noHolder: true}
		}},
		{"a booking outside the resource's availability", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil, hours(10, 20), hours(30, 44))
			ev := w.event(2, f, "Concert", hours(19, 21), res)
			return want{req: RequestKey{ev, res}, status: StatusDenied,
				reason: "outside the resource's availability: it is available 2026-07-04 10:00–20:00 UTC, 2026-07-05 06:00–20:00 UTC",
				res:    res, at: hours(19, 19).Start, noHolder: true}
		}},
		{"overlapping first-come requests, the second written after seeing the first", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			first := w.event(2, f, "Concert", hours(20, 22), res)
			second := w.event(3, f, "Theatre", hours(21, 23))
			req := w.request(3, f, second, res, hours(21, 23), first)
			return want{req: RequestKey{req, res}, status: StatusDenied, reason: `"Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert"`,
				res: res, at: hours(21.5, 21.5).Start, holder: first}
		}},
		{"an authorization that contradicts first come, first served", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			first := w.event(2, f, "Concert", hours(20, 22), res)
			second := w.event(3, f, "Theatre", hours(21, 23))
			req := w.request(3, f, second, res, hours(21, 23), first)
			bad := w.authorize(1, f, req, res, DecisionGrant, PolicyFirstCome)
			return want{req: RequestKey{req, res}, status: StatusDenied, ignored: bad,
				why: "it contradicts the policy first-come: the request was denied: \"Main stage\" is already booked",
				res: res, at: hours(22.5, 22.5).Start, noHolder: true}
		}},
		{"an authorization naming another policy", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, f, "Concert", hours(20, 22), res)
			bad := w.authorize(1, f, ev, res, DecisionGrant, PolicyManual)
			return want{req: RequestKey{ev, res}, status: StatusGranted, ignored: bad, why: `it names the policy "manual"; the policy of "Main stage" is "first-come"`}
		}},
		{"a cancelled event's resources are released", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			first := w.event(2, f, "Concert", hours(20, 22), res)
			w.withdraw(2, f, first)
			second := w.event(3, f, "Theatre", hours(21, 23))
			req := w.request(3, f, second, res, hours(21, 23), w.all[len(w.all)-2].ID)
			return want{req: RequestKey{req, res}, status: StatusGranted, res: res, at: hours(21, 21).Start, holder: second}
		}},
		{"a request for a cancelled event", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, f, "Concert", hours(20, 22))
			w.withdraw(2, f, ev)
			req := w.request(2, f, ev, res, hours(20, 22))
			return want{ignored: req, why: `the event "Concert" was cancelled`, res: res, at: hours(20, 20).Start, noHolder: true}
		}},
		{"a request for someone else's event", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, f, "Concert", hours(20, 22))
			req := w.request(3, f, ev, res, hours(20, 22))
			return want{ignored: req, why: `only the author of the event "Concert" asks for resources for it`, res: res, at: hours(20, 20).Start, noHolder: true}
		}},
		{"a withdrawal by someone else", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, f, "Concert", hours(20, 22), res)
			bad := w.withdraw(3, f, ev)
			return want{ignored: bad, why: "only the author of what is withdrawn withdraws it", res: res, at: hours(20, 20).Start, holder: ev}
		}},
		{"manual: the owner grants", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyManual, nil)
			ev := w.event(2, f, "Concert", hours(20, 22), res)
			w.authorize(1, f, ev, res, DecisionGrant, PolicyManual)
			return want{req: RequestKey{ev, res}, status: StatusGranted, reason: "granted by the owner", res: res, at: hours(20, 20).Start, holder: ev}
		}},
		{"manual: a grant over another hold is ignored", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyManual, nil)
			a := w.event(2, f, "Concert", hours(20, 22), res)
			w.authorize(1, f, a, res, DecisionGrant, PolicyManual)
			b := w.event(3, f, "Theatre", hours(21, 23), res)
			bad := w.authorize(1, f, b, res, DecisionGrant, PolicyManual)
			return want{req: RequestKey{b, res}, status: StatusPending, reason: "waiting for the owner's confirmation",
				ignored: bad, why: "it contradicts the resource's holds", res: res, at: hours(22, 22).Start, noHolder: true}
		}},
		{"manual: a denial after a grant releases the window", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyManual, nil)
			a := w.event(2, f, "Concert", hours(20, 22), res)
			w.authorize(1, f, a, res, DecisionGrant, PolicyManual)
			w.authorize(1, f, a, res, DecisionDeny, PolicyManual)
			return want{req: RequestKey{a, res}, status: StatusDenied, reason: "denied by the owner", res: res, at: hours(20, 20).Start, noHolder: true}
		}},
		{"hours per day: a second booking beyond the day's hours", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Rehearsal room", PolicyHoursPerDay, []uint64{3})
			a := w.event(2, f, "Band practice", hours(10, 12), res)
			b := w.event(2, f, "Band practice again", hours(14, 16), res)
			_ = a
			return want{req: RequestKey{b, res}, status: StatusDenied, reason: "at most 3 hours a day per person: this would make 4.0 hours on 2026-07-04", res: res, at: hours(14, 14).Start, noHolder: true}
		}},
		{"hours per day: another person, or the next day, is fine", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Rehearsal room", PolicyHoursPerDay, []uint64{3})
			w.event(2, f, "Band practice", hours(10, 12), res)
			w.event(3, f, "Choir", hours(14, 16), res)
			b := w.event(2, f, "Band practice again", hours(34, 36), res)
			return want{req: RequestKey{b, res}, status: StatusGranted, res: res, at: hours(35, 35).Start, holder: b}
		}},
		{"a resource of the parent festival serves a nested festival's event", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			sub := w.festival(4, "Kids' corner", f)
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, sub, "Puppets", hours(10, 11), res)
			return want{req: RequestKey{ev, res}, status: StatusGranted, res: res, at: hours(10, 10).Start, holder: ev}
		}},
		{"a nested festival's resource does not serve the parent's event", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			sub := w.festival(4, "Kids' corner", f)
			res := w.resource(1, sub, "Sandpit", PolicyFirstCome, nil)
			ev := w.event(2, f, "Concert", hours(10, 11), res)
			return want{req: RequestKey{ev, res}, status: StatusDenied, reason: "which the event's festival is not nested in"}
		}},
		{"a cancelled festival cancels the events nested in it", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			sub := w.festival(4, "Kids' corner", f)
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, sub, "Puppets", hours(10, 11), res)
			wd := w.withdraw(0, f, f, ev)
			late := w.add(3, &Event{Festival: sub, Name: "Clowns", Span: hours(12, 13), Causal: Causal{Refs: []entry.ID{wd}}}).ID
			return want{req: RequestKey{ev, res}, status: StatusWithdrawn, reason: `the festival "Summer" was cancelled`,
				ignored: late, why: `the festival "Summer", which "Kids' corner" is nested in, was cancelled`, res: res, at: hours(10, 10).Start, noHolder: true}
		}},
		{"a withdrawn resource releases its windows", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
			ev := w.event(2, f, "Concert", hours(20, 22), res)
			w.withdraw(1, f, res)
			return want{req: RequestKey{ev, res}, status: StatusWithdrawn, reason: `the resource "Main stage" was withdrawn`, res: res, at: hours(20, 20).Start, noHolder: true}
		}},
		{"a resource whose policy refuses its params", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", PolicyHoursPerDay, []uint64{25})
			return want{ignored: res, why: "its policy refuses its params: hours-per-day takes one parameter"}
		}},
		{"a resource whose policy this node does not know is left to its owner", func(w *world) want {
			f := w.festival(0, "Summer", entry.ID{})
			res := w.resource(1, f, "Main stage", "lottery", nil)
			ev := w.event(2, f, "Concert", hours(20, 22), res)
			w.authorize(1, f, ev, res, DecisionGrant, "lottery")
			return want{req: RequestKey{ev, res}, status: StatusGranted, res: res, at: hours(20, 20).Start, holder: ev}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, 5)
			wt := c.build(w)
			check(t, w.reduce(), wt)
		})
	}
}

// Two concurrent first-come requests (neither author had seen the other's)
// for overlapping windows: the one with the smaller entry id holds, on
// every node, whatever the order of arrival or the timestamps.
func TestConcurrentFirstComeByEntryID(t *testing.T) {
	w := newWorld(t, 4)
	f := w.festival(0, "Summer", entry.ID{})
	res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
	a := w.event(2, f, "Concert", hours(20, 22))
	b := w.event(3, f, "Theatre", hours(21, 23))
	ra := w.request(2, f, a, res, hours(20, 22))
	rb := w.request(3, f, b, res, hours(21, 23))
	winner, loser, wev := ra, rb, a
	if bytes.Compare(rb[:], ra[:]) < 0 {
		winner, loser, wev = rb, ra, b
	}
	for range 2 {
		s := w.reduce()
		if q := s.Requests[RequestKey{winner, res}]; q.Status != StatusGranted {
			t.Fatalf("smaller id: %s %q", q.Status, q.Reason)
		}
		if q := s.Requests[RequestKey{loser, res}]; q.Status != StatusDenied || !strings.Contains(q.Reason, "already booked") {
			t.Fatalf("larger id: %s %q", q.Status, q.Reason)
		}
		if h, _ := s.HolderAt(res, hours(21.5, 21.5).Start); h.Event != wev {
			t.Fatalf("holder %x", h.Event[:4])
		}
		// Deliver in the other order.
		n := len(w.all)
		w.all[n-1], w.all[n-2] = w.all[n-2], w.all[n-1]
	}
}

// An authorization that agrees with an automatic policy confirms the
// request.
func TestAuthorizationConfirms(t *testing.T) {
	w := newWorld(t, 3)
	f := w.festival(0, "Summer", entry.ID{})
	res := w.resource(1, f, "Main stage", PolicyFirstCome, nil)
	ev := w.event(2, f, "Concert", hours(20, 22), res)
	a := w.authorize(1, f, ev, res, DecisionGrant, PolicyFirstCome)
	s := w.reduce()
	if q := s.Requests[RequestKey{ev, res}]; q.Confirmed != a || q.Status != StatusGranted {
		t.Fatalf("request %+v, want confirmed by %x", q, a[:4])
	}
	if len(s.Ignored) != 0 {
		t.Fatalf("ignored %+v", s.Ignored)
	}
}

// Festivals nest at most MaxDepth levels.
func TestNestingDepth(t *testing.T) {
	w := newWorld(t, 1)
	parent := entry.ID{}
	var ids []entry.ID
	for i := range MaxDepth + 1 {
		parent = w.festival(0, "Level "+string(rune('A'+i)), parent)
		ids = append(ids, parent)
	}
	s := w.reduce()
	if got := s.Festivals[ids[MaxDepth-1]]; got == nil || got.Depth != MaxDepth {
		t.Fatalf("level %d: %+v", MaxDepth, got)
	}
	if why := s.Why(ids[MaxDepth]); !strings.Contains(why, "festivals nest at most 8 levels deep") {
		t.Fatalf("level 9 ignored for %q", why)
	}
}
