package node

import (
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

func peerN(i int) identity.PublicKey {
	var k identity.PublicKey
	k[0], k[1] = byte(i>>8), byte(i)
	return k
}

// admitted reports whether w was admitted: done and no error.
func admitted(w *workWaiter) bool {
	select {
	case <-w.done:
		return w.err == nil
	default:
		return false
	}
}

func refusedW(w *workWaiter) bool {
	select {
	case <-w.done:
		return errors.Is(w.err, errBusy)
	default:
		return false
	}
}

func TestWorkBudgetBurstThenRate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newWorkBudget(10, 10, 4, t0)
	for i := range 10 {
		if w, err := b.request(t0, peerN(i), 1); w != nil || err != nil {
			t.Fatalf("request %d within the burst: waiter %v, err %v; want admitted at once", i, w, err)
		}
	}
	w, err := b.request(t0, peerN(10), 1)
	if err != nil || w == nil {
		t.Fatalf("11th request: waiter %v, err %v; want it to wait", w, err)
	}
	if d := b.release(t0); d != 100*time.Millisecond {
		t.Fatalf("next release in %v, want 100ms (one unit at 10 a second)", d)
	}
	if admitted(w) {
		t.Fatal("admitted before its token came")
	}
	if d := b.release(t0.Add(100 * time.Millisecond)); d != 0 || !admitted(w) {
		t.Fatalf("after 100ms: admitted %v, next %v; want admitted and nothing waiting", admitted(w), d)
	}
	got := b.usage()
	want := StrangerWorkStats{Rate: 10, MaxWaiting: 4, Admitted: 11, Waited: 1}
	if got != want {
		t.Fatalf("usage %+v, want %+v", got, want)
	}
	// A quiet second refills the bucket to its burst, no more.
	t1 := t0.Add(time.Hour)
	for i := range 10 {
		if w, err := b.request(t1, peerN(i), 1); w != nil || err != nil {
			t.Fatalf("request %d after an hour: want admitted at once", i)
		}
	}
	if w, _ := b.request(t1, peerN(11), 1); w == nil {
		t.Fatal("the 11th after an hour was admitted at once: the bucket held more than its burst")
	}
}

func TestWorkBudgetFirstComeFirstServed(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newWorkBudget(1, 9, 8, t0)
	if w, _ := b.request(t0, peerN(1), 8); w != nil {
		t.Fatal("8 of 9 units: want admitted at once")
	}
	big, _ := b.request(t0, peerN(2), 9) // needs 8 more units
	small, _ := b.request(t0, peerN(3), 1)
	if big == nil || small == nil {
		t.Fatal("want both to wait")
	}
	// One unit is there after a second, but the big one is first.
	b.release(t0.Add(time.Second))
	if admitted(small) || admitted(big) {
		t.Fatal("the small request overtook the big one ahead of it")
	}
	if d := b.release(t0.Add(8 * time.Second)); !admitted(big) || admitted(small) || d != time.Second {
		t.Fatalf("after 8 s: big %v, small %v, next %v; want big admitted, small in 1s", admitted(big), admitted(small), d)
	}
	b.release(t0.Add(9 * time.Second))
	if !admitted(small) {
		t.Fatal("the small request was not admitted after the big one")
	}
	// A cost above the burst is charged as the burst, or it would never pass.
	if w, _ := b.request(t0.Add(time.Hour), peerN(4), 50); w != nil {
		t.Fatal("a cost above the burst waited on a full bucket")
	}
}

