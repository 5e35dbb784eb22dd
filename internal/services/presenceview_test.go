package services

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestPresenceViewAnyOrder: a device's come and go events over three
// sessions, delivered in every order of a thousand shuffles (and
// duplicated), leave the same view: the device online in its latest
// session with that session's latest heads; another device whose only
// session ended is gone. No event carries a time: the hub's counters
// order them.
func TestPresenceViewAnyOrder(t *testing.T) {
	a, b := key32(0x11), key32(0x33)
	h := func(seq uint64) []OwnHead { return []OwnHead{{Seq: seq, ID: key32(byte(seq))}} }
	evs := []PeerEvent{
		{Device: a, Session: 1, Update: 1, Online: true, Heads: h(1)},
		{Device: a, Session: 1, Update: 2, Online: true, Heads: h(2)},
		{Device: a, Session: 1, Update: 3},                            // the first connection went…
		{Device: a, Session: 2, Update: 1, Online: true, Heads: h(3)}, // …a second came
		{Device: a, Session: 4, Update: 1, Online: true, Heads: h(4)}, // a third, while…
		{Device: a, Session: 2, Update: 2},                            // …the second's end is told late
		{Device: a, Session: 4, Update: 2, Online: true, Heads: h(5)},
		{Device: b, Session: 3, Update: 1, Online: true, Heads: h(9)},
		{Device: b, Session: 3, Update: 2},
	}
	var want PresenceView
	for _, ev := range evs {
		if _, err := want.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	on := want.Online()
	if len(on) != 1 || on[0].Device != a || on[0].Session != 4 || on[0].Update != 2 || on[0].Heads[0].Seq != 5 {
		t.Fatalf("in order: online %+v, want device a in session 4 at seq 5", on)
	}
	if p, ok := want.Get(b); !ok || p.Online {
		t.Fatalf("device b: %+v %v, want gone", p, ok)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 1000; i++ {
		order := append(append([]PeerEvent{}, evs...), evs[rng.IntN(len(evs))])
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var got PresenceView
		for _, ev := range order {
			if _, err := got.Apply(ev); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(got.peers, want.peers) {
			t.Fatalf("order %d gives %+v, want %+v", i, got.peers, want.peers)
		}
	}
}

// TestPresenceViewBound: a hub that tells of more devices than it may
// hold makes the view forget the oldest gone device, and refuses an
// event once every device held is online.
func TestPresenceViewBound(t *testing.T) {
	var v PresenceView
	dev := func(i int) (k Key32) { k[0], k[1] = byte(i>>8), byte(i); return k }
	for i := 0; i < MaxViewPeers; i++ {
		if _, err := v.Apply(PeerEvent{Device: dev(i), Session: uint64(i + 1), Update: 1, Online: i != 7}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Apply(PeerEvent{Device: dev(MaxViewPeers), Session: 9999, Update: 1, Online: true}); err != nil {
		t.Fatalf("with one device gone to forget: %v", err)
	}
	if _, ok := v.Get(dev(7)); ok || v.Len() != MaxViewPeers {
		t.Fatalf("the gone device is still held (%d held)", v.Len())
	}
	if _, err := v.Apply(PeerEvent{Device: dev(MaxViewPeers + 1), Session: 10000, Update: 1, Online: true}); err != ErrViewFull {
		t.Fatalf("one device more than a hub holds, all online: %v, want ErrViewFull", err)
	}
}
