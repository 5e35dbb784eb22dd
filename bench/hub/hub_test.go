package main

import (
	"testing"
	"time"
)

// TestHubBench runs the benchmark small: a real hub process and 20 light
// clients, 3 live entries and heads polling every 300 ms; every client
// gets a live session, every follower every entry (run fails otherwise),
// each of 18 watchers hears each of the star's 8 presence changes (and
// one watcher the star's audience does not name hears nothing),
// and the hub's own counters agree: each of the 4 entries went out to
// each of the 19 followers once.
func TestHubBench(t *testing.T) {
	r, err := run(t.Context(), config{clients: 20, entries: 3, poll: 300 * time.Millisecond, window: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.ClientsLive != 20 || r.LiveSessions != 20 || r.PeersDirect != 20 || r.Followers != 19 || r.Entries != 3 {
		t.Errorf("result %+v: want 20 clients live, 20 sessions and direct peers at the hub, 3 entries to 19 followers", r)
	}
	if r.HubEntriesOut != 4*19 {
		t.Errorf("the hub sent %d entries, want 4 entries × 19 followers = 76", r.HubEntriesOut)
	}
	if r.PresenceWatchers != 18 || r.PresenceNotWelcomed != 0 || r.PresenceChanges != 8 || r.PresenceWentMS <= 0 || r.PresenceCameMS <= 0 {
		t.Errorf("presence: %d watchers, %d changes, went after %v ms, came back after %v ms: want 18 watchers told of 8 changes (and the 19th, not in the audience, of none)",
			r.PresenceWatchers, r.PresenceChanges, r.PresenceWentMS, r.PresenceCameMS)
	}
	if r.HeadsFailed != 0 || r.HubHeadsRequests < r.HeadsRequests-20 || r.HeadsAllMS <= 0 || len(r.HubRefusals) != 0 {
		t.Errorf("heads: %d of %d failed, the hub counted %d, learned after %v ms, refusals %v", r.HeadsFailed, r.HeadsRequests, r.HubHeadsRequests, r.HeadsAllMS, r.HubRefusals)
	}
}
