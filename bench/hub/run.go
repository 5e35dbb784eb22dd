package main

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// stall is how long connecting may make no progress before the phases
// go on with the clients that are live.
const stall = time.Minute

type config struct {
	clients, entries int
	poll, window     time.Duration
	relay            bool
	dir              string
}

// Result is what the benchmark reports.
type Result struct {
	Date    string `json:"date"`
	Machine string `json:"machine"`
	Cores   int    `json:"cores"`
	Clients int    `json:"clients"`
	Relay   bool   `json:"relay"`
	// Connecting: how long until every client had a live sync session
	// with the hub, and what the hub's metrics said then.
	ConnectSeconds float64 `json:"connect_s"`
	// ClientsLive have a live sync session with the hub at the end of
	// connecting (all, unless they stopped coming for stall); the
	// phases after use them.
	ClientsLive  int `json:"clients_live"`
	PeersDirect  int `json:"peers_direct"`
	PeersRelayed int `json:"peers_relayed"`
	LiveSessions int `json:"live_sessions"`
	RelaySlots   int `json:"relay_slots"`
	// Memory: the hub's RSS alone, and with the clients connected and
	// idle; the difference per client.
	HubRSSAloneMB     float64 `json:"hub_rss_alone_mb"`
	HubRSSConnectedMB float64 `json:"hub_rss_connected_mb"`
	RSSPerClientKB    float64 `json:"rss_per_client_kb"`
	IdleCPUPercent    float64 `json:"idle_cpu_percent"`
	// Live fan-out: Entries published one at a time, each to Followers.
	Entries          int     `json:"entries"`
	Followers        int     `json:"followers"`
	LiveAllP50MS     float64 `json:"live_all_p50_ms"`
	LiveAllMaxMS     float64 `json:"live_all_max_ms"`
	CPUPerEntryMS    float64 `json:"cpu_per_entry_ms"`
	CPUPerDeliveryUS float64 `json:"cpu_per_delivery_us"`
	// Presence (/kith/presence/1): PresenceWatchers watch one device
	// (and one more watches it from outside its audience, and must hear
	// nothing), which makes PresenceChanges changes (comes online, says new heads
	// 5 times, goes, comes back); the time until every watcher has read
	// the hub's event for a change, p50 and max over the changes, and
	// for the going and the coming back; the hub's CPU over the changes,
	// per change and per change and watcher (an event told).
	PresenceWatchers int `json:"presence_watchers"`
	// PresenceNotWelcomed clients asked for a presence session and were
	// not welcomed (PresenceNotWelcomedWhy: the first error); they are
	// not among the watchers.
	PresenceNotWelcomed    int     `json:"presence_not_welcomed"`
	PresenceNotWelcomedWhy string  `json:"presence_not_welcomed_why,omitempty"`
	PresenceChanges        int     `json:"presence_changes"`
	PresenceAllP50MS       float64 `json:"presence_all_p50_ms"`
	PresenceAllMaxMS       float64 `json:"presence_all_max_ms"`
	PresenceWentMS         float64 `json:"presence_went_ms"`
	PresenceCameMS         float64 `json:"presence_came_back_ms"`
	CPUPerPresenceChangeMS float64 `json:"cpu_per_presence_change_ms"`
	CPUPerPresenceEventUS  float64 `json:"cpu_per_presence_event_us"`
	// Heads polling (/kith/heads/1).
	Poll                 string  `json:"poll"`
	HeadsPerSecond       float64 `json:"heads_per_s"`
	CPUPerHeadsRequestUS float64 `json:"cpu_per_heads_request_us"`
	HeadsAllMS           float64 `json:"heads_all_ms"`
	// HeadsRequests were made in all, HeadsFailed of them failed (the
	// hub refused, or did not answer within 10 s); a client that failed
	// asks again at its next turn.
	HeadsRequests int64 `json:"heads_requests"`
	HeadsFailed   int64 `json:"heads_failed"`
	// The hub's own counters at the end.
	HubEntriesOut    int64            `json:"hub_entries_out"`
	HubHeadsRequests int64            `json:"hub_heads_requests"`
	HubRefusals      map[string]int64 `json:"hub_refusals"`
}

