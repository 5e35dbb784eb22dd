package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestFestivalAPI: a festival, a location and an event that books it,
// through the API; the programme names the place; a second booking of the
// same time is a conflict in words; names stand for ids; the programme
// exports as iCalendar.
func TestFestivalAPI(t *testing.T) {
	f := spaceFixture(t, "Ada")
	var fe wire.FestivalEntry
	f.call("POST", "/api/v1/festivals", wire.FestivalCreate{Name: "Summer Camp", Text: "By the lake"}, &fe)
	if fe.Ref == "" || !strings.HasPrefix(fe.Ref, fe.Festival+"/dev_") {
		t.Fatalf("create: %+v", fe)
	}
	lat, lon := 52.52, 13.40495
	base := "/api/v1/festivals/" + fe.Festival
	f.call("POST", base+"/resources", wire.FestivalResourceNew{Kind: "location", Name: "Main stage", Lat: &lat, Lon: &lon,
		Windows: []wire.Span{{Start: "2026-07-04T12:00:00Z", End: "2026-07-05T02:00:00Z"}}}, nil)
	// By name, not id.
	f.call("POST", "/api/v1/festivals/Summer%20Camp/events", wire.FestivalEventNew{Name: "Concert", Start: "2026-07-04T20:00:00Z", End: "2026-07-04T22:00:00Z", Needs: []string{"Main stage"}}, nil)
	f.expectError("POST", base+"/events", `{"name":"Late show","start":"2026-07-04T21:00:00Z","end":"2026-07-04T23:00:00Z","needs":["Main stage"]}`,
		http.StatusConflict, wire.CodeConflict, `"Main stage" is already booked 2026-07-04 20:00–22:00 UTC by "Concert": choose another time or another resource`)
	f.expectError("POST", base+"/events", `{"name":"Dawn","start":"2026-07-05T05:00:00Z","end":"2026-07-05T06:00:00Z","needs":["Main stage"]}`,
		http.StatusConflict, wire.CodeConflict, `"Main stage" is available only 2026-07-04 12:00–2026-07-05 02:00 UTC`)
	f.expectError("POST", base+"/events", `{"name":"X","start":"2026-07-05T05:00:00Z","end":"2026-07-05T06:00:00Z","needs":["Back stage"]}`,
		http.StatusNotFound, wire.CodeNotFound, `no resource named "Back stage" in this festival`)
	f.expectError("GET", "/api/v1/festivals/Winter", "", http.StatusNotFound, wire.CodeNotFound, `no festival named "Winter" is held here`)

	var v wire.Festival
	f.call("GET", base, nil, &v)
	if v.Name != "Summer Camp" || v.Creator.Name != "you" || len(v.Resources) != 1 || len(v.Programme) != 1 {
		t.Fatalf("festival: %+v", v)
	}
	r := v.Resources[0]
	if r.Owner.Name != "you" || *r.Lat != 52.52 || *r.Lon != 13.40495 || len(r.Bookings) != 1 ||
		r.Bookings[0].EventName != "Concert" || r.Bookings[0].Span != (wire.Span{Start: "2026-07-04T20:00:00Z", End: "2026-07-04T22:00:00Z"}) {
		t.Fatalf("resource: %+v", r)
	}
	ev := v.Programme[0]
	if ev.Name != "Concert" || len(ev.Places) != 1 || ev.Places[0] != "Main stage" || ev.Requests[0].Status != "granted" {
		t.Fatalf("programme: %+v", ev)
	}
	resp, body := f.request("GET", base+"/programme.ics", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("ics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"\r\nSUMMARY:Concert\r\n", "\r\nLOCATION:Main stage\r\n", "\r\nDTSTART:20260704T200000Z\r\n", "\r\nUID:" + ev.ID + "@kith\r\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("ics lacks %q:\n%s", want, body)
		}
	}
	var list wire.FestivalList
	f.call("GET", "/api/v1/festivals", nil, &list)
	if len(list.Festivals) != 1 || list.Festivals[0].Ref != fe.Ref || !list.Festivals[0].Opened {
		t.Fatalf("list: %+v", list)
	}
	f.call("POST", base+"/withdraw", wire.FestivalWithdrawNew{Target: "Concert"}, nil)
	f.call("GET", base, nil, &v)
	if !v.Programme[0].Cancelled || len(v.Resources[0].Bookings) != 0 {
		t.Fatalf("after cancelling: %+v", v)
	}
}
