package store_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// forkView is a store.View holding one log, with fork evidence at some
// seqs. It counts the ForkSeqs calls.
type forkView struct {
	log      store.LogKey
	es       []*entry.Entry // es[i] has seq i+1
	forkSeqs map[uint64]bool
	calls    int
}

func (v *forkView) Head(log store.LogKey) (store.Head, bool, error) {
	if log != v.log {
		return store.Head{}, false, nil
	}
	last := v.es[len(v.es)-1]
	return store.Head{Log: log, Seq: last.Header.Seq, ID: last.ID, Forked: len(v.forkSeqs) > 0}, true, nil
}

func (v *forkView) IDAt(log store.LogKey, seq uint64) (entry.ID, bool, error) {
	if log != v.log || seq == 0 || seq > uint64(len(v.es)) {
		return entry.ID{}, false, nil
	}
	return v.es[seq-1].ID, true, nil
}

func (v *forkView) Meta(entry.ID) (store.Meta, bool, error) { return store.Meta{}, false, nil }

func (v *forkView) Tombstone(entry.ID, identity.PublicKey) (store.Tombstone, bool, error) {
	return store.Tombstone{}, false, nil
}

func (v *forkView) ForkSeqs(log store.LogKey) (map[uint64]bool, error) {
	v.calls++
	if log != v.log {
		return nil, nil
	}
	out := map[uint64]bool{}
	for s := range v.forkSeqs {
		out[s] = true
	}
	return out, nil
}

