package replicate

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// withholdingScope is a testScope that withholds every log of some authors
// from everyone, and the logs of some log ids from everyone but their
// author, and names them (Withholder).
type withholdingScope struct {
	*testScope
	mu      sync.Mutex // guards the maps, changed while sessions run
	authors map[identity.PublicKey]bool
	logIDs  map[entry.LogID]bool
	blocked map[identity.PublicKey]bool // peers given nothing
	mirror  map[identity.PublicKey]bool // peers it cannot name the withheld logs of
	asked   atomic.Int64                // calls of Withheld
}

func newWithholding() *withholdingScope {
	return &withholdingScope{testScope: &testScope{}, authors: map[identity.PublicKey]bool{}, logIDs: map[entry.LogID]bool{},
		blocked: map[identity.PublicKey]bool{}, mirror: map[identity.PublicKey]bool{}}
}

func (w *withholdingScope) Offers(peer identity.PublicKey, l store.LogKey) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.blocked[peer] && !w.authors[l.Author] && !(w.logIDs[l.LogID] && peer != l.Author) && w.testScope.Offers(peer, l)
}

func (w *withholdingScope) Withheld(peer identity.PublicKey) (sel store.Selection, none, ok bool) {
	w.asked.Add(1)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.blocked[peer] {
		return sel, true, true
	}
	if w.mirror[peer] || w.testScope.offers != nil {
		return sel, false, false
	}
	for a := range w.authors {
		sel.Authors = append(sel.Authors, a)
	}
	for id := range w.logIDs {
		sel.LogIDs = append(sel.LogIDs, id)
	}
	return sel, false, true
}

