package replicate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// TestLivePushAndRelay: after catching up, an entry added on A reaches B
// and, through B, C; C's own entries reach A the other way.
func TestLivePushAndRelay(t *testing.T) {
	a, b, c := newNode(t, 1, Limits{}), newNode(t, 2, Limits{}), newNode(t, 3, Limits{})
	la, lc := newChain(t, 1, 1), newChain(t, 3, 1)
	ingest(t, a.st, la.add(t, 5))
	connect(t, a, b)
	connect(t, b, c)
	waitLive(t, a, b)
	waitLive(t, b, c)
	waitHead(t, c.st, la.logKey(), 5) // a new log reaches c through b's HAVE

	for i := range 3 {
		es := la.add(t, 2)
		ingest(t, a.st, es)
		a.eng.Added(es)
		waitHead(t, c.st, la.logKey(), uint64(7+2*i))
	}
	es := lc.add(t, 4)
	ingest(t, c.st, es)
	c.eng.Added(es)
	waitHead(t, a.st, lc.logKey(), 4)
	waitHead(t, b.st, lc.logKey(), 4)

	// B took 11 entries of A's log from A (5 at catch-up, 6 pushed live)
	// and none of C's (they came from C): live entries count as expected
	// too, so progress is exactly 11 of 11.
	found := false
	for _, st := range b.eng.Sessions() {
		if st.Peer != a.key.Public() {
			continue
		}
		found = true
		if st.EntriesReceived != 11 || st.EntriesExpected != 11 {
			t.Fatalf("B's session with A: received %d of %d expected, want 11 of 11", st.EntriesReceived, st.EntriesExpected)
		}
	}
	if !found {
		t.Fatal("B has no session with A")
	}
}

// TestForks: a conflicting entry at the same seq, and one below the
// peer's head, are fetched and kept as evidence; the session goes on.
func TestForks(t *testing.T) {
	for _, tc := range []struct {
		name         string
		aLen, forkAt int
	}{{"same seq", 10, 10}, {"below the peer's head", 12, 10}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
			c := newChain(t, 1, 1)
			c.add(t, tc.aLen)
			other := c.fork(t, uint64(tc.forkAt))
			ingest(t, a.st, c.es)
			ingest(t, b.st, append(c.es[:tc.forkAt-1:tc.forkAt-1], other))
			connect(t, a, b)
			waitLive(t, a, b)
			// The evidence may come after CAUGHT_UP: a fork below the
			// peer's head shows only when the entry after it arrives.
			waitFor(t, "one fork on each side", func() bool {
				sa, sb := a.eng.Sessions(), b.eng.Sessions()
				return len(sa) == 1 && len(sb) == 1 && sa[0].Forks == 1 && sb[0].Forks == 1
			})
			for _, n := range []*node{a, b} {
				fs, err := n.st.Forks(context.Background())
				if err != nil || len(fs) != 1 || fs[0].Seq != uint64(tc.forkAt) {
					t.Fatalf("fork evidence %v (%v), want one at seq %d", fs, err, tc.forkAt)
				}
				if h := heads(t, n.st)[c.logKey()]; !h.Forked {
					t.Fatalf("log not marked forked: %+v", h)
				}
			}
			if h := heads(t, b.st)[c.logKey()]; h.Seq != uint64(tc.forkAt) || h.ID != other.ID {
				t.Fatalf("b's head moved: %+v", h)
			}
			// The sessions are still up: a new log still flows.
			d := newChain(t, 2, 1)
			es := d.add(t, 2)
			ingest(t, a.st, es)
			a.eng.Added(es)
			waitHead(t, b.st, d.logKey(), 2)
		})
	}
}

// TestDuplicateSession: two sessions started at once between the same two
// nodes, one from each side: both keep the one initiated by the smaller
// key, and the other ends with ErrDuplicateSession on both sides.
func TestDuplicateSession(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	c := newChain(t, 1, 1)
	ingest(t, a.st, c.add(t, 20))
	l1 := connect(t, a, b) // initiated by a
	l2 := connect(t, b, a) // initiated by b
	smaller := a
	kept, dropped := l1, l2
	if string(b.pub().Device().Key().Hex()) < string(a.pub().Device().Key().Hex()) {
		smaller, kept, dropped = b, l2, l1
	}
	var errs []error
	for _, ch := range []chan error{dropped.errA, dropped.errB} {
		select {
		case err := <-ch:
			ch <- err
			errs = append(errs, err)
		case <-time.After(10 * time.Second):
			t.Fatal("the duplicate session did not end")
		}
	}
	for _, err := range errs {
		if !errors.Is(err, ErrDuplicateSession) {
			t.Fatalf("the dropped session ended with %v, want ErrDuplicateSession", err)
		}
	}
	sa, _ := waitLive(t, a, b)
	if sa.Initiator != (smaller == a) {
		t.Fatalf("a's kept session: initiator %v", sa.Initiator)
	}
	waitHead(t, b.st, c.logKey(), 20)
	select {
	case err := <-kept.errA:
		t.Fatalf("the kept session ended: %v", err)
	default:
	}
}