// The phases after the clients connected, in order: live fan-out,
// presence (presence.go), heads polling.
func run(ctx context.Context, c config) (Result, error) {
	if c.clients < 2 {
		return Result{}, fmt.Errorf("-clients %d: give at least 2 (a publisher and a follower)", c.clients)
	}
	r := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: cores(), Clients: c.clients, Relay: c.relay, Poll: c.poll.String()}
	dir, cleanup, err := benchkit.WorkDir(c.dir, "hub")
	if err != nil {
		return r, err
	}
	defer cleanup()
	bin, err := benchkit.BuildKith(dir)
	if err != nil {
		return r, err
	}
	pub := benchkit.LogKey(0)
	entries := benchkit.SignLog(0, c.entries+1)
	hub, metricsURL, err := startHub(bin, filepath.Join(dir, "hub"), pub, c.clients)
	if err != nil {
		return r, err
	}
	defer hub.Stop()
	hubDev, err := identity.ParseDevice(hub.Device)
	if err != nil {
		return r, err
	}
	hubKey := hubDev.Key()
	time.Sleep(3 * time.Second)
	r.HubRSSAloneMB = float64(rssKB(hub.PID)) / 1024

	// Connect.
	benchkit.Logf("starting %d light clients", c.clients)
	start := time.Now()
	clients := make([]*client, c.clients)
	defer func() {
		for _, cl := range clients {
			if cl != nil {
				cl.close()
			}
		}
	}()
	relayHub := ""
	if c.relay {
		relayHub = hub.Addr()
	}
	if err := parallel(c.clients, 16, func(i int) error {
		cl, err := newClient(ctx, pub, relayHub)
		if err != nil {
			return err
		}
		clients[i] = cl
		cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		return cl.connect(cctx, hub.Addr(), hubKey)
	}); err != nil {
		return r, err
	}
	benchkit.Logf("all connected; waiting for %d live sync sessions at the hub", c.clients)
	var m map[string]float64
	best, bestAt := -1, time.Now()
	if err := benchkit.WaitFor(ctx, 500*time.Millisecond, func() (bool, error) {
		m, err = scrape(metricsURL)
		if err != nil {
			return false, err
		}
		live, relayed := 0, 0
		for _, cl := range clients {
			if cl.live() {
				live++
			}
			if cl.relayed() {
				relayed++
			}
		}
		if live+relayed > best {
			best, bestAt = live+relayed, time.Now()
		}
		if time.Since(bestAt) > stall {
			// Go on with the clients that have a live session, and say
			// how many did not.
			benchkit.Logf("no progress for %s: %d of %d clients live, %d with a relay slot; going on with the live ones", stall, live, c.clients, relayed)
			return true, nil
		}
		return live == c.clients && (!c.relay || relayed == c.clients), nil
	}); err != nil {
		return r, err
	}
	r.ConnectSeconds = time.Since(start).Seconds()
	var live []*client
	for _, cl := range clients {
		if cl.live() {
			live = append(live, cl)
		}
	}
	r.ClientsLive = len(live)
	if len(live) < 2 {
		return r, fmt.Errorf("%d clients have a live sync session with the hub: too few to measure", len(live))
	}
	// Idle: memory and CPU with everyone connected and nothing to do.
	benchkit.Logf("connected in %.1f s; idle for %s", r.ConnectSeconds, c.window)
	time.Sleep(2 * time.Second)
	cpu0 := benchkit.CPUSecondsOf(hub.PID)
	time.Sleep(c.window)
	r.IdleCPUPercent = (benchkit.CPUSecondsOf(hub.PID) - cpu0) / c.window.Seconds() * 100
	r.HubRSSConnectedMB = float64(rssKB(hub.PID)) / 1024
	r.RSSPerClientKB = (r.HubRSSConnectedMB - r.HubRSSAloneMB) * 1024 / float64(c.clients)
	// The hub's view, once it has caught up with the clients'.
	if m, err = scrape(metricsURL); err != nil {
		return r, err
	}
	r.LiveSessions = int(m[`kith_sync_sessions{phase="live"}`])
	r.PeersDirect = int(m[`kith_peers{direction="in",path="direct"}`] + m[`kith_peers{direction="out",path="direct"}`])
	r.PeersRelayed = int(m[`kith_peers{direction="in",path="relayed"}`] + m[`kith_peers{direction="out",path="relayed"}`])
	r.RelaySlots = int(m[`kith_relay_slots`])

	if err := livePhase(ctx, &r, hub.PID, live, entries[:c.entries]); err != nil {
		return r, err
	}
	if err := presencePhase(ctx, &r, hub.PID, live, hubKey); err != nil {
		return r, err
	}
	if err := headsPhase(ctx, &r, c, hub.PID, live, hubKey, pub, entries[c.entries]); err != nil {
		return r, err
	}

	if m, err = scrape(metricsURL); err != nil {
		return r, err
	}
	r.HubEntriesOut = int64(m[`kith_sync_entries_total{direction="out"}`])
	r.HubHeadsRequests = int64(m[`kith_service_uses_total{kind="request",service="heads"}`])
	r.HubRefusals = map[string]int64{}
	for k, v := range m {
		if strings.HasPrefix(k, "kith_refusals_total{") {
			r.HubRefusals[strings.TrimPrefix(k, "kith_refusals_total")] = int64(v)
		}
	}
	return r, nil
}

