package api

import (
	"context"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// FestivalDay returns a festival with the programme of one day (a page of
// the festival page): day is 2026-07-04 or "first" (the first day with an
// event). A festival of thousands of events answers in a fraction of the
// bytes of the whole (BENCHMARKS.md, "Festivals: the programme page").
func (s *Service) FestivalDay(ctx context.Context, ref, day string) (wire.FestivalDay, error) {
	if day != "first" {
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return wire.FestivalDay{}, apiError(wire.CodeBadRequest, "day %q: give a day like 2026-07-04 (UTC), or first", day)
		}
	}
	all, err := s.Festival(ctx, ref)
	if err != nil {
		return wire.FestivalDay{}, err
	}
	return festivalDay(all, day, s.n.Account().String()), nil
}

// festivalDay cuts a festival down to one day's programme (and me's events).
func festivalDay(all wire.Festival, day, me string) wire.FestivalDay {
	out := wire.FestivalDay{Festival: all, Days: []wire.FestivalDayCount{}}
	for _, e := range all.Programme {
		d := e.Span.Start[:len(time.DateOnly)]
		if n := len(out.Days); n == 0 || out.Days[n-1].Day != d {
			out.Days = append(out.Days, wire.FestivalDayCount{Day: d})
		}
		out.Days[len(out.Days)-1].Events++
	}
	if day == "first" {
		day = ""
		if len(out.Days) > 0 {
			day = out.Days[0].Day
		}
	}
	out.Day = day
	out.Programme = []wire.FestivalEvent{}
	kept := map[string]bool{}
	for _, e := range all.Programme {
		if e.Span.Start[:len(time.DateOnly)] == day || e.Author.Account == me {
			out.Programme = append(out.Programme, e)
			kept[e.ID] = true
		}
	}
	out.Conflicts = []wire.FestivalRequest{}
	for _, q := range all.Conflicts {
		if kept[q.Event] {
			out.Conflicts = append(out.Conflicts, q)
		}
	}
	return out
}
