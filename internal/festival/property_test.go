package festival

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// scenario writes a random festival: nested festivals, resources under
// every policy with availability windows, events with needs, requests,
// authorizations by owners and by others (agreeing with the policy or
// not), withdrawals, and references to what other authors wrote.
func scenario(t testing.TB, seed uint64, n int) *world {
	rng := rand.New(rand.NewPCG(seed, 17))
	w := newWorld(t, 6)
	var fests, ress, evs, reqs []entry.ID
	evAuthor := map[entry.ID]int{}
	resOwner := map[entry.ID]int{}
	resPolicy := map[entry.ID]string{}
	reqRes := map[entry.ID]entry.ID{}
	fests = append(fests, w.festival(0, "Summer", entry.ID{}))
	pick := func(ids []entry.ID) entry.ID { return ids[rng.IntN(len(ids))] }
	refs := func() []entry.ID {
		if rng.IntN(2) == 0 || len(w.all) == 0 {
			return nil
		}
		return []entry.ID{w.all[rng.IntN(len(w.all))].ID}
	}
	win := func() Window {
		s := rng.Float64() * 40
		return hours(s, s+0.5+rng.Float64()*4)
	}
	policies := []string{PolicyFirstCome, PolicyManual, PolicyHoursPerDay, "lottery"}
	for range n {
		who := rng.IntN(6)
		switch k := rng.IntN(10); {
		case k == 0 && len(fests) < 5:
			fests = append(fests, w.add(who, &Create{Name: "Sub", Parent: pick(fests), Causal: Causal{Refs: refs()}}).ID)
		case k <= 2 || len(ress) == 0:
			pol := policies[rng.IntN(len(policies))]
			var params []uint64
			if pol == PolicyHoursPerDay {
				params = []uint64{uint64(1 + rng.IntN(4))}
			}
			var ws []Window
			if rng.IntN(2) == 0 {
				ws = []Window{hours(0, 20), hours(24, 44)}
			}
			id := w.add(who, &Resource{Festival: pick(fests), Kind: "room", Name: "Room", Policy: pol, Params: params, Windows: ws, Causal: Causal{Refs: refs()}}).ID
			ress, resOwner[id], resPolicy[id] = append(ress, id), who, pol
		case k <= 4 || len(evs) == 0:
			needs := SortIDs([]entry.ID{pick(ress), pick(ress)})
			id := w.add(who, &Event{Festival: pick(fests), Name: "Event", Span: win(), Needs: needs, Causal: Causal{Refs: refs()}}).ID
			evs, evAuthor[id] = append(evs, id), who
			reqs, reqRes[id] = append(reqs, id), needs[0]
		case k <= 6:
			ev := pick(evs)
			a := evAuthor[ev]
			if rng.IntN(8) == 0 {
				a = who
			}
			res := pick(ress)
			id := w.add(a, &Request{Festival: w.eventFestival(ev), Event: ev, Resource: res, Window: win(), Causal: Causal{Refs: refs()}}).ID
			reqs, reqRes[id] = append(reqs, id), res
		case k <= 8:
			req := pick(reqs)
			res := reqRes[req]
			a := resOwner[res]
			if rng.IntN(6) == 0 {
				a = who
			}
			d := DecisionGrant
			if rng.IntN(3) == 0 {
				d = DecisionDeny
			}
			w.add(a, &Authorize{Festival: w.requestFestival(req), Request: req, Resource: res, Decision: d, Policy: resPolicy[res], Causal: Causal{Refs: refs()}})
		default:
			all := append(append([]entry.ID{}, evs...), reqs...)
			tg := pick(all)
			w.add(who, &Withdraw{Festival: w.requestFestival(tg), Target: tg, Causal: Causal{Refs: refs()}})
		}
	}
	return w
}

// eventFestival and requestFestival read the festival an event or request
// entry names.
func (w *world) eventFestival(id entry.ID) entry.ID { return w.requestFestival(id) }

func (w *world) requestFestival(id entry.ID) entry.ID {
	for _, e := range w.all {
		if e.ID == id {
			p, _ := Decode(e.Payload)
			return festivalOf(p, id)
		}
	}
	w.t.Fatalf("%x not written", id[:4])
	return entry.ID{}
}

// TestAnyDeliveryOrderSameState: the reducer is a function of the set of
// entries (festival.md §3).
func TestAnyDeliveryOrderSameState(t *testing.T) {
	for seed := range uint64(8) {
		w := scenario(t, seed, 120)
		want := w.reduce()
		if len(want.Applied) < 60 || len(want.Ignored) == 0 {
			t.Fatalf("seed %d: %d applied, %d ignored: the scenario does not exercise the reducer", seed, len(want.Applied), len(want.Ignored))
		}
		rng := rand.New(rand.NewPCG(seed, 99))
		for range 10 {
			es := append([]*entry.Entry{}, w.all...)
			rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			// A duplicate copy must change nothing either.
			es = append(es, es[rng.IntN(len(es))])
			if got := Reduce(Input{Entries: es}); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d: the state depends on the delivery order", seed)
			}
		}
	}
}

// TestHoldsNeverOverlap: whatever the entries, a resource's holds are
// granted requests, sorted, and never overlap.
func TestHoldsNeverOverlap(t *testing.T) {
	granted := 0
	for seed := range uint64(8) {
		s := scenario(t, seed, 150).reduce()
		for id, r := range s.Resources {
			hs := r.Holds()
			for i, h := range hs {
				if q := s.Requests[h.Request]; q == nil || q.Status != StatusGranted || q.Window != h.Window {
					t.Fatalf("resource %x: hold %+v of request %+v", id[:4], h, q)
				}
				if i > 0 && hs[i-1].Window.End > h.Window.Start {
					t.Fatalf("resource %x: holds %v and %v overlap", id[:4], hs[i-1].Window, h.Window)
				}
				granted++
			}
		}
		for k, q := range s.Requests {
			if q.Status != StatusGranted {
				continue
			}
			if h, ok := s.HolderAt(k.Resource, q.Window.Start); !ok || h.Request != k {
				t.Fatalf("granted request %x holds nothing", k.Entry[:4])
			}
		}
	}
	if granted < 20 {
		t.Fatalf("only %d holds: the scenarios do not exercise the reducer", granted)
	}
}
