package node

import (
	"math/rand/v2"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// Property of a hub's presence table: whatever the order of devices
// coming (a new connection replacing the one before), changing heads and
// going, and whatever the order a watcher is handed the events in, the
// watcher's view ends with exactly the devices that are online and let it
// learn of them, each with its latest heads. A device that does not name
// the watcher in its audience is never told.
func TestPresenceTableConverges(t *testing.T) {
	key := func(b byte) (k identity.PublicKey) { k[0] = b; return k }
	accA, accB, accC, accW := key(0xa0), key(0xb0), key(0xc0), key(0xf0)
	devices := []struct {
		dev, acc identity.PublicKey
		lets     bool
	}{{key(1), accA, true}, {key(2), accA, true}, {key(3), accB, true}, {key(4), accC, false}}
	newSession := func(dev, acc identity.PublicKey) *hubSession {
		return &hubSession{device: dev, account: acc, told: map[*hubSession]bool{},
			events: map[services.Key32]services.PeerEvent{}, wake: make(chan struct{}, 1)}
	}
	for round := range 200 {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		tb := newPresenceTable()
		w := newSession(key(0xee), accW)
		if _, _, full := tb.add(w); full {
			t.Fatal("full")
		}
		tb.setState(w, services.PresenceState{Heads: []services.OwnHead{}, Audience: []services.Key32{}, Watch: []services.Key32{key32(accA), key32(accB), key32(accC)}})
		live := map[identity.PublicKey]*hubSession{}
		heads := map[identity.PublicKey]uint64{}
		var delivered []services.PeerEvent
		collect := func() {
			out, _, _ := tb.take(w)
			for _, m := range out {
				if m.Peer != nil {
					delivered = append(delivered, *m.Peer)
				}
			}
		}
		state := func(d int) services.PresenceState {
			heads[devices[d].dev]++
			audience := []services.Key32{}
			if devices[d].lets {
				audience = append(audience, key32(accW))
			}
			return services.PresenceState{Heads: []services.OwnHead{{Seq: heads[devices[d].dev]}}, Audience: audience, Watch: []services.Key32{}}
		}
		for range 40 {
			d := rng.IntN(len(devices))
			dev := devices[d].dev
			switch op := rng.IntN(3); {
			case op == 0 || live[dev] == nil: // comes, replacing its session
				s := newSession(dev, devices[d].acc)
				if _, _, full := tb.add(s); full {
					t.Fatal("full")
				}
				tb.setState(s, state(d))
				live[dev] = s
			case op == 1:
				tb.setState(live[dev], state(d))
			default: // goes
				tb.remove(live[dev])
				delete(live, dev)
			}
			if rng.IntN(2) == 0 {
				collect()
			}
		}
		collect()
		rng.Shuffle(len(delivered), func(i, j int) { delivered[i], delivered[j] = delivered[j], delivered[i] })
		var v services.PresenceView
		for _, ev := range delivered {
			if _, err := v.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		on := map[identity.PublicKey]uint64{}
		for _, p := range v.Online() {
			on[identity.PublicKey(p.Device)] = p.Heads[0].Seq
		}
		for _, d := range devices {
			want := live[d.dev] != nil && d.lets
			seq, got := on[d.dev]
			if got != want || (want && seq != heads[d.dev]) {
				t.Fatalf("round %d: device %x online %v at seq %d, want %v at seq %d (%d events)", round, d.dev[0], got, seq, want, heads[d.dev], len(delivered))
			}
		}
	}
}

// BenchmarkPresenceFanout: one device whose 1,023 watchers (every other
// session of a full hub) it lets learn of it changes its heads; each
// iteration is one state and its event queued to every watcher (writing
// them is the writers' work, not measured).
func BenchmarkPresenceFanout(b *testing.B) {
	tb := newPresenceTable()
	newSession := func(i int, acc identity.PublicKey) *hubSession {
		var dev identity.PublicKey
		dev[0], dev[1], dev[2] = 1, byte(i>>8), byte(i)
		return &hubSession{device: dev, account: acc, told: map[*hubSession]bool{},
			events: map[services.Key32]services.PeerEvent{}, wake: make(chan struct{}, 1)}
	}
	var popular, others identity.PublicKey
	popular[0], others[0] = 0xaa, 0xbb
	w := newSession(0, popular)
	tb.add(w)
	for i := 1; i < presenceMaxSessions; i++ {
		s := newSession(i, others)
		tb.add(s)
		tb.setState(s, services.PresenceState{Heads: []services.OwnHead{}, Audience: []services.Key32{}, Watch: []services.Key32{key32(popular)}})
	}
	st := services.PresenceState{Heads: []services.OwnHead{{Seq: 1}}, Audience: []services.Key32{key32(others)}, Watch: []services.Key32{}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st.Heads[0].Seq = uint64(i + 1)
		tb.setState(w, st)
	}
	b.StopTimer()
	if n := len(w.told); n != presenceMaxSessions-1 {
		b.Fatalf("%d watchers told, want %d", n, presenceMaxSessions-1)
	}
}

// A full table: a stranger's new session is refused; a device the hub
// wants takes the place of the oldest stranger's session, whose watchers
// hear that it went; when every session is of a wanted device, the wanted
// newcomer is refused too.
func TestPresenceTableWantedTakesAStrangersPlace(t *testing.T) {
	old := presenceMaxSessions
	presenceMaxSessions = 3
	t.Cleanup(func() { presenceMaxSessions = old })
	key := func(b byte) (k identity.PublicKey) { k[0] = b; return k }
	newSession := func(b byte, wanted bool) *hubSession {
		return &hubSession{device: key(b), account: key(b + 0x80), told: map[*hubSession]bool{},
			events: map[services.Key32]services.PeerEvent{}, wake: make(chan struct{}, 1), wanted: wanted}
	}
	tb := newPresenceTable()
	friend := newSession(1, true)
	s1, s2 := newSession(2, false), newSession(3, false)
	for _, s := range []*hubSession{friend, s1, s2} {
		if _, _, full := tb.add(s); full {
			t.Fatal("full before the bound")
		}
	}
	if _, _, full := tb.add(newSession(4, false)); !full {
		t.Fatal("a stranger's fourth session was taken over the bound")
	}
	_, evicted, full := tb.add(newSession(5, true))
	if full || evicted != s1 || !s1.ended || tb.byDevice[key(2)] != nil {
		t.Fatalf("a wanted device in a full table: full %v, evicted %v; want the oldest stranger's session (%p) ended", full, evicted, s1)
	}
	if _, _, full := tb.add(newSession(6, true)); full {
		t.Fatal("the second wanted device found no stranger to replace")
	}
	if _, evicted, full := tb.add(newSession(7, true)); !full || evicted != nil {
		t.Fatalf("a table of wanted devices only: full %v, evicted %v; want refused", full, evicted)
	}
}
