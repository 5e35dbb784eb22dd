// Package bigfestival writes a large festival as signed entries, for
// benchmarks (issue 17 item 5): three days, 500 resources of 50 owners
// (first come, manual and hours-per-day; a fifth of them places, most
// with a position, some known by address only; half with availability
// windows), 2,000 events of 100 organisers, each needing one place and
// asking for 9 more resources by festival.request (20,000 requests in
// all), and 2,000 owners' grants of requests to their manual resources.
// A fixed seed makes the same festival every time. It does no I/O: the
// caller stores the entries (the logs they go in are the caller's
// choice, see Options). Each of the 151 people is an account writing
// through one device, certified by the account (device.add entries come
// first in Entries).
package bigfestival

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/identity"
)

// Sizes of the festival.
const (
	Owners       = 50
	PerOwner     = 10 // resources per owner
	Organisers   = 100
	PerOrganiser = 20 // events per organiser
	PerEvent     = 10 // requests per event: its one need and 9 festival.requests
	Grants       = 2000
)

// Day0 is the first day, 2026-07-04 00:00 UTC.
const Day0 = 1783123200

// Options say where the entries go.
type Options struct {
	FoundLog entry.LogID                  // the log of the festival.create
	Log      func(f entry.ID) entry.LogID // the log of the entries in festival f
}

// Festival is the result.
type Festival struct {
	ID      entry.ID
	Founder identity.PrivateKey // the founder's device key
	Entries []*entry.Entry      // the device certificates, then the festival's entries, each log in order
}

type log struct {
	seq  uint64
	prev entry.ID
}

type writer struct {
	keys []identity.PrivateKey
	logs map[[2]any]*log
	all  []*entry.Entry
	err  error
}

func (w *writer) add(who int, l entry.LogID, p festival.Payload) entry.ID {
	if w.err != nil {
		return entry.ID{}
	}
	b, err := festival.Encode(p)
	if err != nil {
		w.err = err
		return entry.ID{}
	}
	k := [2]any{who, l}
	lg := w.logs[k]
	if lg == nil {
		lg = &log{}
		w.logs[k] = lg
	}
	lg.seq++
	e, err := entry.Sign(w.keys[who], entry.Draft{LogID: l, Seq: lg.seq, Backlink: lg.prev, Timestamp: 1_700_000_000 + lg.seq, Payload: b})
	if err != nil {
		w.err = err
		return entry.ID{}
	}
	lg.prev = e.ID
	w.all = append(w.all, e)
	return e.ID
}

func hours(a, b float64) festival.Window {
	return festival.Window{Start: Day0 + uint64(a*3600), End: Day0 + uint64(b*3600)}
}

// Build writes the festival.
func Build(o Options) (*Festival, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := &writer{logs: map[[2]any]*log{}}
	var certs []*entry.Entry
	for i := range 1 + Owners + Organisers {
		acc, err := key("account", i)
		if err != nil {
			return nil, err
		}
		dev, err := key("device", i)
		if err != nil {
			return nil, err
		}
		c, err := content.NewDeviceCert(acc, dev, "", 1_700_000_000_000)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
		w.keys = append(w.keys, dev)
	}
	f := w.add(0, o.FoundLog, &festival.Create{Name: "Big summer", Text: "A benchmark: 2,000 events, 500 resources, 20,000 requests."})
	fl := o.Log(f)
	var places, others []entry.ID
	owner := map[entry.ID]int{}
	policy := map[entry.ID]string{}
	for ow := range Owners {
		for i := range PerOwner {
			p, params := festival.PolicyFirstCome, []uint64(nil)
			switch i % 5 {
			case 3:
				p = festival.PolicyManual
			case 4:
				p, params = festival.PolicyHoursPerDay, []uint64{6}
			}
			var ws []festival.Window
			if i%2 == 1 {
				ws = []festival.Window{hours(8, 23), hours(32, 47), hours(56, 71)}
			}
			r := &festival.Resource{Festival: f, Kind: "equipment", Name: fmt.Sprintf("Kit %d-%d", ow+1, i+1), Policy: p, Params: params, Windows: ws}
			if i < 2 { // two places per owner: 100 places
				r.Kind, r.Name = "location", fmt.Sprintf("Place %d-%d", ow+1, i+1)
				if ow%5 == 4 {
					r.Address = fmt.Sprintf("Lake road %d", ow*PerOwner+i+1)
				} else {
					g, err := festival.GeoFromDegrees(52.5+float64(ow)*0.0004, 13.4+float64(i)*0.0007+float64(ow%7)*0.0002)
					if err != nil {
						return nil, err
					}
					r.Geo = &g
				}
			}
			id := w.add(1+ow, fl, r)
			owner[id], policy[id] = 1+ow, p
			if r.Kind == "location" {
				places = append(places, id)
			} else {
				others = append(others, id)
			}
		}
	}
	all := append(append([]entry.ID{}, places...), others...)
	var manual []festival.RequestKey
	n := 0
	for og := range Organisers {
		who := 1 + Owners + og
		for range PerOrganiser {
			n++
			s := rng.Float64() * 68
			place := places[rng.IntN(len(places))]
			ev := w.add(who, fl, &festival.Event{Festival: f, Name: fmt.Sprintf("Event %d", n), Span: hours(s, s+1+rng.Float64()*3), Needs: []entry.ID{place}})
			if policy[place] == festival.PolicyManual {
				manual = append(manual, festival.RequestKey{Entry: ev, Resource: place})
			}
			for range PerEvent - 1 {
				res := all[rng.IntN(len(all))]
				s := rng.Float64() * 70
				q := w.add(who, fl, &festival.Request{Festival: f, Event: ev, Resource: res, Window: hours(s, s+0.5+rng.Float64()*2)})
				if policy[res] == festival.PolicyManual {
					manual = append(manual, festival.RequestKey{Entry: q, Resource: res})
				}
			}
		}
	}
	for i := 0; i < Grants && i < len(manual); i++ {
		k := manual[rng.IntN(len(manual))]
		w.add(owner[k.Resource], fl, &festival.Authorize{Festival: f, Request: k.Entry, Resource: k.Resource, Decision: festival.DecisionGrant, Policy: festival.PolicyManual})
	}
	if w.err != nil {
		return nil, w.err
	}
	return &Festival{ID: f, Founder: w.keys[0], Entries: append(certs, w.all...)}, nil
}

func key(what string, i int) (identity.PrivateKey, error) {
	seed := sha256.Sum256([]byte(fmt.Sprintf("kith bigfestival %s %d", what, i)))
	return identity.KeyFromSeed(seed[:])
}
