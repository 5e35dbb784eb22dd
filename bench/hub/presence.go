package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// presenceHeadsChanges is how many times the star says new heads in the
// presence phase: with its first state, within the hub's burst of 8
// states (doc/protocol/services.md §7), so none is refused as too fast.
const presenceHeadsChanges = 5

// presenceMaxWatchers bounds the watchers: kith's hub holds 1,024
// presence sessions, and an audience names at most 1,024 keys.
const presenceMaxWatchers = 1023

// presenceStream is a client's presence stream to the hub
// (/kith/presence/1): its state written, the hub's welcome read, and
// then every peer event handed to onPeer.
type presenceStream struct {
	s       netnode.Stream
	session uint64 // the hub's number for this session (the welcome's)
	done    chan struct{}

	mu     sync.Mutex
	onPeer func(services.PeerEvent)
	err    error // why the stream ended
}

// openPresence opens c's presence stream to the hub with state st and
// reads the welcome.
func (c *client) openPresence(ctx context.Context, hub identity.PublicKey, st services.PresenceState) (*presenceStream, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := c.host.Open(ctx, hub, services.PresenceProtocol)
	if err != nil {
		return nil, err
	}
	_ = s.SetDeadline(time.Now().Add(30 * time.Second))
	if err := services.WriteClientMessage(s, services.ClientMessage{State: &st}); err != nil {
		_ = s.Reset()
		return nil, err
	}
	m, err := services.ReadHubMessage(s)
	switch {
	case err != nil:
		_ = s.Reset()
		return nil, fmt.Errorf("reading the hub's welcome: %w", err)
	case m.Refused != nil:
		_ = s.Reset()
		return nil, fmt.Errorf("the hub refused presence: %d %s", m.Refused.Code, m.Refused.Reason)
	case m.Welcome == nil:
		_ = s.Reset()
		return nil, errors.New("the hub's first presence message is not a welcome")
	}
	_ = s.SetDeadline(time.Time{})
	p := &presenceStream{s: s, session: m.Welcome.Session, done: make(chan struct{})}
	go p.read()
	return p, nil
}

// read hands the hub's peer events to onPeer until the stream ends.
func (p *presenceStream) read() {
	defer close(p.done)
	for {
		m, err := services.ReadHubMessage(p.s)
		if err == nil && m.Peer == nil {
			err = fmt.Errorf("the hub wrote a presence message other than a peer event: %+v", m)
		}
		if err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			return
		}
		p.mu.Lock()
		f := p.onPeer
		p.mu.Unlock()
		if f != nil {
			f(*m.Peer)
		}
	}
}

func (p *presenceStream) setOnPeer(f func(services.PeerEvent)) {
	p.mu.Lock()
	p.onPeer = f
	p.mu.Unlock()
}

// write writes a new state.
func (p *presenceStream) write(st services.PresenceState) error {
	_ = p.s.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return services.WriteClientMessage(p.s, services.ClientMessage{State: &st})
}

// end resets the stream (the client goes) and waits for its reader.
func (p *presenceStream) end() {
	_ = p.s.Reset()
	<-p.done
}

