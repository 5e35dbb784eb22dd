package festival

import (
	"math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// bigFestival writes a festival of three days with 500 resources (50
// owners, 10 each: first-come, manual and hours-per-day, some with
// availability windows), 2,000 events (100 organisers, 20 each) and
// 20,000 requests (10 per event, for random resources and windows), and
// 2,000 authorizations of requests to manual resources by their owners.
func bigFestival(b *testing.B) []*entry.Entry {
	const owners, perOwner, organisers, perOrganiser, perEvent = 50, 10, 100, 20, 10
	rng := rand.New(rand.NewPCG(1, 2))
	w := newWorld(b, 1+owners+organisers)
	f := w.festival(0, "Big summer", entry.ID{})
	var ress []entry.ID
	owner := map[entry.ID]int{}
	policy := map[entry.ID]string{}
	for o := range owners {
		for i := range perOwner {
			p, params := PolicyFirstCome, []uint64(nil)
			switch i % 5 {
			case 3:
				p = PolicyManual
			case 4:
				p, params = PolicyHoursPerDay, []uint64{6}
			}
			var ws []Window
			if i%2 == 1 {
				ws = []Window{hours(8, 23), hours(32, 47), hours(56, 71)}
			}
			id := w.resource(1+o, f, "Room", p, params, ws...)
			ress, owner[id], policy[id] = append(ress, id), 1+o, p
		}
	}
	var manual []RequestKey
	for o := range organisers {
		who := 1 + owners + o
		for range perOrganiser {
			s := rng.Float64() * 68
			ev := w.event(who, f, "Event", hours(s, s+1+rng.Float64()*3))
			for range perEvent {
				res := ress[rng.IntN(len(ress))]
				s := rng.Float64() * 70
				req := w.request(who, f, ev, res, hours(s, s+0.5+rng.Float64()*2))
				if policy[res] == PolicyManual {
					manual = append(manual, RequestKey{req, res})
				}
			}
		}
	}
	for i := 0; i < 2000 && i < len(manual); i++ {
		k := manual[rng.IntN(len(manual))]
		w.authorize(owner[k.Resource], f, k.Entry, k.Resource, DecisionGrant, PolicyManual)
	}
	return w.all
}

// BenchmarkReduceFestival: Reduce over the whole festival (decode, payload
// hash check, causal order, apply).
func BenchmarkReduceFestival(b *testing.B) {
	es := bigFestival(b)
	var s *State
	b.ResetTimer()
	for b.Loop() {
		s = Reduce(Input{Entries: es})
	}
	b.StopTimer()
	held := 0
	for _, r := range s.Resources {
		held += len(r.Holds())
	}
	if len(s.Events) != 2000 || len(s.Resources) != 500 || len(s.Requests) != 20000 {
		b.Fatalf("%d events, %d resources, %d requests", len(s.Events), len(s.Resources), len(s.Requests))
	}
	b.ReportMetric(float64(held), "holds")
	b.ReportMetric(float64(len(s.Ignored)), "ignored")
}

// BenchmarkHoursPerDayFlood: 500 throwaway accounts hold 10,000 one-second
// windows of an hours-per-day resource in the morning; 2,000 requests of
// 200 honest accounts for the afternoon are each decided by the policy,
// which counts the requester's own hours that day.
func BenchmarkHoursPerDayFlood(b *testing.B) {
	const flooders, perFlooder, honest, perHonest = 500, 20, 200, 10
	w := newWorld(b, 2+flooders+honest)
	f := w.festival(0, "Summer", entry.ID{})
	res := w.resource(1, f, "Rehearsal room", PolicyHoursPerDay, []uint64{8})
	t := uint64(day0)
	for i := range flooders {
		ev := w.event(2+i, f, "Noise", Window{day0, day0 + 1})
		for range perFlooder {
			w.request(2+i, f, ev, res, Window{t, t + 1})
			t += 2
		}
	}
	t = day0 + 12*3600
	for i := range honest {
		ev := w.event(2+flooders+i, f, "Practice", Window{t, t + 1})
		for range perHonest {
			w.request(2+flooders+i, f, ev, res, Window{t, t + 20})
			t += 20
		}
	}
	b.ResetTimer()
	var s *State
	for b.Loop() {
		s = Reduce(Input{Entries: w.all})
	}
	b.StopTimer()
	if n := len(s.Resources[res].Holds()); n != flooders*perFlooder+honest*perHonest {
		b.Fatalf("%d holds", n)
	}
}
