package village

import (
	"cmp"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
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

// accountKey returns the account key of the test device k: each test
// device belongs to an account of its own, made from the device's key.
func accountKey(k identity.PrivateKey) identity.PrivateKey {
	pub := k.Public()
	seed := sha256.Sum256(append([]byte("account of "), pub[:]...))
	a, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		panic(err)
	}
	return a
}

// accOf returns the account (public key) the test device k speaks for.
func accOf(k identity.PrivateKey) identity.PublicKey { return accountKey(k).Public() }

// certOf returns the device certificate by which k's account admits k.
func certOf(t testing.TB, k identity.PrivateKey) *entry.Entry {
	t.Helper()
	e, err := content.NewDeviceCert(accountKey(k), k, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// writer appends signed entries to one author's village log.
type writer struct {
	key  identity.PrivateKey
	log  entry.LogID
	seq  uint64
	prev entry.ID
	last int // position in world.all of its latest entry
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
	certs   map[identity.PublicKey]*entry.Entry
}

// certify adds the certificate of device k to the world's entries, once.
func (w *world) certify(k identity.PrivateKey) {
	if w.certs == nil {
		w.certs = map[identity.PublicKey]*entry.Entry{}
	}
	if w.certs[k.Public()] != nil {
		return
	}
	c := certOf(w.t, k)
	w.certs[k.Public()] = c
	w.all = append(w.all, c)
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

// postAt signs p by k stamped ts, having seen everything posted so far:
// it references the head of every other village log of the world (as a
// node does that holds them all).
func (w *world) postAt(k identity.PrivateKey, p Payload, ts uint64) *entry.Entry {
	w.t.Helper()
	// The heads of the other logs, most recently written first, at most
	// MaxRefs of them (as NextRefs caps a node's references).
	var heads []*writer
	for pub, o := range w.ws {
		if pub != k.Public() && o.seq > 0 {
			heads = append(heads, o)
		}
	}
	slices.SortFunc(heads, func(x, y *writer) int { return cmp.Compare(y.last, x.last) })
	var refs []entry.ID
	for _, o := range heads[:min(len(heads), MaxRefs)] {
		refs = append(refs, o.prev)
	}
	return w.postSeeing(k, p, ts, refs...)
}

// postSeeing signs p by k stamped ts, referencing exactly refs (the author
// has seen only those, besides its own log).
func (w *world) postSeeing(k identity.PrivateKey, p Payload, ts uint64, refs ...entry.ID) *entry.Entry {
	w.t.Helper()
	if r, ok := p.(*Request); ok && r.Cert.Header == nil {
		if c := w.certs[k.Public()]; c != nil {
			r.Cert = CertOf(c)
		} else {
			r.Cert = CertOf(certOf(w.t, k))
		}
	}
	if _, ok := p.(*Found); !ok {
		if err := SetRefs(p, refs); err != nil {
			w.t.Fatal(err)
		}
	}
	w.certify(k)
	wr := w.writer(k)
	e, err := entry.Sign(k, entry.Draft{LogID: wr.log, Seq: wr.seq + 1, Backlink: wr.prev, Timestamp: ts, Payload: MustEncode(p)})
	if err != nil {
		w.t.Fatal(err)
	}
	wr.seq, wr.prev, wr.last = wr.seq+1, e.ID, len(w.all)
	w.all = append(w.all, e)
	return e
}

// newWorld founds a village by founders[0] naming all founders; nobody
// has accepted yet.
func newWorld(t testing.TB, admit, exclude Method, founders ...identity.PrivateKey) *world {
	t.Helper()
	return newWorldFound(t, &Found{Name: "test village", Admit: admit, Exclude: exclude}, founders...)
}

// newWorldFound founds the village p (its founders filled in) by
// founders[0]; nobody has accepted yet.
func newWorldFound(t testing.TB, p *Found, founders ...identity.PrivateKey) *world {
	t.Helper()
	var keys []identity.PublicKey
	for _, f := range founders {
		keys = append(keys, accOf(f))
	}
	sortKeys(keys)
	p.Founders = keys
	e, err := entry.Sign(founders[0], entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: MustEncode(p)})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, village: e.ID, found: e, ws: map[identity.PublicKey]*writer{}, all: []*entry.Entry{e}, ts: 1}
	w.certify(founders[0])
	return w
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

// fixedCert is a valid device certificate for payloads built in tests.
func fixedCert() Cert {
	dseed := sha256.Sum256([]byte("fixed test device"))
	dev, err := identity.KeyFromSeed(dseed[:])
	if err != nil {
		panic(err)
	}
	e, err := content.NewDeviceCert(accountKey(dev), dev, "", 1)
	if err != nil {
		panic(err)
	}
	return CertOf(e)
}

func proof(n byte) [32]byte { return sha256.Sum256([]byte{'p', n}) }