// TestDeviceCertificateLogs: an account's certificate log is an ordinary
// log: it replicates, and the receiving store learns the device.
func TestDeviceCertificateLogs(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	acc, dev := testKey(t, 70), testKey(t, 71)
	cert, err := content.NewDeviceCert(acc, dev, "laptop", 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	ingest(t, a.st, []*entry.Entry{cert})
	connect(t, a, b)
	waitLive(t, a, b)
	ds, err := b.st.Devices(context.Background(), acc.Public())
	if err != nil || len(ds) != 1 || ds[0].Device != dev.Public() || ds[0].Name != "laptop" {
		t.Fatalf("devices on b: %+v (%v)", ds, err)
	}
}

// TestScopeChanged: a log wanted later is fetched from what the
// reconciliation showed; a log unwanted stops; a log no longer offered is
// no longer pushed.
func TestScopeChanged(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x, y, z := newChain(t, 1, 1), newChain(t, 2, 1), newChain(t, 3, 1)
	ingest(t, a.st, x.add(t, 4))
	ingest(t, a.st, y.add(t, 6))
	ingest(t, a.st, z.add(t, 2))
	b.scope.setWants(x.logKey(), z.logKey())
	connect(t, a, b)
	waitLive(t, a, b)
	if _, ok := heads(t, b.st)[y.logKey()]; ok {
		t.Fatal("b holds y before wanting it")
	}

	b.scope.setWants(x.logKey(), y.logKey(), z.logKey())
	b.eng.ScopeChanged()
	waitHead(t, b.st, y.logKey(), 6)

	b.scope.setWants(y.logKey(), z.logKey()) // x unwanted
	b.eng.ScopeChanged()
	a.scope.setOffers(x.logKey(), y.logKey()) // z no longer offered
	a.eng.ScopeChanged()
	waitFor(t, "a to serve y only", func() bool {
		sa, sb := a.eng.Sessions(), b.eng.Sessions()
		return len(sa) == 1 && sa[0].LogsServed == 1 && len(sb) == 1 && sb[0].LogsWanted == 2
	})
	for _, ch := range []*chain{x, z, y} {
		es := ch.add(t, 1)
		ingest(t, a.st, es)
		a.eng.Added(es)
	}
	waitHead(t, b.st, y.logKey(), 7) // pushed after x's and z's: had they been pushed, they would be here
	hs := heads(t, b.st)
	if hs[x.logKey()].Seq != 4 || hs[z.logKey()].Seq != 2 {
		t.Fatalf("b got x up to %d and z up to %d after they were unwanted / no longer offered, want 4 and 2", hs[x.logKey()].Seq, hs[z.logKey()].Seq)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 5000 {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestScopeNewlyOffered: a log the sender did not offer when the session
// reconciled (a blocked account's, a vetoed stranger's) and offers after a
// scope change is announced and fetched in the same session.
func TestScopeNewlyOffered(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x, y := newChain(t, 1, 1), newChain(t, 2, 1)
	ingest(t, a.st, x.add(t, 3))
	ingest(t, a.st, y.add(t, 5))
	a.scope.setOffers(x.logKey()) // y held back
	connect(t, a, b)
	waitLive(t, a, b)
	waitHead(t, b.st, x.logKey(), 3)
	if _, ok := heads(t, b.st)[y.logKey()]; ok {
		t.Fatal("b holds y while a does not offer it")
	}
	a.scope.setOffers(x.logKey(), y.logKey())
	a.eng.ScopeChanged()
	waitHead(t, b.st, y.logKey(), 5)
	if n := len(a.eng.Sessions()); n != 1 {
		t.Fatalf("%d sessions, want the same single session", n)
	}
}
