package netnode

import (
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPenaltiesDoubleAndCap(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	p := newPenalties(time.Minute, time.Hour, clock.now)
	key := identity.PublicKey{1}

	if _, ok := p.refusedUntil(key); ok {
		t.Fatal("a peer never penalised is refused")
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60}
	for i, minutes := range want {
		start := clock.t
		until, strikes := p.add(key, "test")
		if strikes != i+1 {
			t.Fatalf("penalty %d: strikes = %d", i+1, strikes)
		}
		if got := until.Sub(start); got != minutes*time.Minute {
			t.Fatalf("penalty %d: refused for %v, want %v", i+1, got, minutes*time.Minute)
		}
		got, ok := p.refusedUntil(key)
		if !ok || !got.Equal(until) {
			t.Fatalf("penalty %d: refusedUntil = %v, %v; want %v, true", i+1, got, ok, until)
		}
		clock.advance(minutes*time.Minute - time.Nanosecond)
		if _, ok := p.refusedUntil(key); !ok {
			t.Fatalf("penalty %d: not refused a nanosecond before the end", i+1)
		}
		clock.advance(time.Nanosecond)
		if _, ok := p.refusedUntil(key); ok {
			t.Fatalf("penalty %d: still refused at the end", i+1)
		}
	}
	if other, ok := p.refusedUntil(identity.PublicKey{2}); ok {
		t.Fatalf("another peer is refused until %v", other)
	}
}

func TestPenaltiesForgetAfterADay(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	p := newPenalties(time.Minute, time.Hour, clock.now)
	key := identity.PublicKey{1}
	p.add(key, "first")
	clock.advance(strikeMemory)
	if _, strikes := p.add(key, "within a day"); strikes != 2 {
		t.Fatalf("strikes = %d after a repeat exactly a day later, want 2", strikes)
	}
	clock.advance(strikeMemory + time.Nanosecond)
	until, strikes := p.add(key, "after a good day")
	if strikes != 1 || until.Sub(clock.t) != time.Minute {
		t.Fatalf("after a day of good behaviour: strikes %d, refused for %v; want 1 and 1m", strikes, until.Sub(clock.t))
	}
	if n := len(p.byPeer); n != 1 {
		t.Fatalf("%d records kept, want 1", n)
	}
}