func sign(t *testing.T, k identity.PrivateKey, seq uint64, back entry.ID, payload string) *entry.Entry {
	t.Helper()
	e, err := entry.Sign(k, entry.Draft{LogID: entry.PublicLog, Seq: seq, Backlink: back, Timestamp: 1, Payload: []byte("\x00" + payload)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newForkView(t *testing.T, n int, forkSeqs ...uint64) (*forkView, identity.PrivateKey) {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, "plan test key")
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	v := &forkView{log: store.LogKey{Author: k.Public(), LogID: entry.PublicLog}, forkSeqs: map[uint64]bool{}}
	var back entry.ID
	for seq := uint64(1); seq <= uint64(n); seq++ {
		e := sign(t, k, seq, back, fmt.Sprint("entry ", seq))
		v.es = append(v.es, e)
		back = e.ID
	}
	for _, s := range forkSeqs {
		v.forkSeqs[s] = true
	}
	return v, k
}

// conflict signs an entry at seq of v's log that differs from the one held.
func (v *forkView) conflict(t *testing.T, k identity.PrivateKey, seq uint64, tag string) *entry.Entry {
	t.Helper()
	var back entry.ID
	if seq > 1 {
		back = v.es[seq-2].ID
	}
	return sign(t, k, seq, back, fmt.Sprintf("%s at %d", tag, seq))
}

func forkChanges(t *testing.T, rs []store.Result, cs []store.Change) []uint64 {
	t.Helper()
	for i, r := range rs {
		if r.Outcome != store.Forked || r.Err != nil {
			t.Fatalf("result %d: %v (%v), want fork", i, r.Outcome, r.Err)
		}
	}
	var seqs []uint64
	for _, c := range cs {
		if c.Kind != store.AddFork {
			t.Fatalf("change of kind %d, want only AddFork", c.Kind)
		}
		seqs = append(seqs, c.Fork.Seq)
	}
	return seqs
}

// TestPlanForkEvidence: Plan asks the view for a log's evidence once and
// adds evidence only at a position without any, within MaxForksPerLog.
func TestPlanForkEvidence(t *testing.T) {
	v, k := newForkView(t, 20, 2)
	batch := []*entry.Entry{
		v.conflict(t, k, 2, "a"), // evidence held at 2
		v.conflict(t, k, 3, "a"), // new position
		v.conflict(t, k, 3, "b"), // evidence added at 3 earlier in the batch
		v.conflict(t, k, 3, "a"), // the same again
		v.conflict(t, k, 4, "a"),
	}
	rs, cs, err := store.Plan(v, batch, entry.VerifyBatch)
	if err != nil {
		t.Fatal(err)
	}
	if got := forkChanges(t, rs, cs); fmt.Sprint(got) != "[3 4]" {
		t.Fatalf("evidence added at %v, want [3 4]", got)
	}
	if cs[0].Fork.Conflict.ID != batch[1].ID || cs[0].Fork.Kept != v.es[2].ID {
		t.Fatalf("evidence at 3: %+v", cs[0].Fork)
	}
	if v.calls != 1 {
		t.Fatalf("ForkSeqs called %d times, want once", v.calls)
	}
}

func TestPlanForkLimit(t *testing.T) {
	var held []uint64
	for s := uint64(1); s < store.MaxForksPerLog; s++ {
		held = append(held, s)
	}
	v, k := newForkView(t, 20, held...)
	batch := []*entry.Entry{
		v.conflict(t, k, 5, "a"),  // position held
		v.conflict(t, k, 18, "a"), // the last position allowed
		v.conflict(t, k, 19, "a"), // beyond the limit
		v.conflict(t, k, 20, "a"),
		v.conflict(t, k, 18, "b"),
	}
	rs, cs, err := store.Plan(v, batch, entry.VerifyBatch)
	if err != nil {
		t.Fatal(err)
	}
	if got := forkChanges(t, rs, cs); fmt.Sprint(got) != "[18]" {
		t.Fatalf("evidence added at %v, want [18]", got)
	}
	// At the limit, nothing is added at all.
	v.forkSeqs[18] = true
	rs, cs, err = store.Plan(v, batch[2:], entry.VerifyBatch)
	if err != nil {
		t.Fatal(err)
	}
	if got := forkChanges(t, rs, cs); len(got) != 0 {
		t.Fatalf("evidence added at %v beyond the limit", got)
	}
}

// TestPlanPayloadRules: what Plan makes of each kind of payload: the type
// it records, and the exact message of a refused payload, whose entry is
// kept without it.
func TestPlanPayloadRules(t *testing.T) {
	const postHex = "a2" + "6474657874" + "60" + "6474797065" + "64706f7374" // {"text": "", "type": "post"}
	cases := []struct {
		name    string
		payload string // hex
		typ     string
		msg     string // the PayloadErr message; "" for none
	}{
		{"post", postHex, "post", ""},
		{"unknown type", "a1" + "6474797065" + "6d76696c6c6167652e666f756e64", "village.found", ""},
		{"opaque", "0001736563726574", "", ""},
		{"type not text", "a1" + "6474797065" + "01", "", ""},
		{"bad type name", "a1" + "6474797065" + "64506f7374", "", `payload: payload: field type: "Post" is not a valid type name (1 to 64 bytes of a-z, 0-9, '.', '_', '-', starting with a letter)`},
		{"not canonical", postHex + "00", "", "payload: post: invalid encoding: trailing bytes after the payload map, from byte 17 of 18"},
		{"field missing", "a1" + "6474797065" + "64706f7374", "", "payload: post: field text: missing"},
		{"header rule", "a1" + "6474797065" + "6d6465766963652e7265766f6b65", "", "payload: device.revoke: field device: missing"},
	}
	seed := make([]byte, 32)
	copy(seed, "plan payload rules")
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	var batch []*entry.Entry
	for i, c := range cases {
		payload, err := hex.DecodeString(c.payload)
		if err != nil {
			t.Fatal(err)
		}
		e, err := entry.Sign(k, entry.Draft{LogID: entry.LogID{byte(i + 1)}, Seq: 1, Timestamp: 1, Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, e)
	}
	rs, cs, err := store.Plan(emptyView{}, batch, trustAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != len(cases) {
		t.Fatalf("%d changes, want %d inserts", len(cs), len(cases))
	}
	for i, c := range cases {
		r, ch := rs[i], cs[i]
		if r.Outcome != store.Added || r.Err != nil {
			t.Fatalf("%s: outcome %v, %v", c.name, r.Outcome, r.Err)
		}
		if ch.Kind != store.Insert || ch.Entry.ID != batch[i].ID || ch.Type != c.typ {
			t.Fatalf("%s: change %d of %x type %q, want an insert of type %q", c.name, ch.Kind, ch.Entry.ID, ch.Type, c.typ)
		}
		if c.msg == "" {
			if r.PayloadErr != nil || ch.Entry.Payload == nil {
				t.Fatalf("%s: payload error %v, payload kept %v", c.name, r.PayloadErr, ch.Entry.Payload != nil)
			}
			continue
		}
		var re *store.RejectError
		if !errors.As(r.PayloadErr, &re) || re.Msg != c.msg {
			t.Fatalf("%s: payload error\n got: %v\nwant: %s", c.name, r.PayloadErr, c.msg)
		}
		if ch.Entry.Payload != nil {
			t.Fatalf("%s: refused payload kept", c.name)
		}
	}
}

func (v *forkView) Revoked(identity.PublicKey) (*store.Revoked, error) { return nil, nil }
func (v *forkView) Revocations(store.LogKey) ([]*entry.Entry, error)   { return nil, nil }
