package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/festival/bigfestival"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/scope"
)

// BenchmarkFestivalProgrammeRead: GET /api/v1/festivals/{id}, the JSON the
// festival page fetches, from a node holding the festival of
// internal/festival/bigfestival (2,000 events, 500 resources, 20,000
// requests). The festival is reduced once before the timer (the node keeps
// the reduced state until a festival entry arrives); each read builds the
// view (names, programme, conflicts) and encodes it; the client reads it
// whole.
func BenchmarkFestivalProgrammeRead(b *testing.B) { benchFestivalRead(b, "") }

// BenchmarkFestivalDayRead: the same with ?day=first, as the page asks:
// the programme of the first day (festival_day.go).
func BenchmarkFestivalDayRead(b *testing.B) { benchFestivalRead(b, "?day=first") }

func benchFestivalRead(b *testing.B, query string) {
	url, token, fid := bigFestivalNode(b)
	client := &http.Client{}
	get := func() []byte {
		req, err := http.NewRequest("GET", url+"/api/v1/festivals/"+fid+query, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("%d %v %.200s", resp.StatusCode, err, body)
		}
		return body
	}
	var v wire.FestivalDay
	body := get()
	if err := json.Unmarshal(body, &v); err != nil {
		b.Fatal(err)
	}
	reqs, events := 0, 0
	for _, e := range v.Programme {
		reqs += len(e.Requests)
	}
	for _, d := range v.Days {
		events += d.Events
	}
	switch {
	case len(v.Resources) != 500:
		b.Fatalf("%d resources", len(v.Resources))
	case query == "" && (len(v.Programme) != 2000 || reqs != 20000):
		b.Fatalf("%d events, %d requests", len(v.Programme), reqs)
	case query != "" && (events != 2000 || len(v.Programme) != v.Days[0].Events):
		b.Fatalf("%d events in %+v, %d in the programme", events, v.Days, len(v.Programme))
	}
	b.ResetTimer()
	for b.Loop() {
		get()
	}
	b.StopTimer()
	b.ReportMetric(float64(len(body)), "bytes")
	b.ReportMetric(float64(len(v.Programme)), "events")
}

// bigFestivalNode is a node holding the big festival, opened, behind the
// API: the server's URL, the token and the festival's id.
func bigFestivalNode(b *testing.B) (string, string, string) {
	b.Helper()
	big, err := bigfestival.Build(bigfestival.Options{FoundLog: scope.FestivalFoundLog, Log: scope.FestivalLog})
	if err != nil {
		b.Fatal(err)
	}
	n, _, err := node.Init(b.TempDir(), node.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	if _, err := n.Store().Ingest(b.Context(), big.Entries); err != nil {
		b.Fatal(err)
	}
	if _, err := n.OpenFestival(b.Context(), node.FestivalRef(big.ID, big.Founder.Public())); err != nil {
		b.Fatal(err)
	}
	token, err := api.NewToken()
	if err != nil {
		b.Fatal(err)
	}
	a := api.New(n, api.Options{Token: token})
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	b.Cleanup(a.Close)
	return srv.URL, token, big.ID.String()
}
