package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// sse is one event or comment of a stream: a comment has no name.
type sse struct {
	name, data, comment string
}

// serveWith serves n with options and returns the server and its token.
func serveWith(t *testing.T, n *node.Node, o api.Options) (*httptest.Server, *api.Server, string) {
	t.Helper()
	token, err := api.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	o.Token = token
	a := api.New(n, o)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(a.Close)
	return srv, a, token
}

// openEvents opens the event stream and returns its events as they come;
// the channel closes when the stream ends.
func openEvents(t *testing.T, ctx context.Context, url, token string) (<-chan sse, *http.Response) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("events: status %d", resp.StatusCode)
	}
	ch := make(chan sse, 100)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var cur sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if cur != (sse{}) {
					ch <- cur
				}
				cur = sse{}
			case strings.HasPrefix(line, ":"):
				cur.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "event: "):
				cur.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				cur.data = line[len("data: "):]
			}
		}
	}()
	return ch, resp
}

// nextEvent waits for the next event, skipping pings unless wanted.
func nextEvent(t *testing.T, ch <-chan sse, pings bool) sse {
	t.Helper()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended")
			}
			if e.name == "" && !pings {
				continue
			}
			return e
		case <-time.After(20 * time.Second):
			t.Fatal("no event within 20 s")
		}
	}
}

func TestEventsHelloAndEntry(t *testing.T) {
	f := newFixture(t)
	ch, resp := openEvents(t, t.Context(), f.srv.URL, f.token)
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	e := nextEvent(t, ch, true)
	want := fmt.Sprintf(`{"account":%q,"initialized":true}`, f.n.Account().String())
	if e.name != "hello" || e.data != want {
		t.Fatalf("first event %+v, want hello %s", e, want)
	}
	var posted wire.Posted
	f.call("POST", "/api/v1/posts", map[string]string{"text": "live"}, &posted)
	e = nextEvent(t, ch, false)
	if e.name != "entry" {
		t.Fatalf("event %+v, want entry", e)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(e.data), &got); err != nil {
		t.Fatal(err)
	}
	wantEntry := map[string]any{"id": posted.ID, "type": "post", "account": f.n.Account().String(), "author": f.n.Device().String(), "local": true}
	if fmt.Sprint(got) != fmt.Sprint(wantEntry) {
		t.Errorf("entry event %v, want %v", got, wantEntry)
	}
}

func TestEventsPing(t *testing.T) {
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv, _, token := serveWith(t, n, api.Options{PingInterval: 20 * time.Millisecond})
	ch, _ := openEvents(t, t.Context(), srv.URL, token)
	if e := nextEvent(t, ch, true); e.name != "hello" {
		t.Fatalf("first %+v", e)
	}
	for i := 0; i < 2; i++ {
		if e := nextEvent(t, ch, true); e.comment != "ping" || e.name != "" {
			t.Fatalf("event %+v, want the comment ping", e)
		}
	}
}

func TestEventsResyncOnOverflow(t *testing.T) {
	// A bundle of many entries is imported in one batch: with a buffer of
	// one event, the stream cannot keep up.
	other, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for i := 0; i < 100; i++ {
		if _, err := other.Post(t.Context(), fmt.Sprint("post ", i), nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	var bundle bytes.Buffer
	if _, err := other.Export(t.Context(), &bundle, nil, nil); err != nil {
		t.Fatal(err)
	}
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv, _, token := serveWith(t, n, api.Options{EventBuffer: 1})
	ch, _ := openEvents(t, t.Context(), srv.URL, token)
	if e := nextEvent(t, ch, false); e.name != "hello" {
		t.Fatalf("first %+v", e)
	}
	if _, err := n.Import(t.Context(), &bundle, nil); err != nil {
		t.Fatal(err)
	}
	entries := 0
	for {
		e := nextEvent(t, ch, false)
		if e.name == "resync" {
			if e.data != "{}" {
				t.Errorf("resync data %q", e.data)
			}
			break
		}
		if e.name != "entry" {
			t.Fatalf("event %+v", e)
		}
		entries++
	}
	if entries >= 101 {
		t.Errorf("%d entry events before resync: nothing was dropped", entries)
	}
	// After resync, events flow again.
	p, err := n.Post(t.Context(), "after", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		e := nextEvent(t, ch, false)
		if e.name == "entry" && strings.Contains(e.data, p.ID.String()) {
			break
		}
	}
}

func TestEventsEndOnClose(t *testing.T) {
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv, a, token := serveWith(t, n, api.Options{})
	ch, _ := openEvents(t, t.Context(), srv.URL, token)
	nextEvent(t, ch, true)
	a.Close()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("an event after Close")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end after Close")
	}
	// New streams are refused while closing.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(t, resp)
	wantError(t, resp, b, 500, wire.CodeFailed, "stopping")
}

// TestEventsPeersAndSync: a join brings peers and sync events, and the
// peer's entries come as entry events that are not local. That peers and
// sync events are coalesced (at most one of each per half second) is
// checked by TestEventPumpCoalesces and TestEventPumpRandomSchedules, on
// the times the server writes them. The times this test reads them say
// nothing about that: it reads only once join and post have answered, and
// the events written meanwhile (e.g. three peers events 515 ms and 501 ms
// apart) wait in openEvents' channel and are read within a millisecond.
func TestEventsPeersAndSync(t *testing.T) {
	a, b := servingPair(t)
	ch, _ := openEvents(t, t.Context(), b.srv.URL, b.token)
	nextEvent(t, ch, false) // hello
	var inv wire.Invite
	a.call("POST", "/api/v1/invites", wire.InviteRequest{}, &inv)
	var joined wire.JoinResult
	b.call("POST", "/api/v1/join", wire.JoinRequest{Code: inv.Code}, &joined)
	var posted wire.Posted
	a.call("POST", "/api/v1/posts", map[string]string{"text": "to b"}, &posted)
	var sawPeers, sawSync, sawEntry bool
	deadline := time.After(20 * time.Second)
	for !(sawPeers && sawSync && sawEntry) {
		var e sse
		select {
		case e = <-ch:
		case <-deadline:
			t.Fatalf("peers %v, sync %v, entry %v after 20 s", sawPeers, sawSync, sawEntry)
		}
		switch e.name {
		case "peers":
			var pl wire.PeerList
			if err := json.Unmarshal([]byte(e.data), &pl); err != nil {
				t.Fatalf("peers data %s: %v", e.data, err)
			}
			if len(pl.Peers) == 1 && pl.Peers[0].Device == a.n.Device().String() {
				sawPeers = true
			}
		case "sync":
			var st wire.SyncTotals
			if err := json.Unmarshal([]byte(e.data), &st); err != nil {
				t.Fatalf("sync data %s: %v", e.data, err)
			}
			if st.Sessions == 1 {
				sawSync = true
			}
		case "entry":
			if strings.Contains(e.data, posted.ID) {
				if !strings.Contains(e.data, `"local":false`) || !strings.Contains(e.data, `"account":"`+a.n.Account().String()+`"`) {
					t.Errorf("entry event of a's post: %s", e.data)
				}
				sawEntry = true
			}
		}
	}
}

func TestEventsHead(t *testing.T) {
	f := newFixture(t)
	resp, b := f.request("HEAD", "/api/v1/events", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || len(b) != 0 {
		t.Errorf("HEAD: status %d, Content-Type %q, body %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}
