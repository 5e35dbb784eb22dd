package api

import (
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestFestivalDayCut: another account's events on other days are left
// out, with their conflicts; mine stay.
func TestFestivalDayCut(t *testing.T) {
	ev := func(id, start, author string) wire.FestivalEvent {
		return wire.FestivalEvent{ID: id, Span: wire.Span{Start: start, End: start}, Author: wire.Person{Account: author}}
	}
	all := wire.Festival{
		Programme: []wire.FestivalEvent{ev("a", "2026-07-04T10:00:00Z", "bea"), ev("b", "2026-07-05T10:00:00Z", "bea"), ev("c", "2026-07-05T12:00:00Z", "me"), ev("d", "2026-07-06T10:00:00Z", "bea")},
		Conflicts: []wire.FestivalRequest{{ID: "qa", Event: "a"}, {ID: "qb", Event: "b"}, {ID: "qc", Event: "c"}},
	}
	got := festivalDay(all, "2026-07-04", "me")
	var ids, qs string
	for _, e := range got.Programme {
		ids += e.ID
	}
	for _, q := range got.Conflicts {
		qs += q.ID + " "
	}
	if ids != "ac" || qs != "qa qc " || len(got.Days) != 3 || got.Days[1] != (wire.FestivalDayCount{Day: "2026-07-05", Events: 2}) {
		t.Fatalf("programme %q, conflicts %q, days %+v", ids, qs, got.Days)
	}
	if got := festivalDay(wire.Festival{}, "first", "me"); got.Day != "" || len(got.Programme) != 0 || got.Days == nil {
		t.Fatalf("empty: %+v", got)
	}
}