// livePhase publishes entries one at a time from clients[0] and times
// each until every other client holds it; the hub's CPU over all of them
// is divided among the entries and the deliveries.
func livePhase(ctx context.Context, r *Result, hubPID int, clients []*client, es []*entry.Entry) error {
	followers := clients[1:]
	r.Entries, r.Followers = len(es), len(followers)
	benchkit.Logf("live: %d entries, each to %d followers through the hub", len(es), len(followers))
	var times []float64
	cpu0 := benchkit.CPUSecondsOf(hubPID)
	for _, e := range es {
		seq := e.Header.Seq
		var got atomic.Int64
		done := make(chan struct{})
		for _, f := range followers {
			f.mu.Lock()
			f.onSeq = func(s uint64) {
				if s == seq && got.Add(1) == int64(len(followers)) {
					close(done)
				}
			}
			f.mu.Unlock()
		}
		t0 := time.Now()
		if err := clients[0].publish(ctx, e); err != nil {
			return err
		}
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("live: seq %d reached %d of %d followers in 2 min", seq, got.Load(), len(followers))
		}
		times = append(times, float64(time.Since(t0).Microseconds())/1000)
	}
	cpu := benchkit.CPUSecondsOf(hubPID) - cpu0
	for _, f := range followers {
		f.mu.Lock()
		f.onSeq = nil
		f.mu.Unlock()
	}
	slices.Sort(times)
	r.LiveAllP50MS, r.LiveAllMaxMS = times[len(times)/2], times[len(times)-1]
	r.CPUPerEntryMS = cpu / float64(len(es)) * 1000
	r.CPUPerDeliveryUS = cpu / float64(len(es)*len(followers)) * 1e6
	return nil
}

// headsPhase has every client ask the hub for the publisher's head every
// c.poll (each starting at a random moment): first for c.window with
// nothing new, for the hub's CPU per request; then clients[0] publishes e
// and the phase times until every client's answer names it.
func headsPhase(ctx context.Context, r *Result, c config, hubPID int, clients []*client, hub identity.PublicKey, pub store.LogKey, e *entry.Entry) error {
	benchkit.Logf("heads: %d clients asking every %s", len(clients), c.poll)
	var requests, failures atomic.Int64
	learned := make([]atomic.Int64, len(clients)) // unix ns when the client first saw seq ≥ target
	var target atomic.Uint64
	target.Store(^uint64(0))
	pctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(time.Duration(rand.Int64N(int64(c.poll))))
			defer t.Stop()
			for {
				select {
				case <-pctx.Done():
					return
				case <-t.C:
				}
				seq, err := cl.heads(pctx, hub, pub)
				requests.Add(1)
				if err != nil {
					failures.Add(1)
				} else if seq >= target.Load() && learned[i].Load() == 0 {
					learned[i].Store(time.Now().UnixNano())
				}
				t.Reset(c.poll)
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()
	time.Sleep(c.poll) // every client is polling
	n0, cpu0 := requests.Load(), benchkit.CPUSecondsOf(hubPID)
	time.Sleep(c.window)
	n, cpu := requests.Load()-n0, benchkit.CPUSecondsOf(hubPID)-cpu0
	r.HeadsPerSecond = float64(n) / c.window.Seconds()
	if n > 0 {
		r.CPUPerHeadsRequestUS = cpu / float64(n) * 1e6
	}
	target.Store(e.Header.Seq)
	t0 := time.Now()
	if err := clients[0].publish(ctx, e); err != nil {
		return err
	}
	if err := benchkit.WaitFor(ctx, 20*time.Millisecond, func() (bool, error) {
		if time.Since(t0) > 10*c.poll+time.Minute {
			return false, fmt.Errorf("heads: not every client learned the new head in %s", time.Since(t0))
		}
		for i := range learned {
			if learned[i].Load() == 0 {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		return err
	}
	var last int64
	for i := range learned {
		last = max(last, learned[i].Load())
	}
	r.HeadsAllMS = float64(time.Unix(0, last).Sub(t0).Microseconds()) / 1000
	r.HeadsRequests, r.HeadsFailed = requests.Load(), failures.Load()
	return nil
}

// startHub writes the hub's config.toml and starts it: a hub for
// everyone, replicating the publisher's log, with room for the clients
// (they are strangers to it: stranger_work and the connection watermarks
// raised, as doc/config.md tells a hub serving many strangers to), and
// its metrics on a free loopback port.
func startHub(bin, home string, pub store.LogKey, clients int) (*benchkit.Proc, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	metrics := ln.Addr().String()
	ln.Close()
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, "", err
	}
	high := max(200, 2*clients)
	conf := fmt.Sprintf(`# written by bench/hub
logs = [%q]
stranger_work = 100000
conn_low = %d
conn_high = %d
metrics_listen = %q

[hub]
on = true
relay_slots = %d
`, pub.Author.Device().String()+"/"+pub.LogID.String(), high/2, high, metrics, max(1024, clients))
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(conf), 0o600); err != nil {
		return nil, "", err
	}
	p, err := benchkit.Serve(bin, home)
	if err != nil {
		return nil, "", err
	}
	return p, "http://" + metrics + "/metrics", nil
}

// parallel runs f(0…n-1), at most width at once, and returns the first
// error.
func parallel(n, width int, f func(int) error) error {
	sem := make(chan struct{}, width)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(i); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// scrape reads a Prometheus text page as series to values.
func scrape(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// rssKB is a process's resident memory now (VmRSS); -1 when unknown.
func rssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
