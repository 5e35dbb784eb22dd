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
		if _, full := tb.add(w); full {
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
				if _, full := tb.add(s); full {
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
