package festival

import (
	"crypto/sha256"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func key(t testing.TB, n int) identity.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte{'f', byte(n), byte(n >> 8), byte(n >> 16)})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// log appends signed entries to one author's log.
type log struct {
	key  identity.PrivateKey
	seq  uint64
	prev entry.ID
}

func (l *log) add(t testing.TB, p Payload) *entry.Entry {
	t.Helper()
	b, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return l.addRaw(t, b)
}

// addRaw appends an entry with the payload bytes b, whatever they hold.
func (l *log) addRaw(t testing.TB, b []byte) *entry.Entry {
	t.Helper()
	l.seq++
	pub := l.key.Public()
	// Timestamps run backwards: they must not matter.
	e, err := entry.Sign(l.key, entry.Draft{LogID: entry.LogID(sha256.Sum256(pub[:])), Seq: l.seq, Backlink: l.prev, Timestamp: 1_000_000 - l.seq, Payload: b})
	if err != nil {
		t.Fatal(err)
	}
	l.prev = e.ID
	return e
}

// world is a set of authors writing festival entries: logs[i] belongs to
// key i.
type world struct {
	t    testing.TB
	logs []*log
	all  []*entry.Entry
}

func newWorld(t testing.TB, n int) *world {
	w := &world{t: t}
	for i := range n {
		w.logs = append(w.logs, &log{key: key(t, i)})
	}
	return w
}

func (w *world) add(who int, p Payload) *entry.Entry {
	w.t.Helper()
	e := w.logs[who].add(w.t, p)
	w.all = append(w.all, e)
	return e
}

func (w *world) reduce() *State { return Reduce(Input{Entries: w.all}) }

// Stated times: 2026-07-04 00:00 UTC and hours after it.
const day0 = 1783123200

func hours(a, b float64) Window {
	return Window{day0 + uint64(a*3600), day0 + uint64(b*3600)}
}

func (w *world) festival(who int, name string, parent entry.ID) entry.ID {
	w.t.Helper()
	return w.add(who, &Create{Name: name, Parent: parent}).ID
}

func (w *world) resource(who int, f entry.ID, name, policy string, params []uint64, windows ...Window) entry.ID {
	w.t.Helper()
	return w.add(who, &Resource{Festival: f, Kind: "stage", Name: name, Policy: policy, Params: params, Windows: windows}).ID
}

func (w *world) event(who int, f entry.ID, name string, span Window, needs ...entry.ID) entry.ID {
	w.t.Helper()
	sortIDs(needs)
	return w.add(who, &Event{Festival: f, Name: name, Span: span, Needs: needs}).ID
}

func (w *world) request(who int, f, ev, res entry.ID, win Window, refs ...entry.ID) entry.ID {
	w.t.Helper()
	sortIDs(refs)
	if len(refs) == 0 {
		refs = nil
	}
	return w.add(who, &Request{Festival: f, Event: ev, Resource: res, Window: win, Causal: Causal{Refs: refs}}).ID
}

func (w *world) authorize(who int, f, req, res entry.ID, decision, policy string) entry.ID {
	w.t.Helper()
	return w.add(who, &Authorize{Festival: f, Request: req, Resource: res, Decision: decision, Policy: policy}).ID
}

func (w *world) withdraw(who int, f, target entry.ID, refs ...entry.ID) entry.ID {
	w.t.Helper()
	sortIDs(refs)
	if len(refs) == 0 {
		refs = nil
	}
	return w.add(who, &Withdraw{Festival: f, Target: target, Causal: Causal{Refs: refs}}).ID
}

// raw encodes p without Check (to build invalid payloads), with the
// extra pairs given.
func raw(p Payload, extra ...any) []byte {
	m := fields(p)
	for i := 0; i+1 < len(extra); i += 2 {
		m.add(extra[i].(string), extra[i+1].([]byte))
	}
	return m.bytes()
}
