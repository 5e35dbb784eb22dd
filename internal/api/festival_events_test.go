package api_test

import (
	"encoding/json"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestFestivalLiveEvents: every festival change comes on the event stream
// as an entry event whose type names it, so a page reloads the festival.
func TestFestivalLiveEvents(t *testing.T) {
	f := spaceFixture(t, "Ada")
	ch, _ := openEvents(t, t.Context(), f.srv.URL, f.token)
	if e := nextEvent(t, ch, false); e.name != wire.EventHello {
		t.Fatalf("first event %q", e.name)
	}
	var fe wire.FestivalEntry
	f.call("POST", "/api/v1/festivals", wire.FestivalCreate{Name: "Summer Camp"}, &fe)
	var re wire.FestivalEntry
	f.call("POST", "/api/v1/festivals/"+fe.Festival+"/resources", wire.FestivalResourceNew{Kind: "stage", Name: "Main stage"}, &re)
	want := []struct{ id, typ string }{{fe.ID, "festival.create"}, {re.ID, "festival.resource"}}
	for _, w := range want {
		var got wire.EntryEvent
		for {
			e := nextEvent(t, ch, false)
			if e.name != "entry" {
				continue
			}
			if err := json.Unmarshal([]byte(e.data), &got); err != nil {
				t.Fatal(err)
			}
			break
		}
		if got.ID != w.id || got.Type == nil || *got.Type != w.typ || !got.Local {
			t.Fatalf("entry event %+v, want %s of type %s", got, w.id, w.typ)
		}
	}
}