// TestLazyStartEqualsOfferSet writes at random (new logs, next entries,
// forks, DropLog) to a memory and a SQLite store whose scope withholds
// some authors and log ids, and checks after every step, for a peer given
// most logs, for the author of a withheld log id and for a blocked peer,
// that the count and fingerprint a session starts with, from the store's
// digest and the withheld heads alone, are those of the offer set built
// from every head, and that the logs it counts withheld are exactly those
// held and not offered.
func TestLazyStartEqualsOfferSet(t *testing.T) {
	ctx := context.Background()
	sq, err := sqlite.Open(filepath.Join(t.TempDir(), "kith.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sq.Close() })
	for _, st := range []interface {
		store.Store
		store.LogDropper
	}{mem.New(), sq} {
		n := newNode(t, 1, Limits{})
		ws := newWithholding()
		n.st, n.eng.cfg.Store, n.eng.cfg.Scope = st, st, ws
		rng := rand.New(rand.NewPCG(7, 18))
		var chains []*chain
		for a := range 12 {
			for lb := range 3 {
				chains = append(chains, newChain(t, 100+a, byte(lb)))
			}
		}
		ws.authors[chains[3].key.Public()] = true // author 1: every log withheld
		ws.logIDs[entry.LogID{2}] = true          // log id 2: to its author only
		peers := []identity.PublicKey{testKey(t, 5).Public(), chains[2].key.Public(), testKey(t, 6).Public()}
		ws.blocked[peers[2]] = true
		forked := map[*chain]bool{}
		lazyRuns := 0
		for step := range 150 {
			c := chains[rng.IntN(len(chains))]
			switch op := rng.IntN(10); {
			case op < 7 && !forked[c]:
				ingest(t, st, c.add(t, 1+rng.IntN(2)))
			case op < 8 && len(c.es) > 1 && !forked[c]:
				if r, err := st.Append(ctx, c.fork(t, uint64(1+rng.IntN(len(c.es)-1)))); err != nil || r.Outcome != store.Forked {
					t.Fatalf("step %d: fork: %v, %v", step, r.Outcome, err)
				}
				forked[c] = true
			default:
				if _, _, err := st.DropLog(ctx, c.logKey()); err != nil {
					t.Fatal(err)
				}
				c.es, forked[c] = nil, false
			}
			for pi, p := range peers {
				s := newSession(n.eng, p, nil, false)
				ls, ok, err := s.lazyStart(ctx)
				if err != nil {
					t.Fatal(err)
				}
				set, err := s.offerSet(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if pi == 2 {
					if !ok || !ls.none || set.Len() != 0 {
						t.Fatalf("step %d: blocked peer: lazy %v none %v, offer set of %d; want none and 0", step, ok, ls.none, set.Len())
					}
					continue
				}
				if set.Len() <= ListThreshold {
					if ok {
						t.Fatalf("step %d, peer %d: lazy start of a set of %d items, which its first message lists", step, pi, set.Len())
					}
					continue
				}
				if !ok {
					t.Fatalf("step %d, peer %d: no lazy start for a set of %d items", step, pi, set.Len())
				}
				lazyRuns++
				if ls.count != set.Len() || ls.fp != set.Fingerprint(nil, nil) {
					t.Fatalf("step %d, peer %d: lazy start %d items, fingerprint %x; the offer set %d items, %x", step, pi, ls.count, ls.fp, set.Len(), set.Fingerprint(nil, nil))
				}
				all, err := st.Heads(ctx)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				for _, h := range all {
					_, in := set.Lookup(h.Log)
					if in == ls.withheld[h.Log] {
						t.Fatalf("step %d, peer %d: log %s in the offer set %v, counted withheld %v", step, pi, h.Log, in, ls.withheld[h.Log])
					}
					if !in {
						want++
					}
				}
				if len(ls.withheld) != want {
					t.Fatalf("step %d, peer %d: %d logs counted withheld, want %d", step, pi, len(ls.withheld), want)
				}
			}
		}
		if lazyRuns < 100 {
			t.Fatalf("%T: only %d lazy starts checked", st, lazyRuns)
		}
		ws.mirror[peers[0]] = true
		if _, ok, _ := newSession(n.eng, peers[0], nil, false).lazyStart(ctx); ok {
			t.Fatal("lazy start for a peer whose withheld logs the scope cannot name")
		}
	}
}

// TestRestartReconnectReadsNoHeads: two nodes in sync, both restarted
// (new engines on the same SQLite stores, so nothing is kept in memory),
// reconcile without reading a head (Heads) on either side, in the same
// bytes as before; then a write on one side makes the next session build
// its offer set, and the entry is sent.
func TestRestartReconnectReadsNoHeads(t *testing.T) {
	dir := t.TempDir()
	open := func(name string) *countingSQLite {
		s, err := sqlite.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return &countingSQLite{Store: s}
	}
	cx, cy := open("x.db"), open("y.db")
	var chains []*chain
	for i := range 40 {
		c := newChain(t, 20+i, byte(i))
		es := c.add(t, 2)
		ingest(t, cx, es)
		ingest(t, cy, es)
		chains = append(chains, c)
	}
	withheld := newChain(t, 90, 1) // on x only, withheld from y
	ingest(t, cx, withheld.add(t, 1))
	restart := func(keyN int, st *countingSQLite) *node {
		n := newNode(t, keyN, Limits{})
		ws := newWithholding()
		ws.authors[withheld.key.Public()] = true
		n.st, n.eng.cfg.Store, n.eng.cfg.Scope = st, st, ws
		return n
	}
	x, y := restart(1, cx), restart(2, cy)
	l := connect(t, x, y)
	waitLive(t, x, y)
	sx, sy := settled(t, x, y)
	l.stop(t)
	if hx, hy := cx.heads.Load(), cy.heads.Load(); hx != 0 || hy != 0 {
		t.Fatalf("reconnect after a restart: Heads read %d / %d times, want 0 / 0", hx, hy)
	}
	if sx.BytesOut != 61 || sy.BytesOut != 41 {
		t.Fatalf("reconnect bytes out %d / %d, want 61 / 41", sx.BytesOut, sy.BytesOut)
	}
	if _, err := cy.Head(context.Background(), withheld.logKey()); err == nil {
		t.Fatal("y holds the log x withholds")
	}

	// One more entry on x: the fingerprints differ, both build their sets.
	x, y = restart(1, cx), restart(2, cy)
	ingest(t, cx, chains[7].add(t, 1))
	l = connect(t, x, y)
	waitLive(t, x, y)
	waitHead(t, cy, chains[7].logKey(), 3)
	l.stop(t)
	if hx, hy := cx.heads.Load(), cy.heads.Load(); hx != 1 || hy != 1 {
		t.Fatalf("reconnect after a write: Heads read %d / %d times, want 1 / 1", hx, hy)
	}
	if _, err := cy.Head(context.Background(), withheld.logKey()); err == nil {
		t.Fatal("y holds the log x withholds")
	}
}

// countingSQLite counts the calls of Heads of a SQLite store.
type countingSQLite struct {
	*sqlite.Store
	heads atomic.Int64
}

func (c *countingSQLite) Heads(ctx context.Context) ([]store.Head, error) {
	c.heads.Add(1)
	return c.Store.Heads(ctx)
}

// TestLazyReconcilerBuildsOnlyWhenNeeded: a lazy Reconciler answers the
// whole set's own fingerprint with nothing and without building the set,
// and answers any other message exactly as a Reconciler of the built set.
func TestLazyReconcilerBuildsOnlyWhenNeeded(t *testing.T) {
	es := manyLogs(t, 200)
	items := make([]Item, len(es))
	for i, e := range es {
		items[i] = Item{Log: logKeyOf(e), Seq: e.Header.Seq, Head: e.ID}
	}
	mine, err := NewItemSet(items)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := NewItemSet(items[:150])
	if err != nil {
		t.Fatal(err)
	}
	builds := 0
	lazy := func() *Reconciler {
		return newLazyReconciler(mine.Len(), mine.Fingerprint(nil, nil), func() (*ItemSet, error) {
			builds++
			return mine, nil
		})
	}
	r := lazy()
	if got := r.Start(); len(got) != 1 || got[0].Mode != ModeFingerprint || got[0].Fingerprint != mine.Fingerprint(nil, nil) || got[0].Upper != nil {
		t.Fatalf("lazy Start = %+v, want the one fingerprint of the whole set", got)
	}
	round := r.Respond(NewReconciler(mine, 0).Start())
	if !round.Send || len(round.Reply) != 0 || !round.Done || builds != 0 {
		t.Fatalf("in sync: send %v, reply %+v, done %v, %d builds; want an empty answer, done, no build", round.Send, round.Reply, round.Done, builds)
	}
	if round := r.Respond(nil); round.Send || !round.Done || builds != 0 {
		t.Fatalf("an empty answer: send %v, done %v, %d builds; want nothing sent, done, no build", round.Send, round.Done, builds)
	}
	// Differing: the answers of a lazy and an eager Reconciler are the
	// same, round after round.
	peer := NewReconciler(theirs, 0)
	l, e := lazy(), NewReconciler(mine, 0)
	in := peer.Start()
	for rounds := 0; ; rounds++ {
		rl, re := l.Respond(in), e.Respond(in)
		if !sameRound(rl, re) {
			t.Fatalf("round %d: lazy %+v, eager %+v", rounds, rl, re)
		}
		if !rl.Send || rounds > 20 {
			break
		}
		back := peer.Respond(rl.Reply)
		if !back.Send {
			break
		}
		in = back.Reply
	}
	if builds != 1 {
		t.Fatalf("differing sets: %d builds, want 1", builds)
	}
}

func sameRound(a, b Round) bool {
	if a.Send != b.Send || a.Done != b.Done || len(a.Reply) != len(b.Reply) || len(a.Learned) != len(b.Learned) {
		return false
	}
	for i := range a.Reply {
		x, y := a.Reply[i], b.Reply[i]
		if string(x.Upper) != string(y.Upper) || (x.Upper == nil) != (y.Upper == nil) || x.Mode != y.Mode || x.Fingerprint != y.Fingerprint || len(x.Items) != len(y.Items) {
			return false
		}
		for j := range x.Items {
			if x.Items[j] != y.Items[j] {
				return false
			}
		}
	}
	for i := range a.Learned {
		if a.Learned[i] != b.Learned[i] {
			return false
		}
	}
	return true
}

// TestLazyScopeChangeOffersWithheld: in a session that started from the
// digest (no offer set built), a scope change that stops withholding
// logs announces them (HAVE), both a log withheld at the start and one
// whose entries came during the session while it was withheld, and the
// peer fetches them; a log in sync is not announced.
func TestLazyScopeChangeOffersWithheld(t *testing.T) {
	x, y := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	ws := newWithholding()
	x.eng.cfg.Scope = ws
	for i := range 30 {
		es := newChain(t, 20+i, byte(i)).add(t, 1)
		ingest(t, x.st, es)
		ingest(t, y.st, es)
	}
	early, late := newChain(t, 90, 1), newChain(t, 91, 1)
	ws.mu.Lock()
	ws.authors[early.key.Public()] = true
	ws.authors[late.key.Public()] = true
	ws.mu.Unlock()
	ingest(t, x.st, early.add(t, 2))
	l := connect(t, x, y)
	waitLive(t, x, y)
	x.eng.mu.Lock()
	var xs *session
	for _, s := range x.eng.sessions {
		xs = s
	}
	x.eng.mu.Unlock()
	xs.send.mu.Lock()
	lazy, snap := xs.send.lazy, xs.send.snapshot
	xs.send.mu.Unlock()
	if !lazy || snap != nil {
		t.Fatalf("x's session: lazy %v, offer set built %v; want lazy, not built", lazy, snap != nil)
	}
	es := late.add(t, 1)
	ingest(t, x.st, es)
	x.eng.Added(es) // as the node hands its own writes to the engine
	ws.mu.Lock()
	clear(ws.authors)
	ws.mu.Unlock()
	x.eng.ScopeChanged()
	waitHead(t, y.st, early.logKey(), 2)
	waitHead(t, y.st, late.logKey(), 1)
	l.stop(t)
}

// TestOfferBaseDroppedAfterWrite: the set of every head kept between
// sessions is let go once a write makes it stale, not kept until the next
// session.
func TestOfferBaseDroppedAfterWrite(t *testing.T) {
	ctx := context.Background()
	n := newNode(t, 1, Limits{})
	c := newChain(t, 11, 1)
	ingest(t, n.st, c.add(t, 2))
	if _, err := newSession(n.eng, testKey(t, 2).Public(), nil, false).offerSet(ctx); err != nil {
		t.Fatal(err)
	}
	if n.eng.base.set == nil {
		t.Fatal("no set kept after a session built it")
	}
	n.eng.Added(nil) // nothing written: kept
	if n.eng.base.set == nil {
		t.Fatal("the set was dropped without a write")
	}
	es := c.add(t, 1)
	ingest(t, n.st, es)
	n.eng.Added(es)
	if n.eng.base.set != nil {
		t.Fatal("the stale set is still kept after a write")
	}
}
