package festival

import (
	"fmt"
	"time"
)

// HoursPerDay is first come, first served with a cap: a requester's
// account may hold the resource for at most n hours on a UTC day
// (params [n], 1 ≤ n ≤ 24). It uses only what any Policy can use, as a
// program's own policy would.
type HoursPerDay struct{}

const day = 86400

func (HoursPerDay) Name() string { return PolicyHoursPerDay }

func (HoursPerDay) CheckParams(ps []uint64) error {
	if len(ps) != 1 || ps[0] < 1 || ps[0] > 24 {
		return fmt.Errorf("%s takes one parameter, the hours per day from 1 to 24; got %v", PolicyHoursPerDay, ps)
	}
	return nil
}

func (HoursPerDay) Decide(v View, r *RequestState) Decision {
	limit := v.Params()[0] * 3600
	for d := r.Window.Start / day; d*day < r.Window.End; d++ {
		dw := Window{d * day, (d + 1) * day}
		used := overlap(r.Window, dw)
		for _, h := range v.HoldsOf(r.Requester, dw) {
			used += overlap(h.Window, dw)
		}
		if used > limit {
			date := time.Unix(int64(dw.Start), 0).UTC().Format(time.DateOnly)
			return Denied("at most %d hours a day per person: this would make %.1f hours on %s", limit/3600, float64(used)/3600, date)
		}
	}
	return Granted()
}

// overlap is the length of the intersection of a and b in seconds.
func overlap(a, b Window) uint64 {
	s, e := max(a.Start, b.Start), min(a.End, b.End)
	if s >= e {
		return 0
	}
	return e - s
}
