package replicate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
)

// wantFloodMessage is one WANT of the want flood (internal/netnode/hostile):
// every held log again from seq 1, filled up to 1,024 logs with random
// logs that no store holds.
func wantFloodMessage(t testing.TB, held []store.LogKey) *Want {
	t.Helper()
	ws := make([]WantLog, 0, MaxLogsPerMessage)
	for _, l := range held {
		ws = append(ws, WantLog{Log: l, From: 1})
	}
	for _, it := range randomItems(t, MaxLogsPerMessage-len(held)) {
		ws = append(ws, WantLog{Log: it.Log, From: 1})
	}
	return &Want{Logs: ws}
}

// handled makes sure the engine's loop handled every message the fake
// sent before: it sends a HAVE of a log the engine wants and waits for the
// engine's WANT of it (the loop takes messages in order).
func handled(t testing.TB, f *fakePeer) {
	t.Helper()
	marker := randomItems(t, 1)[0]
	f.send(&Have{Heads: []Item{marker}})
	for {
		m, _ := f.next(KindWant)
		if ws := m.(*Want).Logs; len(ws) == 1 && ws[0].Log == marker.Log {
			return
		}
	}
}

// sessionWith returns the state of the engine's session with peer.
func sessionWith(t testing.TB, n *node, peer identity.PublicKey) SessionState {
	t.Helper()
	for _, s := range n.eng.Sessions() {
		if s.Peer == peer {
			return s
		}
	}
	t.Fatalf("no session with %s", peer.Device())
	return SessionState{}
}

// heldLogs gives n logs of 3 entries each to the node's store.
func heldLogs(t testing.TB, n *node, logs int) ([]store.LogKey, []*chain) {
	t.Helper()
	var keys []store.LogKey
	var cs []*chain
	for i := range logs {
		c := newChain(t, 100+i, 1)
		ingest(t, n.st, c.add(t, 3))
		keys = append(keys, c.logKey())
		cs = append(cs, c)
	}
	return keys, cs
}

// TestWantFloodUnheldLogs is the want flood of issue 11: WANTs of 1,024
// logs, every held log again from seq 1 and the rest logs the node does
// not hold. Only the held logs are served (before: every log named became
// a served log, 1,024 after the first message, up to 100,000 a session);
// the others and the restarts are wants of no use, and the peer is closed
// with code 3 once it sent more than MaxUselessWants of them. A log stored
// after the session started is served when wanted.
func TestWantFloodUnheldLogs(t *testing.T) {
	const logs, maxUseless = 20, 5_000
	n := newNode(t, 1, Limits{MaxUselessWants: maxUseless})
	held, _ := heldLogs(t, n, logs)
	f := newFakePeer(t, n, 1, true)
	f.hello()
	f.send(&WantsDone{})
	useless := 0
	for msg := 1; ; msg++ {
		f.send(wantFloodMessage(t, held))
		useless += MaxLogsPerMessage - logs // logs not held
		if msg > 1 {
			useless += logs // restarts
		}
		if useless > maxUseless {
			bye, err := f.bye()
			var pe *ProtocolError
			if bye.Code != CodeLimit || !errors.As(err, &pe) || pe.Code != CodeLimit {
				t.Fatalf("after message %d (%d wants of no use): BYE %+v, Run %v; want code 3", msg, useless, bye, err)
			}
			if msg != 5 {
				t.Fatalf("closed after message %d, want 5", msg)
			}
			break
		}
		handled(t, f)
		s := sessionWith(t, n, f.key)
		if s.LogsServed != logs || s.UselessWants != useless {
			t.Fatalf("after WANT %d: %d logs served and %d wants of no use; want %d and %d", msg, s.LogsServed, s.UselessWants, logs, useless)
		}
		if u := n.eng.Budget().Usage(); u.Serving != logs {
			t.Fatalf("after WANT %d: the budget serves %d logs, want %d", msg, u.Serving, logs)
		}
		if msg == 1 {
			// A log stored after the session started is held: served.
			late := newChain(t, 999, 1)
			ingest(t, n.st, late.add(t, 2))
			f.send(&Want{Logs: []WantLog{{Log: late.logKey(), From: 1}}})
			handled(t, f)
			if s := sessionWith(t, n, f.key); s.LogsServed != logs+1 {
				t.Fatalf("a log stored after the session started, wanted: %d logs served, want %d", s.LogsServed, logs+1)
			}
			f.send(&Unwant{Logs: []store.LogKey{late.logKey()}})
		}
	}
	n.mu.Lock()
	misbeh := n.misbeh
	n.mu.Unlock()
	if len(misbeh) != 1 || misbeh[0] != CodeLimit {
		t.Fatalf("misbehaviour reported: %v, want [code 3]", misbeh)
	}
	waitNoSessions(t, n)
	if u := n.eng.Budget().Usage(); u.Serving != 0 || u.ServingPeak != logs+1 {
		t.Fatalf("budget after the session: %+v; want 0 served, peak %d", u, logs+1)
	}
}