// presencePhase has one client, the star, watched by the others: each
// watcher's state watches the star's account (and names it in its
// audience), the star's audience names every watcher's account but one's
// (the outsider's), so the hub may tell each watcher but the outsider of
// the star (services.md §7, the privacy rule); the phase fails if the
// outsider hears of it. Then the star changes: it comes online, says new heads
// presenceHeadsChanges times, goes (resets its stream) and comes back (a
// new stream, a new session); each change is timed until every watcher
// has read the hub's peer event for it, and the hub's CPU over all of
// them is divided among the changes and among the events (change ×
// watcher).
func presencePhase(ctx context.Context, r *Result, hubPID int, clients []*client, hub identity.PublicKey) error {
	star, watchers := clients[0], clients[1:min(len(clients), presenceMaxWatchers+1)]
	starDev, starAcc := services.Key32(star.key.Public()), services.Key32(star.account)
	benchkit.Logf("presence: %d watchers of one device", len(watchers))
	wst := services.PresenceState{Heads: []services.OwnHead{}, Audience: []services.Key32{starAcc}, Watch: []services.Key32{starAcc}}
	streams := make([]*presenceStream, len(watchers))
	defer func() {
		for _, p := range streams {
			if p != nil {
				p.end()
			}
		}
	}()
	// A watcher the hub does not welcome is counted, with the first
	// reason, and left out: the phase goes on with the watchers welcomed.
	var mu sync.Mutex
	_ = parallel(len(watchers), 16, func(i int) error {
		p, err := watchers[i].openPresence(ctx, hub, wst)
		streams[i] = p
		if err != nil {
			mu.Lock()
			r.PresenceNotWelcomed++
			if r.PresenceNotWelcomedWhy == "" {
				r.PresenceNotWelcomedWhy = err.Error()
			}
			mu.Unlock()
		}
		return nil
	})
	var audience []services.Key32
	welcomed := streams[:0]
	for i, p := range streams {
		if p != nil {
			welcomed = append(welcomed, p)
			audience = append(audience, services.Key32(watchers[i].account))
		}
	}
	streams = welcomed
	if r.PresenceNotWelcomed > 0 {
		benchkit.Logf("presence: the hub welcomed %d of %d watchers; the first not welcomed: %s", len(streams), len(watchers), r.PresenceNotWelcomedWhy)
		// The hub is full: two watchers go, to leave room for the
		// star's session and the one replacing it when it comes back.
		for range min(2, len(streams)) {
			streams[len(streams)-1].end()
			streams = streams[:len(streams)-1]
			audience = audience[:len(audience)-1]
		}
		time.Sleep(2 * time.Second) // the hub sees them go
	}
	if len(streams) < 2 {
		return fmt.Errorf("presence: the hub welcomed %d watchers: too few to measure", len(streams))
	}
	// The last watcher is an outsider: it watches the star, and the
	// star's audience does not name it; the hub must tell it nothing.
	outsider := streams[len(streams)-1]
	streams, audience = streams[:len(streams)-1], audience[:len(audience)-1]
	defer outsider.end()
	var leaked atomic.Int64
	outsider.setOnPeer(func(ev services.PeerEvent) {
		if ev.Device == starDev {
			leaked.Add(1)
		}
	})
	slices.SortFunc(audience, func(a, b services.Key32) int { return bytes.Compare(a[:], b[:]) })
	logID := services.Key32{1}
	state := func(seq uint64) services.PresenceState {
		var id services.Key32
		_, _ = rand.Read(id[:])
		return services.PresenceState{Heads: []services.OwnHead{{LogID: logID, Seq: seq, ID: id}}, Audience: audience, Watch: []services.Key32{}}
	}

	// change makes one change and times it until every watcher read an
	// event of the star for which want holds.
	var times []float64
	change := func(what string, do func() error, want func(services.PeerEvent) bool) (float64, error) {
		var got atomic.Int64
		done := make(chan struct{})
		for _, p := range streams {
			var once sync.Once
			p.setOnPeer(func(ev services.PeerEvent) {
				if ev.Device == starDev && ev.Account == starAcc && want(ev) {
					once.Do(func() {
						if got.Add(1) == int64(len(streams)) {
							close(done)
						}
					})
				}
			})
		}
		t0 := time.Now()
		if err := do(); err != nil {
			return 0, fmt.Errorf("presence: %s: %w", what, err)
		}
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			return 0, fmt.Errorf("presence: %s: %d of %d watchers heard of it in 2 min", what, got.Load(), len(streams))
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		ms := float64(time.Since(t0).Microseconds()) / 1000
		times = append(times, ms)
		return ms, nil
	}

	var sp *presenceStream
	defer func() {
		if sp != nil {
			sp.end()
		}
	}()
	came := func(seq uint64) func() error {
		return func() error {
			p, err := star.openPresence(ctx, hub, state(seq))
			sp = p
			return err
		}
	}
	cpu0 := benchkit.CPUSecondsOf(hubPID)
	// The star's session is not known before its welcome, which the hub
	// writes before it tells the watchers: they may hear first.
	if _, err := change("came", came(1), func(ev services.PeerEvent) bool {
		return ev.Online && len(ev.Heads) == 1 && ev.Heads[0].Seq == 1
	}); err != nil {
		return err
	}
	session := sp.session
	for i := range presenceHeadsChanges {
		seq := uint64(i + 2)
		if _, err := change("new heads", func() error { return sp.write(state(seq)) }, func(ev services.PeerEvent) bool {
			return ev.Online && ev.Session == session && len(ev.Heads) == 1 && ev.Heads[0].Seq == seq
		}); err != nil {
			return err
		}
	}
	gone := session
	went, err := change("went", func() error { sp.end(); sp = nil; return nil }, func(ev services.PeerEvent) bool {
		return !ev.Online && ev.Session == gone && len(ev.Heads) == 0
	})
	if err != nil {
		return err
	}
	back, err := change("came back", came(1), func(ev services.PeerEvent) bool {
		return ev.Online && ev.Session > gone && len(ev.Heads) == 1
	})
	if err != nil {
		return err
	}
	cpu := benchkit.CPUSecondsOf(hubPID) - cpu0
	if n := leaked.Load(); n > 0 {
		return fmt.Errorf("presence: the hub told a watcher the star's audience does not name of the star %d times", n)
	}
	for _, p := range streams {
		p.setOnPeer(nil)
		p.mu.Lock()
		err := p.err
		p.mu.Unlock()
		if err != nil {
			return fmt.Errorf("presence: a watcher's stream ended: %w", err)
		}
	}
	r.PresenceWatchers, r.PresenceChanges = len(streams), len(times)
	r.PresenceWentMS, r.PresenceCameMS = went, back
	slices.Sort(times)
	r.PresenceAllP50MS, r.PresenceAllMaxMS = times[len(times)/2], times[len(times)-1]
	r.CPUPerPresenceChangeMS = cpu / float64(len(times)) * 1000
	r.CPUPerPresenceEventUS = cpu / float64(len(times)*len(streams)) * 1e6
	return nil
}
