package replicate

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// TestAdmitterRefusesEntries: an entry the receiver's scope does not admit
// is not stored, nor is anything after it in its log, for the rest of the
// session, live pushes included; other logs sync on, and the peer is not
// blamed.
func TestAdmitterRefusesEntries(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x, y := newChain(t, 1, 1), newChain(t, 2, 1)
	ingest(t, a.st, x.add(t, 10))
	ingest(t, a.st, y.add(t, 10))
	b.scope.admit = func(e *entry.Entry) bool { return e.Header.Author != x.key.Public() || e.Header.Seq != 5 }
	connect(t, a, b)
	waitLive(t, a, b)
	waitHead(t, b.st, y.logKey(), 10)
	// Live pushes: x's are dropped (unwanted), y's arrive.
	more := x.add(t, 3)
	ingest(t, a.st, more)
	a.eng.Added(more)
	ys := y.add(t, 3)
	ingest(t, a.st, ys)
	a.eng.Added(ys)
	waitHead(t, b.st, y.logKey(), 13)
	if h := heads(t, b.st)[x.logKey()]; h.Seq != 4 {
		t.Fatalf("b holds x up to seq %d, want 4 (seq 5 refused, nothing after it)", h.Seq)
	}
	if len(a.misbeh) != 0 || len(b.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: a %v, b %v", a.misbeh, b.misbeh)
	}
	if n := len(a.eng.Sessions()); n != 1 {
		t.Fatalf("a has %d sessions, want the one still open", n)
	}
	// The scope admits it now: a scope change wants the log again in the
	// same session, from the refused entry on, live pushes included.
	b.scope.mu.Lock()
	b.scope.admit = nil
	b.scope.mu.Unlock()
	b.eng.ScopeChanged()
	waitHead(t, b.st, x.logKey(), 13)
	last := x.add(t, 2)
	ingest(t, a.st, last)
	a.eng.Added(last)
	waitHead(t, b.st, x.logKey(), 15)
	if len(a.misbeh) != 0 || len(b.misbeh) != 0 {
		t.Fatalf("misbehaviour reported after the log was wanted again: a %v, b %v", a.misbeh, b.misbeh)
	}
}

// TestAdmitterRefusesAgain: a scope change while the scope still refuses
// the entry wants the log again and refuses it again, nothing stored.
func TestAdmitterRefusesAgain(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	x, y := newChain(t, 1, 1), newChain(t, 2, 1)
	ingest(t, a.st, x.add(t, 6))
	ingest(t, a.st, y.add(t, 1))
	var asked int
	b.scope.admit = func(e *entry.Entry) bool {
		if e.Header.Author == x.key.Public() && e.Header.Seq == 3 {
			asked++
			return false
		}
		return true
	}
	connect(t, a, b)
	waitLive(t, a, b)
	waitHead(t, b.st, x.logKey(), 2)
	b.eng.ScopeChanged()
	waitFor(t, "b to be sent x's seq 3 again", func() bool {
		b.scope.mu.Lock()
		defer b.scope.mu.Unlock()
		return asked == 2
	})
	// y's next entry, pushed after that, marks that b has read what a
	// sent before it.
	ys := y.add(t, 1)
	ingest(t, a.st, ys)
	a.eng.Added(ys)
	waitHead(t, b.st, y.logKey(), 2)
	b.scope.mu.Lock()
	n := asked
	b.scope.mu.Unlock()
	if h := heads(t, b.st)[x.logKey()]; h.Seq != 2 || n != 2 {
		t.Fatalf("b holds x up to %d and was asked %d times about seq 3; want 2 and 2", h.Seq, n)
	}
	if len(a.misbeh) != 0 || len(b.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: a %v, b %v", a.misbeh, b.misbeh)
	}
}