// TestServeBudgetNodeWide: the logs all sessions serve at once share the
// node's budget. A first peer wanting 30 held logs gets all 30, a second
// only the 20 left of a budget of 50 (before: 30 each) and CAUGHT_UP after
// those 20 logs' entries; the first peer's UNWANT gives room back, and the
// sessions' end gives everything back. Not misbehaviour.
func TestServeBudgetNodeWide(t *testing.T) {
	const logs, budget = 30, 50
	n := newNode(t, 1, Limits{})
	n.eng.budget = NewBudget(budget)
	held, _ := heldLogs(t, n, logs)
	want := &Want{}
	for _, l := range held {
		want.Logs = append(want.Logs, WantLog{Log: l, From: 1})
	}
	var fakes []*fakePeer
	for i, served := range []int{logs, budget - logs} {
		f := newFakePeer(t, n, 1+i, true)
		fakes = append(fakes, f)
		f.hello()
		f.send(want, &WantsDone{})
		_, before := f.next(KindCaughtUp)
		got := map[store.LogKey]int{}
		for _, m := range before {
			if es, ok := m.(*Entries); ok {
				for _, e := range es.Entries {
					got[store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}]++
				}
			}
		}
		if len(got) != served {
			t.Fatalf("peer %d: entries of %d logs before CAUGHT_UP, want %d", i+1, len(got), served)
		}
		for l, k := range got {
			if k != 3 {
				t.Fatalf("peer %d: %d entries of log %s, want 3", i+1, k, l)
			}
		}
		if s := sessionWith(t, n, f.key); s.LogsServed != served || s.UselessWants != 0 {
			t.Fatalf("peer %d: %d logs served, %d wants of no use; want %d and 0", i+1, s.LogsServed, s.UselessWants, served)
		}
	}
	if u := n.eng.Budget().Usage(); u.Serving != budget {
		t.Fatalf("the budget serves %d logs, want %d", u.Serving, budget)
	}
	fakes[0].send(&Unwant{Logs: held[:10]})
	handled(t, fakes[0])
	if u := n.eng.Budget().Usage(); u.Serving != budget-10 {
		t.Fatalf("after an UNWANT of 10 logs the budget serves %d logs, want %d", u.Serving, budget-10)
	}
	for _, f := range fakes {
		f.conn.Close()
	}
	waitNoSessions(t, n)
	if u := n.eng.Budget().Usage(); u.Serving != 0 || u.ServingPeak != budget {
		t.Fatalf("budget after the sessions: %+v; want 0 served, peak %d", u, budget)
	}
	if len(n.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: %v, want none", n.misbeh)
	}
}

// TestWantNoLongerOffered: a log that was in the offer set as reconciled
// and is no longer offered (an account blocked meanwhile) is ignored when
// wanted, but it is no want of no use: the peer learned of it from this
// node. A log never offered is.
func TestWantNoLongerOffered(t *testing.T) {
	n := newNode(t, 1, Limits{})
	held, _ := heldLogs(t, n, 3)
	f := newFakePeer(t, n, 1, true)
	f.hello()
	handled(t, f) // the session runs, its offer set taken
	n.scope.setOffers(held[1:]...)
	n.eng.ScopeChanged()
	never := randomItems(t, 1)[0].Log
	n.scope.mu.Lock()
	n.scope.offers[never] = true // offered, not held
	n.scope.mu.Unlock()
	want := &Want{}
	for _, l := range append(held, never) {
		want.Logs = append(want.Logs, WantLog{Log: l, From: 1})
	}
	f.send(want)
	handled(t, f)
	if s := sessionWith(t, n, f.key); s.LogsServed != 2 || s.UselessWants != 1 {
		t.Fatalf("%d logs served and %d wants of no use; want 2 and 1", s.LogsServed, s.UselessWants)
	}
}

// blockingHeads is a store whose Head waits until release is closed, once
// block is closed: the session loop, asking it about a log, stops there.
type blockingHeads struct {
	store.Store
	block, release chan struct{}
}

func (b *blockingHeads) Head(ctx context.Context, l store.LogKey) (store.Head, error) {
	select {
	case <-b.block:
		select {
		case <-b.release:
		case <-ctx.Done():
			return store.Head{}, ctx.Err()
		}
	default:
	}
	return b.Store.Head(ctx, l)
}

// TestInboxBounded: while the session loop is busy, the reader decodes at
// most 8 messages ahead of it (and holds one more): a peer that sends
// WANTs of 1,024 logs faster than the node handles them makes it hold 74
// KB each decoded (before: 64 messages, 4.7 MB a session; 47 MB with 10
// attackers).
func TestInboxBounded(t *testing.T) {
	bs := &blockingHeads{Store: mem.New(), block: make(chan struct{}), release: make(chan struct{})}
	defer close(bs.release)
	n := &node{key: testKey(t, 1001), st: bs, scope: &testScope{}}
	n.eng = NewEngine(Config{Store: bs, Scope: n.scope, Self: n.key.Public()})
	f := newFakePeer(t, n, 1, true)
	f.hello()
	handled(t, f)
	close(bs.block)
	frame := AppendFrame(nil, wantFloodMessage(t, nil))
	before := sessionWith(t, n, f.key).BytesIn
	// Write until the engine stops reading: the loop waits in Head, the
	// inbox is full, the reader holds the next message.
	for sent := 0; ; sent++ {
		f.conn.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := f.conn.Write(frame); err != nil {
			if sent > 100 {
				t.Fatalf("the engine read %d WANTs of %d bytes while its loop was stopped", sent, len(frame))
			}
			break
		}
	}
	const depth = 8
	want := int64(depth+2) * int64(len(frame))
	if _, err := n.eng.WaitFor(waitCtx(t), func(ss []SessionState) bool { return len(ss) == 1 && ss[0].BytesIn-before >= want }); err != nil {
		t.Fatalf("the engine decoded %d bytes, want %d: %v", sessionWith(t, n, f.key).BytesIn-before, want, err)
	}
	if got := sessionWith(t, n, f.key).BytesIn - before; got != want {
		t.Fatalf("the engine decoded %d bytes (%.1f WANTs) while its loop was stopped; want %d (the loop's, %d in the inbox, the reader's)",
			got, float64(got)/float64(len(frame)), want, depth)
	}
}
