package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// key returns the deterministic test key number n.
func key(t testing.TB, n int) identity.PrivateKey {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, fmt.Sprintf("storetest key %d", n))
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fresh returns e as a node receives it from the network: parsed from its
// bytes, its signature not yet verified.
func fresh(t testing.TB, e *entry.Entry) *entry.Entry {
	t.Helper()
	f, err := entry.Parse(bytes.Clone(e.Raw), bytes.Clone(e.Payload))
	if err != nil {
		t.Fatalf("parse %s: %v", e.ID, err)
	}
	return f
}

// headerOnly returns e without its payload.
func headerOnly(t testing.TB, e *entry.Entry) *entry.Entry {
	t.Helper()
	f, err := entry.Parse(bytes.Clone(e.Raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// chain writes one log.
type chain struct {
	key identity.PrivateKey
	log entry.LogID
	ts  uint64
	es  []*entry.Entry
}

func newChain(k identity.PrivateKey, log entry.LogID) *chain {
	return &chain{key: k, log: log, ts: 1_700_000_000_000}
}

func (c *chain) author() identity.PublicKey { return c.key.Public() }

func (c *chain) logKey() store.LogKey { return store.LogKey{Author: c.author(), LogID: c.log} }

// next signs, without keeping it, the entry that would follow the chain.
func (c *chain) next(t testing.TB, payload []byte, flags entry.Flags) *entry.Entry {
	t.Helper()
	return c.signAt(t, uint64(len(c.es)+1), payload, flags, c.ts+uint64(len(c.es)+1))
}

// signAt signs an entry at seq (backlink: the chain's entry seq-1, if any).
func (c *chain) signAt(t testing.TB, seq uint64, payload []byte, flags entry.Flags, ts uint64) *entry.Entry {
	t.Helper()
	var back entry.ID
	if seq > 1 && int(seq-1) <= len(c.es) {
		back = c.es[seq-2].ID
	} else if seq > 1 {
		back = entry.ID{0xbb}
	}
	e, err := entry.Sign(c.key, entry.Draft{LogID: c.log, Seq: seq, Backlink: back, Timestamp: ts, Flags: flags, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return fresh(t, e)
}

// add signs the next entry and keeps it.
func (c *chain) add(t testing.TB, payload []byte, flags entry.Flags) *entry.Entry {
	t.Helper()
	e := c.next(t, payload, flags)
	c.es = append(c.es, e)
	return e
}

// posts adds n posts and returns them.
func (c *chain) posts(t testing.TB, n int) []*entry.Entry {
	t.Helper()
	out := make([]*entry.Entry, n)
	for i := range out {
		out[i] = c.add(t, post(t, fmt.Sprintf("post %d", len(c.es)+1)), 0)
	}
	return out
}

func (c *chain) head() store.Head {
	last := c.es[len(c.es)-1]
	return store.Head{Log: c.logKey(), Seq: uint64(len(c.es)), ID: last.ID, Ended: last.Header.Flags&entry.FlagEndOfLog != 0}
}

func encode(t testing.TB, p content.Payload) []byte {
	t.Helper()
	b, err := content.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(t testing.TB, text string) []byte { return encode(t, &content.Post{Text: text}) }

func profile(t testing.TB, name string) []byte { return encode(t, &content.Profile{Name: name}) }

func del(t testing.TB, target entry.ID) []byte { return encode(t, &content.Delete{Target: target}) }

// cborMap encodes a map of text keys to text or small unsigned values in
// RFC 8949 core deterministic encoding (keys sorted by their encoding).
func cborMap(kv map[string]any) []byte {
	type pair struct{ k, v []byte }
	var ps []pair
	for k, v := range kv {
		p := pair{k: cborText(k)}
		switch v := v.(type) {
		case string:
			p.v = cborText(v)
		case int:
			if v < 0 || v > 23 {
				panic("cborMap: small unsigned ints only")
			}
			p.v = []byte{byte(v)}
		default:
			panic(fmt.Sprintf("cborMap: unsupported %T", v))
		}
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return bytes.Compare(ps[i].k, ps[j].k) < 0 })
	out := []byte{0xa0 | byte(len(ps))}
	for _, p := range ps {
		out = append(append(out, p.k...), p.v...)
	}
	return out
}

func cborText(s string) []byte {
	if len(s) > 23 {
		panic("cborText: short strings only")
	}
	return append([]byte{0x60 | byte(len(s))}, s...)
}

// forge returns e with a corrupted signature (and consistent raw bytes and
// id), as a forger would send it.
func forge(t testing.TB, e *entry.Entry) *entry.Entry {
	t.Helper()
	h := e.Header
	h.Signature[1] ^= 0x40
	f, err := entry.Parse(h.AppendSigned(nil), bytes.Clone(e.Payload))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ids(es []*entry.Entry) []entry.ID {
	out := make([]entry.ID, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func storedIDs(ss []*store.Stored) []entry.ID {
	out := make([]entry.ID, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func fmtIDs(ids []entry.ID) string {
	var b strings.Builder
	b.WriteString("[")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(id.Hex()[:8])
	}
	b.WriteString("]")
	return b.String()
}

func equalIDs(t testing.TB, what string, got, want []entry.ID) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d entries %s, want %d %s", what, len(got), fmtIDs(got), len(want), fmtIDs(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: got %s, want %s", what, fmtIDs(got), fmtIDs(want))
		}
	}
}

// h wraps a store with fatal-on-error helpers.
type h struct {
	t   testing.TB
	s   store.Store
	ctx context.Context
}

func (x h) append(e *entry.Entry) store.Result {
	x.t.Helper()
	r, err := x.s.Append(x.ctx, e)
	if err != nil {
		x.t.Fatalf("Append(seq %d): store error: %v", e.Header.Seq, err)
	}
	if r.ID != e.ID {
		x.t.Fatalf("Append: result id %s, want %s", r.ID, e.ID)
	}
	return r
}

// mustAdd appends entries one by one and requires Added for each.
func (x h) mustAdd(es ...*entry.Entry) {
	x.t.Helper()
	for _, e := range es {
		if r := x.append(e); r.Outcome != store.Added {
			x.t.Fatalf("Append(seq %d of %s): %v (%v), want added", e.Header.Seq, store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}, r.Outcome, r.Err)
		}
	}
}

// expect appends e and checks the outcome, and for a rejection that the
// message contains every one of msgs.
func (x h) expect(e *entry.Entry, want store.Outcome, msgs ...string) store.Result {
	x.t.Helper()
	r := x.append(e)
	checkResult(x.t, r, e, want, msgs...)
	return r
}

// expectPayloadRefused appends e and checks that its header was stored
// without its payload, with a payload error mentioning msgs.
func (x h) expectPayloadRefused(e *entry.Entry, msgs ...string) {
	x.t.Helper()
	r := x.append(e)
	if r.Outcome != store.Added || r.Err != nil {
		x.t.Fatalf("seq %d: outcome %v (err %v), want added with the payload refused", e.Header.Seq, r.Outcome, r.Err)
	}
	if r.PayloadErr == nil {
		x.t.Fatalf("seq %d: payload accepted, want it refused", e.Header.Seq)
	}
	for _, m := range msgs {
		if !strings.Contains(r.PayloadErr.Error(), m) {
			x.t.Fatalf("seq %d: payload error %q does not mention %q", e.Header.Seq, r.PayloadErr, m)
		}
	}
	g := x.get(e.ID)
	if g.Payload != nil || g.Type != "" || g.Deleted {
		x.t.Fatalf("seq %d: stored with type %q deleted %v payload %x, want the header alone", e.Header.Seq, g.Type, g.Deleted, g.Payload)
	}
}

func checkResult(t testing.TB, r store.Result, e *entry.Entry, want store.Outcome, msgs ...string) {
	t.Helper()
	if r.ID != e.ID {
		t.Fatalf("result id %s, want %s", r.ID, e.ID)
	}
	if r.Outcome != want {
		t.Fatalf("seq %d: outcome %v (err %v), want %v", e.Header.Seq, r.Outcome, r.Err, want)
	}
	if want != store.Rejected {
		if r.Err != nil {
			t.Fatalf("seq %d: outcome %v with error %v", e.Header.Seq, r.Outcome, r.Err)
		}
		return
	}
	if r.Err == nil {
		t.Fatalf("seq %d: rejected without an error", e.Header.Seq)
	}
	var re *store.RejectError
	if !errors.As(r.Err, &re) {
		t.Fatalf("rejection error is %T, want *store.RejectError", r.Err)
	}
	if re.ID != e.ID || re.Seq != e.Header.Seq || re.Log != (store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}) {
		t.Fatalf("RejectError names %s seq %d of %s, want %s seq %d", re.ID, re.Seq, re.Log, e.ID, e.Header.Seq)
	}
	for _, m := range msgs {
		if !strings.Contains(r.Err.Error(), m) {
			t.Fatalf("rejection %q does not mention %q", r.Err, m)
		}
	}
}

func (x h) ingest(es ...*entry.Entry) []store.Result {
	x.t.Helper()
	rs, err := x.s.Ingest(x.ctx, es)
	if err != nil {
		x.t.Fatalf("Ingest: store error: %v", err)
	}
	if len(rs) != len(es) {
		x.t.Fatalf("Ingest: %d results for %d entries", len(rs), len(es))
	}
	return rs
}

func (x h) heads() []store.Head {
	x.t.Helper()
	hs, err := x.s.Heads(x.ctx)
	if err != nil {
		x.t.Fatalf("Heads: %v", err)
	}
	return hs
}

func (x h) head(k store.LogKey) store.Head {
	x.t.Helper()
	hd, err := x.s.Head(x.ctx, k)
	if err != nil {
		x.t.Fatalf("Head(%s): %v", k, err)
	}
	return hd
}

func (x h) get(id entry.ID) *store.Stored {
	x.t.Helper()
	s, err := x.s.Get(x.ctx, id)
	if err != nil {
		x.t.Fatalf("Get(%s): %v", id, err)
	}
	if s.ID != id {
		x.t.Fatalf("Get(%s) returned %s", id, s.ID)
	}
	return s
}

func (x h) notFound(id entry.ID) {
	x.t.Helper()
	if s, err := x.s.Get(x.ctx, id); !errors.Is(err, store.ErrNotFound) {
		x.t.Fatalf("Get(%s) = %v, %v; want ErrNotFound", id, s, err)
	}
}

func (x h) log(k store.LogKey, from uint64, limit int) []*store.Stored {
	x.t.Helper()
	ss, err := x.s.Log(x.ctx, k, from, limit)
	if err != nil {
		x.t.Fatalf("Log(%s, %d, %d): %v", k, from, limit, err)
	}
	return ss
}

func (x h) find(q store.Query) []*store.Stored {
	x.t.Helper()
	ss, err := x.s.Find(x.ctx, q)
	if err != nil {
		x.t.Fatalf("Find(%+v): %v", q, err)
	}
	for i := 1; i < len(ss); i++ {
		if q.ByTime {
			if c := ss[i].Key().Compare(ss[i-1].Key()); q.Desc && c >= 0 || !q.Desc && c <= 0 {
				x.t.Fatalf("Find(%+v): keys out of order: %+v then %+v", q, ss[i-1].Key(), ss[i].Key())
			}
			continue
		}
		if !q.Desc && ss[i].Cursor <= ss[i-1].Cursor {
			x.t.Fatalf("Find(%+v): cursors not ascending: %d then %d", q, ss[i-1].Cursor, ss[i].Cursor)
		}
		if q.Desc && ss[i].Cursor >= ss[i-1].Cursor {
			x.t.Fatalf("Find(%+v): cursors not descending: %d then %d", q, ss[i-1].Cursor, ss[i].Cursor)
		}
	}
	return ss
}

func (x h) forks() []store.Fork {
	x.t.Helper()
	fs, err := x.s.Forks(x.ctx)
	if err != nil {
		x.t.Fatalf("Forks: %v", err)
	}
	return fs
}

func (x h) devices(acc identity.PublicKey) []store.Device {
	x.t.Helper()
	ds, err := x.s.Devices(x.ctx, acc)
	if err != nil {
		x.t.Fatalf("Devices: %v", err)
	}
	return ds
}

func (x h) latestProfile(acc identity.PublicKey) *store.Stored {
	x.t.Helper()
	p, err := x.s.LatestProfile(x.ctx, acc)
	if err != nil {
		x.t.Fatalf("LatestProfile: %v", err)
	}
	return p
}

// sameEntry checks that a stored entry is e, with or without its payload.
func sameEntry(t testing.TB, got *store.Stored, e *entry.Entry, withPayload bool) {
	t.Helper()
	if got.ID != e.ID || !bytes.Equal(got.Raw, e.Raw) || got.Header != e.Header {
		t.Fatalf("stored entry %s (seq %d) is not %s (seq %d)", got.ID, got.Header.Seq, e.ID, e.Header.Seq)
	}
	if withPayload {
		if got.Payload == nil || !bytes.Equal(got.Payload, e.Payload) {
			t.Fatalf("entry %s: payload %x, want %x", e.ID, got.Payload, e.Payload)
		}
	} else if got.Payload != nil {
		t.Fatalf("entry %s: payload %x, want none", e.ID, got.Payload)
	}
}

// Snapshot describes everything a store holds in a canonical text form:
// heads, every entry of every log (id, type, deleted, payload hash) and the
// devices of the given accounts. Two stores that hold the same entries
// must have equal snapshots, whatever order the entries arrived in; cursors
// are local and left out.
func Snapshot(t testing.TB, s store.Store, accounts ...identity.PublicKey) string {
	t.Helper()
	ctx := context.Background()
	hs, err := s.Heads(ctx)
	if err != nil {
		t.Fatalf("Snapshot: Heads: %v", err)
	}
	var b strings.Builder
	// The replies each thread root has, by the payloads held.
	threads := map[entry.ID][]entry.ID{}
	for _, hd := range hs {
		fmt.Fprintf(&b, "log %s seq=%d id=%s forked=%v ended=%v\n", hd.Log, hd.Seq, hd.ID.Hex(), hd.Forked, hd.Ended)
		for from := uint64(1); from <= hd.Seq; {
			ss, err := s.Log(ctx, hd.Log, from, 100)
			if err != nil {
				t.Fatalf("Snapshot: Log: %v", err)
			}
			if len(ss) == 0 {
				t.Fatalf("Snapshot: log %s: no entries from %d, head %d", hd.Log, from, hd.Seq)
			}
			// LogRaw answers the same entries' bytes.
			raw, err := s.LogRaw(ctx, hd.Log, from, 100)
			if err != nil {
				t.Fatalf("Snapshot: LogRaw: %v", err)
			}
			if len(raw) != len(ss) {
				t.Fatalf("Snapshot: log %s from %d: LogRaw answers %d entries, Log %d", hd.Log, from, len(raw), len(ss))
			}
			for i, r := range raw {
				e := ss[i]
				if r.Seq != e.Header.Seq || !bytes.Equal(r.Header, e.Raw) || !bytes.Equal(r.Payload, e.Payload) || (r.Payload == nil) != (e.Payload == nil) {
					t.Fatalf("Snapshot: log %s seq %d: LogRaw answers seq %d, header %x, payload %x (nil %v); Log: header %x, payload %x (nil %v)",
						hd.Log, e.Header.Seq, r.Seq, r.Header, r.Payload, r.Payload == nil, e.Raw, e.Payload, e.Payload == nil)
				}
			}
			for _, e := range ss {
				if e.Header.Seq != from {
					t.Fatalf("Snapshot: log %s: got seq %d, want %d", hd.Log, e.Header.Seq, from)
				}
				payload := "none"
				if e.Payload != nil {
					payload = fmt.Sprintf("%x", entry.HashPayload(e.Payload))
				}
				fmt.Fprintf(&b, "  %d %s type=%q deleted=%v payload=%s\n", e.Header.Seq, e.ID.Hex(), e.Type, e.Deleted, payload)
				if e.Payload != nil && e.Type == content.TypePost {
					if p, err := content.Decode(e.Payload); err == nil {
						if root := p.(*content.Post).ThreadRoot(); !root.IsZero() {
							threads[root] = append(threads[root], e.ID)
						}
					}
				}
				from++
			}
		}
	}
	// Find by thread must answer what the payloads say.
	roots := slices.SortedFunc(maps.Keys(threads), func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	for _, root := range roots {
		found, err := s.Find(ctx, store.Query{Thread: &root, Limit: 1 << 20})
		if err != nil {
			t.Fatalf("Snapshot: Find(thread): %v", err)
		}
		got, want := storedIDs(found), threads[root]
		slices.SortFunc(got, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
		slices.SortFunc(want, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
		if !slices.Equal(got, want) {
			t.Fatalf("Snapshot: Find(thread %s) = %s, but the payloads held say %s", root, fmtIDs(got), fmtIDs(want))
		}
		fmt.Fprintf(&b, "thread %s: %s\n", root.Hex(), fmtIDs(got))
	}
	fs, err := s.Forks(ctx)
	if err != nil {
		t.Fatalf("Snapshot: Forks: %v", err)
	}
	var forks []string
	for _, f := range fs {
		forks = append(forks, fmt.Sprintf("fork %s seq=%d kept=%s conflict=%s\n", f.Log, f.Seq, f.Kept.Hex(), f.Conflict.ID.Hex()))
	}
	sort.Strings(forks)
	b.WriteString(strings.Join(forks, ""))
	for _, acc := range accounts {
		ds, err := s.Devices(ctx, acc)
		if err != nil {
			t.Fatalf("Snapshot: Devices: %v", err)
		}
		for _, d := range ds {
			fmt.Fprintf(&b, "device %s of %s name=%q cert=%s revoked=%v by=%s\n", d.Device.Hex(), d.Account.Hex(), d.Name, d.Cert.Hex(), d.Revoked, d.RevokedBy.Hex())
		}
		if p, err := s.LatestProfile(ctx, acc); err == nil {
			fmt.Fprintf(&b, "profile of %s: %s\n", acc.Hex(), p.ID.Hex())
		} else if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Snapshot: LatestProfile: %v", err)
		}
	}
	return b.String()
}
