package space

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// dev returns the fixed device key of test person n ('A' for Alice …).
func dev(t testing.TB, n byte) identity.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte{'s', 'd', n})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// accKey returns the account key of test person n.
func accKey(t testing.TB, n byte) identity.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte{'s', 'a', n})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// acc returns the account (public key) of test person n.
func acc(t testing.TB, n byte) identity.PublicKey { return accKey(t, n).Public() }

type writer struct {
	seq  uint64
	prev entry.ID
}

// world is a space under construction: its entries, the certificates of
// its authors' devices, and one membership log per device.
type world struct {
	t      testing.TB
	space  entry.ID
	all    []*entry.Entry
	ws     map[identity.PublicKey]*writer
	certs  map[identity.PublicKey]*entry.Entry
	ts     uint64
	byName map[identity.PublicKey]byte
	// stamp, when set, gives the timestamp of each entry written (else
	// 2, 3, 4, …): tests of clocks that lie.
	stamp func(n byte) uint64
}

// newSpace creates a space by creator's device naming founders (person,
// role).
func newSpace(t testing.TB, creator byte, founders map[byte]Role) *world {
	t.Helper()
	w := &world{t: t, ws: map[identity.PublicKey]*writer{}, certs: map[identity.PublicKey]*entry.Entry{}, byName: map[identity.PublicKey]byte{}, stamp: stamped}
	c := &Create{Name: "test space"}
	for n, r := range founders {
		c.Members = append(c.Members, Founder{Account: acc(t, n), Role: r})
		w.byName[acc(t, n)] = n
	}
	slices.SortFunc(c.Members, func(a, b Founder) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	w.certify(creator)
	e, err := entry.Sign(dev(t, creator), entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: MustEncode(c)})
	if err != nil {
		t.Fatal(err)
	}
	w.space = e.ID
	w.all = append(w.all, e)
	w.ts = 1
	return w
}

// certify adds the certificate of person n's device, once.
func (w *world) certify(n byte) {
	d := dev(w.t, n).Public()
	if w.certs[d] != nil {
		return
	}
	c, err := content.NewDeviceCert(accKey(w.t, n), dev(w.t, n), "", 1)
	if err != nil {
		w.t.Fatal(err)
	}
	w.certs[d] = c
	w.byName[acc(w.t, n)] = n
	w.all = append(w.all, c)
}

// do signs p by person n's device in its membership log, after its own
// earlier entries and the entries refs (what it had seen).
func (w *world) do(n byte, p Payload, refs ...*entry.Entry) *entry.Entry {
	w.t.Helper()
	var ids []entry.ID
	for _, r := range refs {
		if r.ID != w.space {
			ids = append(ids, r.ID)
		}
	}
	switch p := p.(type) {
	case *Add:
		p.Space, p.Refs = w.space, SortRefs(ids)
	case *Remove:
		p.Space, p.Refs = w.space, SortRefs(ids)
	case *SetRole:
		p.Space, p.Refs = w.space, SortRefs(ids)
	case *Leave:
		p.Space, p.Refs = w.space, SortRefs(ids)
	}
	w.certify(n)
	k := dev(w.t, n)
	wr := w.ws[k.Public()]
	if wr == nil {
		wr = &writer{}
		w.ws[k.Public()] = wr
	}
	w.ts++
	ts := w.ts
	if w.stamp != nil {
		ts = w.stamp(n)
	}
	e, err := entry.Sign(k, entry.Draft{LogID: entry.LogID(w.space), Seq: wr.seq + 1, Backlink: wr.prev, Timestamp: ts, Payload: MustEncode(p)})
	if err != nil {
		w.t.Fatal(err)
	}
	wr.seq, wr.prev = wr.seq+1, e.ID
	w.all = append(w.all, e)
	return e
}

func (w *world) add(n byte, who byte, r Role, refs ...*entry.Entry) *entry.Entry {
	w.byName[acc(w.t, who)] = who
	return w.do(n, &Add{Account: acc(w.t, who), Role: r}, refs...)
}

func (w *world) remove(n byte, who byte, refs ...*entry.Entry) *entry.Entry {
	return w.do(n, &Remove{Account: acc(w.t, who)}, refs...)
}

func (w *world) role(n byte, who byte, r Role, refs ...*entry.Entry) *entry.Entry {
	return w.do(n, &SetRole{Account: acc(w.t, who), Role: r}, refs...)
}

func (w *world) reduce(es []*entry.Entry) *State {
	w.t.Helper()
	s, err := Reduce(w.space, es)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// members renders a state's members as "A:admin B:member …" by person.
func (w *world) members(m map[identity.PublicKey]Role) string {
	var out []string
	for k, r := range m {
		out = append(out, string(w.byName[k])+":"+r.String())
	}
	slices.Sort(out)
	s := ""
	for i, x := range out {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}
