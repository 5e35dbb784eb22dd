package village

import (
	"crypto/sha256"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// key returns a fixed key made from seed byte n.
func key(t testing.TB, n byte) identity.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte{'k', n})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writer appends signed entries to one author's village log.
type writer struct {
	key  identity.PrivateKey
	log  entry.LogID
	seq  uint64
	prev entry.ID
}

// world is a village under construction in a test.
type world struct {
	t       testing.TB
	village entry.ID
	found   *entry.Entry
	ws      map[identity.PublicKey]*writer
	all     []*entry.Entry
	ts      uint64
	lists   map[[32]byte][]byte // seen lists of the states posted (audit_test.go)
}

func (w *world) writer(k identity.PrivateKey) *writer {
	pub := k.Public()
	if w.ws[pub] == nil {
		w.ws[pub] = &writer{key: k, log: entry.LogID(w.village)}
	}
	return w.ws[pub]
}

// post signs p by k at the next timestamp.
func (w *world) post(k identity.PrivateKey, p Payload) *entry.Entry {
	w.ts++
	return w.postAt(k, p, w.ts)
}

func (w *world) postAt(k identity.PrivateKey, p Payload, ts uint64) *entry.Entry {
	w.t.Helper()
	wr := w.writer(k)
	e, err := entry.Sign(k, entry.Draft{LogID: wr.log, Seq: wr.seq + 1, Backlink: wr.prev, Timestamp: ts, Payload: MustEncode(p)})
	if err != nil {
		w.t.Fatal(err)
	}
	wr.seq, wr.prev = wr.seq+1, e.ID
	w.all = append(w.all, e)
	return e
}

// newWorld founds a village by founders[0] naming all founders; nobody
// has accepted yet.
func newWorld(t testing.TB, admit, exclude Method, founders ...identity.PrivateKey) *world {
	t.Helper()
	var keys []identity.PublicKey
	for _, f := range founders {
		keys = append(keys, f.Public())
	}
	sortKeys(keys)
	p := &Found{Name: "test village", Admit: admit, Exclude: exclude, Founders: keys}
	e, err := entry.Sign(founders[0], entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: MustEncode(p)})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, village: e.ID, found: e, ws: map[identity.PublicKey]*writer{}, all: []*entry.Entry{e}, ts: 1}
}

// founded founds and has every other founder accept.
func founded(t testing.TB, admit, exclude Method, founders ...identity.PrivateKey) *world {
	w := newWorld(t, admit, exclude, founders...)
	for _, f := range founders[1:] {
		w.post(f, &Accept{Village: w.village})
	}
	return w
}

func (w *world) reduce() *State {
	w.t.Helper()
	s, err := Reduce(w.village, w.all)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

func sortKeys(ks []identity.PublicKey) {
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if keyCmp(ks[j], ks[i]) < 0 {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
}

func stranger(n byte) StrangerID {
	var s StrangerID
	s[0], s[1], s[32], s[33] = n, 1, n, 2
	return s
}

func proof(n byte) [32]byte { return sha256.Sum256([]byte{'p', n}) }
