package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestFestivalDay: ?day= answers one day's programme (and your own events
// on other days), the conflicts of those events and every day's count;
// day=first the first day; a day that is not one is refused in words.
func TestFestivalDay(t *testing.T) {
	f := spaceFixture(t, "Ada")
	var fe wire.FestivalEntry
	f.call("POST", "/api/v1/festivals", wire.FestivalCreate{Name: "Summer Camp"}, &fe)
	base := "/api/v1/festivals/" + fe.Festival
	f.call("POST", base+"/resources", wire.FestivalResourceNew{Kind: "stage", Name: "Stage"}, nil)
	for _, e := range []wire.FestivalEventNew{
		{Name: "Opening", Start: "2026-07-04T18:00:00Z", End: "2026-07-04T19:00:00Z", Needs: []string{"Stage"}},
		{Name: "Concert", Start: "2026-07-04T20:00:00Z", End: "2026-07-04T22:00:00Z"},
		{Name: "Closing", Start: "2026-07-05T18:00:00Z", End: "2026-07-05T19:00:00Z"},
	} {
		f.call("POST", base+"/events", e, nil)
	}
	var d wire.FestivalDay
	f.call("GET", base+"?day=first", nil, &d)
	days := func(d wire.FestivalDay) string {
		var s []string
		for _, x := range d.Days {
			s = append(s, x.Day+":"+string(rune('0'+x.Events)))
		}
		return strings.Join(s, " ")
	}
	names := func(d wire.FestivalDay) string {
		var s []string
		for _, e := range d.Programme {
			s = append(s, e.Name)
		}
		return strings.Join(s, " ")
	}
	if d.Day != "2026-07-04" || days(d) != "2026-07-04:2 2026-07-05:1" || len(d.Resources) != 1 {
		t.Fatalf("day=first: %q %q %d resources", d.Day, days(d), len(d.Resources))
	}
	// Ada wrote every event: her own are kept whatever the day.
	if got := names(d); got != "Opening Concert Closing" {
		t.Fatalf("day=first programme: %q", got)
	}
	f.call("GET", base+"?day=2026-07-06", nil, &d)
	if d.Day != "2026-07-06" || days(d) != "2026-07-04:2 2026-07-05:1" {
		t.Fatalf("day=2026-07-06: %q %q", d.Day, days(d))
	}
	f.expectError("GET", base+"?day=Saturday", "", http.StatusBadRequest, wire.CodeBadRequest, `day "Saturday": give a day like 2026-07-04 (UTC), or first`)
}
