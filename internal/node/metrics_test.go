package node_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// lockedBuffer is a bytes.Buffer safe for a logger and a test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// scrape reads url's metrics in Prometheus' text format as series (name
// with labels, as written) to values.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scraping %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("scraping %s: %s: %s", url, resp.Status, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// Issue 14, item 8: a hub serves Prometheus metrics at metrics_listen.
// After a client that follows the hub's account synced with it and asked
// it for heads once within its limit and once over it, the hub's
// counters say exactly that: one inbound direct peer, one session, the
// entries the client's session received out and none in, the bytes
// the client's session counted mirrored, one heads request served and one
// refused as too_many; and the refusal is logged as one JSON line with
// its service, reason, peer and detail.
func TestHubMetricsAfterSync(t *testing.T) {
	ctx := t.Context()
	hub, _ := initNode(t, node.Options{})
	for _, text := range []string{"one", "two", "three"} {
		if _, err := hub.Post(ctx, text, nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	logs := &lockedBuffer{}
	jsonLog, err := node.NewLogger(node.LogJSON, logs, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	off := false
	cfg := node.DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	cfg.MetricsListen = "127.0.0.1:0"
	cfg.Hub = node.HubConfig{On: true, HeadsLogs: 2}
	if err := hub.StartNetwork(ctx, node.ServeOptions{Config: cfg, Logger: jsonLog}); err != nil {
		t.Fatalf("StartNetwork: %v", err)
	}
	t.Cleanup(func() { _ = hub.StopNetwork() })
	url := "http://" + hub.MetricsAddr() + "/metrics"
	if !strings.HasPrefix(hub.MetricsAddr(), "127.0.0.1:") {
		t.Fatalf("metrics at %q, want loopback", hub.MetricsAddr())
	}
	before := scrape(t, url)
	if before[`kith_sync_sessions_total`] != 0 || before[`kith_peers{direction="in",path="direct"}`] != 0 {
		t.Fatalf("before any peer: %v", before)
	}

	client, _ := initNode(t, node.Options{})
	follow(t, client, hub)
	serveLoopback(t, client)
	if _, err := client.AddPeer(ctx, hub.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	hubKey := identity.PublicKey(hub.Device())
	public := store.LogKey{Author: hubKey, LogID: entry.PublicLog}
	var received int64 // what the client's session with the hub received
	eventually(t, "the client to hold the hub's posts, live, and the hub's counters to say what it sent", func() bool {
		own, err := client.Store().Head(ctx, public)
		if err != nil || own.Seq < 3 {
			return false
		}
		theirs, err := hub.Store().Head(ctx, public)
		if err != nil || theirs.Seq != own.Seq {
			return false
		}
		m := scrape(t, url)
		for _, p := range client.Peers() {
			if p.Device == hub.Device() && p.Sync != nil && p.Sync.Phase == "live" {
				received = p.Sync.EntriesReceived
				return received >= 3 && m[`kith_sync_entries_total{direction="out"}`] == float64(received)
			}
		}
		return false
	})
	if _, err := client.HubHeads(ctx, hubKey, []store.LogKey{{Author: hubKey, LogID: entry.PublicLog}}); err != nil {
		t.Fatalf("HubHeads within the limit: %v", err)
	}
	var three []store.LogKey
	for i := range 3 {
		var l store.LogKey
		l.Author, l.LogID[0] = hubKey, byte(i+1)
		three = append(three, l)
	}
	if _, err := client.HubHeads(ctx, hubKey, three); err == nil {
		t.Fatal("a heads request over the hub's limit was answered")
	}

	m := scrape(t, url)
	var clientIn, clientOut int64
	for _, p := range client.Peers() {
		if p.Device == hub.Device() && p.Sync != nil {
			clientIn, clientOut = p.Sync.BytesIn, p.Sync.BytesOut
		}
	}
	for series, want := range map[string]float64{
		`kith_peers{direction="in",path="direct"}`:                      1,
		`kith_peers{direction="in",path="relayed"}`:                     0,
		`kith_peers{direction="out",path="direct"}`:                     0,
		`kith_sync_sessions_total`:                                      1,
		`kith_sync_sessions{phase="live"}`:                              1,
		`kith_sync_entries_total{direction="out"}`:                      float64(received),
		`kith_sync_entries_total{direction="in"}`:                       0,
		`kith_sync_bytes_total{direction="out"}`:                        float64(clientIn),
		`kith_sync_bytes_total{direction="in"}`:                         float64(clientOut),
		`kith_service_uses_total{kind="request",service="heads"}`:       1,
		`kith_refusals_total{reason="too_many",service="heads"}`:        1,
		`kith_service_uses_total{kind="slot",service="relay"}`:          0,
		`kith_relay_slots`:                                              0,
		`kith_stranger_work_total{budget="sessions",outcome="refused"}`: 0,
	} {
		got, ok := m[series]
		if !ok || got != want {
			t.Errorf("%s = %v (present: %v), want %v", series, got, ok, want)
		}
	}
	if m["process_resident_memory_bytes"] <= 0 || m["go_goroutines"] <= 0 {
		t.Errorf("no process or Go metrics: resident %v, goroutines %v", m["process_resident_memory_bytes"], m["go_goroutines"])
	}

	// The refusal, as one JSON line.
	var found int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if rec["msg"] != "refused" {
			continue
		}
		found++
		if rec["level"] != "INFO" || rec["service"] != "heads" || rec["reason"] != "too_many" || rec["peer"] != client.Device().String() ||
			!strings.Contains(rec["detail"].(string), "3 logs asked for; this hub answers at most 2") {
			t.Errorf("refusal logged as %v", rec)
		}
	}
	if found != 1 {
		t.Errorf("%d refusals logged, want 1:\n%s", found, logs.String())
	}

	// Off with the network.
	if err := hub.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	if hub.MetricsAddr() != "" {
		t.Errorf("metrics still at %q after the network stopped", hub.MetricsAddr())
	}
	c := http.Client{Timeout: 2 * time.Second}
	if resp, err := c.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("metrics still served after the network stopped: %s", resp.Status)
	}
}
