package api

import (
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/festival"
	"github.com/kithnet/kith/internal/node"
)

// TestProgrammeICS checks the iCalendar export against exact bytes:
// CRLF, UTC times, escaping of \ ; , and newlines, folding at 75 octets
// without splitting a character, and no VEVENT for a cancelled event.
func TestProgrammeICS(t *testing.T) {
	id1 := entry.ID{1}
	id2 := entry.ID{2}
	id3 := entry.ID{3}
	v := &node.FestivalView{
		FestivalBrief: node.FestivalBrief{Name: "Summer; Camp"},
		Events: []node.EventView{
			{ID: id1, Name: "Concert, loud", Text: "Bring ear plugs\\not drums\nsecond line", Span: festival.Window{Start: 1783195200, End: 1783202400},
				Places: []string{"Main stage", "Field"}},
			{ID: id2, Name: "Gone", Span: festival.Window{Start: 1783195200, End: 1783198800}, Cancelled: true},
			{ID: id3, Name: strings.Repeat("ü", 40), Span: festival.Window{Start: 1783281600, End: 1783285200},
				Requests: []node.RequestView{{ResourceName: "Tent", Status: "granted"}, {ResourceName: "Bus", Status: "denied"}}},
		},
	}
	got := string(programmeICS(v, time.Date(2026, 7, 1, 9, 30, 0, 0, time.FixedZone("x", 7200))))
	want := "BEGIN:VCALENDAR\r\n" +
		"VERSION:2.0\r\n" +
		"PRODID:-//kith//festival programme//EN\r\n" +
		"CALSCALE:GREGORIAN\r\n" +
		"X-WR-CALNAME:Summer\\; Camp\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:" + id1.String() + "@kith\r\n" +
		"DTSTAMP:20260701T073000Z\r\n" +
		"DTSTART:20260704T200000Z\r\n" +
		"DTEND:20260704T220000Z\r\n" +
		"SUMMARY:Concert\\, loud\r\n" +
		"LOCATION:Main stage\\, Field\r\n" +
		"DESCRIPTION:Bring ear plugs\\\\not drums\\nsecond line\r\n" +
		"END:VEVENT\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:" + id3.String() + "@kith\r\n" +
		"DTSTAMP:20260701T073000Z\r\n" +
		"DTSTART:20260705T200000Z\r\n" +
		"DTEND:20260705T210000Z\r\n" +
		// "SUMMARY:" is 8 octets, each ü 2: 33 fit in 74 (75 would split one).
		"SUMMARY:" + strings.Repeat("ü", 33) + "\r\n" +
		" " + strings.Repeat("ü", 7) + "\r\n" +
		"LOCATION:Tent\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if got != want {
		t.Fatalf("ics:\n%q\nwant\n%q", got, want)
	}
	for _, l := range strings.Split(got, "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
	}
	// A long ASCII line folds at exactly 75, then 74 after the space.
	var b strings.Builder
	foldLine(&b, "DESCRIPTION:"+strings.Repeat("a", 150))
	wantFold := "DESCRIPTION:" + strings.Repeat("a", 63) + "\r\n " + strings.Repeat("a", 74) + "\r\n " + strings.Repeat("a", 13) + "\r\n"
	if b.String() != wantFold {
		t.Fatalf("fold:\n%q\nwant\n%q", b.String(), wantFold)
	}
}