func TestWorkBudgetFullQueue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newWorkBudget(1, 1, 2, t0)
	if w, _ := b.request(t0, peerN(0), 1); w != nil {
		t.Fatal("want the first admitted")
	}
	w1, _ := b.request(t0, peerN(1), 1)
	w2, _ := b.request(t0, peerN(2), 1)
	if w1 == nil || w2 == nil {
		t.Fatal("want two waiters")
	}
	// A newcomer finds the queue full: refused, remembered.
	if w, err := b.request(t0, peerN(3), 1); w != nil || !errors.Is(err, errBusy) {
		t.Fatalf("newcomer to a full queue: waiter %v, err %v; want errBusy", w, err)
	}
	// Back within the minute with the same key: it takes the place of the
	// newest waiter that is not returning.
	w3, err := b.request(t0.Add(500*time.Millisecond), peerN(3), 1)
	if err != nil || w3 == nil || !w3.returning {
		t.Fatalf("returning peer: waiter %v, err %v; want a returning waiter", w3, err)
	}
	if !refusedW(w2) || refusedW(w1) {
		t.Fatalf("evicted: w1 %v, w2 %v; want the newest (w2) refused, w1 waiting", refusedW(w1), refusedW(w2))
	}
	// w2's peer is returning now too, and takes w1's place.
	w2b, _ := b.request(t0.Add(600*time.Millisecond), peerN(2), 1)
	if w2b == nil || !refusedW(w1) {
		t.Fatal("the second returning peer did not take the place of the last one not returning")
	}
	// The queue holds only returning peers: a third returning one (peer 1)
	// is back to the plain race and refused.
	if w, err := b.request(t0.Add(700*time.Millisecond), peerN(1), 1); w != nil || !errors.Is(err, errBusy) {
		t.Fatalf("returning peer to a queue of returning peers: waiter %v, err %v; want errBusy", w, err)
	}
	b.release(t0.Add(time.Second))
	b.release(t0.Add(2 * time.Second))
	if w, err := b.request(t0.Add(2*time.Minute), peerN(9), 1); w != nil || err != nil {
		t.Fatalf("after two minutes the queue drained: waiter %v err %v", w, err)
	}
	got := b.usage()
	want := StrangerWorkStats{Rate: 1, MaxWaiting: 2, Admitted: 4, Waited: 2, Refused: 4, Evicted: 2, Full: 4}
	if got != want {
		t.Fatalf("usage %+v, want %+v", got, want)
	}
	if !admitted(w3) || !admitted(w2b) {
		t.Fatal("the returning waiters were not admitted")
	}
}

func TestWorkBudgetCancel(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newWorkBudget(1, 1, 4, t0)
	b.request(t0, peerN(0), 1)
	w1, _ := b.request(t0, peerN(1), 1)
	w2, _ := b.request(t0, peerN(2), 1)
	if !b.cancel(t0, w1) || !refusedW(w1) {
		t.Fatal("cancel of a waiter: want it refused")
	}
	if b.cancel(t0, w1) {
		t.Fatal("a second cancel reported a waiter taken out")
	}
	b.release(t0.Add(time.Second))
	if !admitted(w2) {
		t.Fatal("the waiter behind a cancelled one was not admitted")
	}
	if b.cancel(t0, w2) {
		t.Fatal("cancel of an admitted waiter reported it taken out")
	}
	if _, ok := b.refusedAt[peerN(1)]; !ok {
		t.Fatal("a waiter that gave up is not remembered as refused")
	}
}

func TestWorkBudgetRefusedRememberedBounded(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newWorkBudget(1, 1, 0, t0)
	b.request(t0, peerN(0), 1)
	for i := range maxRefusedRemembered + 100 {
		if _, err := b.request(t0, peerN(i+1), 1); !errors.Is(err, errBusy) {
			t.Fatalf("request %d: %v, want errBusy", i, err)
		}
	}
	if n := len(b.refusedAt); n != maxRefusedRemembered {
		t.Fatalf("%d refused peers remembered, want %d", n, maxRefusedRemembered)
	}
	// Past the window, old ones make room.
	later := t0.Add(returnAfterRefusal)
	b.request(later, peerN(0), 1) // the token earned meanwhile
	b.request(later, peerN(99999), 1)
	if _, ok := b.refusedAt[peerN(99999)]; !ok || len(b.refusedAt) != 1 {
		t.Fatalf("after the window: %d remembered, want only the new one", len(b.refusedAt))
	}
}
