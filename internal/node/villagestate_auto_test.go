package node_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/village"
)

// fakeTimers stands in for time.After in the automatic state publishing:
// a timer fires when the test says so.
type fakeTimers struct {
	mu         sync.Mutex
	quiet, max []chan time.Time
}

func (f *fakeTimers) after(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if d == node.StateQuiet {
		f.quiet = append(f.quiet, c)
	} else {
		f.max = append(f.max, c)
	}
	return c
}

// count is how many longest-delay timers were made: one per round.
func (f *fakeTimers) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.max)
}

// fire fires every quiet (or max) timer made so far.
func (f *fakeTimers) fire(max bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cs := f.quiet
	if max {
		cs = f.max
	}
	for _, c := range cs {
		select {
		case c <- time.Time{}:
		default:
		}
	}
}

// settle fires the quiet timers until the node has published want states
// in all, then checks that no further state comes.
func (f *fakeTimers) settle(t *testing.T, n *node.Node, want int) {
	t.Helper()
	eventually(t, "the state to be published", func() bool {
		f.fire(false)
		return node.StatesPublished(n) >= want
	})
	for range 20 {
		f.fire(false)
		time.Sleep(10 * time.Millisecond)
	}
	if got := node.StatesPublished(n); got != want {
		t.Fatalf("%d states published, want %d", got, want)
	}
}

func stateSeqs(t *testing.T, n *node.Node, vid entry.ID) int {
	t.Helper()
	links, _, err := n.Chain(t.Context(), vid, dev(n))
	if err != nil {
		t.Fatal(err)
	}
	return len(links)
}

// rawLocal is a co-founder that is only a key: the test signs its
// village entries, so a burst of them costs nothing to make.
type rawLocal struct {
	key  identity.PrivateKey
	vid  entry.ID
	head *entry.Entry
	ts   uint64
}

func (r *rawLocal) sign(t *testing.T, p village.Payload) *entry.Entry {
	t.Helper()
	r.ts++
	d := entry.Draft{LogID: entry.LogID(r.vid), Seq: 1, Timestamp: r.ts, Payload: village.MustEncode(p)}
	if r.head != nil {
		d.Seq, d.Backlink = r.head.Header.Seq+1, r.head.ID
	}
	e, err := entry.Sign(r.key, d)
	if err != nil {
		t.Fatal(err)
	}
	r.head = e
	return e
}

// importEntries brings es into n as a bundle import does (one burst).
func importEntries(t *testing.T, n *node.Node, es []*entry.Entry) {
	t.Helper()
	var buf bytes.Buffer
	w, err := bundle.NewWriter(&buf, bundle.Meta{Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := w.Entry(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := n.Import(t.Context(), &buf, nil); err != nil || st.EntriesNew != len(es) {
		t.Fatalf("import: %+v, %v; want %d added", st, err, len(es))
	}
}

// TestMockStateAutoPublish: a local's node publishes its state by itself
// when its view of the village changes, coalesced: a burst of 1,000 votes
// of another local gives exactly one state, a burst over which the
// longest delay passes once gives exactly two; another local's state,
// which changes no view, gives none; the node's own note gives one. Every
// state published is audited clean and commits to the view at its time.
func TestMockStateAutoPublish(t *testing.T) {
	ctx := t.Context()
	mn := newMockNet(t)
	var ta fakeTimers
	a, _ := initNode(t, node.Options{Now: func() time.Time { return time.UnixMilli(1_800_000_000_000) }})
	node.SetStateTimer(a, ta.after)
	serveMock(t, mn, a)
	bk, bAcc, bCert := newDevice(t)
	fe, err := a.FoundVillage(ctx, "Elm street", village.Unanimous, village.Majority, []identity.PublicKey{bAcc.Public()})
	if err != nil {
		t.Fatal(err)
	}
	vid := fe.ID
	b := &rawLocal{key: bk, vid: vid, ts: 1_800_000_000_000}
	if _, err := a.Store().Ingest(ctx, []*entry.Entry{bCert, b.sign(t, &village.Accept{Village: vid})}); err != nil {
		t.Fatal(err)
	}
	// a's found entry made the village due: founded, a is a local.
	ta.settle(t, a, 1)
	if n := stateSeqs(t, a, vid); n != 1 {
		t.Fatalf("a's chain has %d states, want 1", n)
	}

	// A burst of 1,000 votes from b: one state.
	var burst []*entry.Entry
	for i := range 1000 {
		burst = append(burst, b.sign(t, &village.Vote{Village: vid, Stranger: village.StrangerID{1, byte(i), byte(i >> 8), 63: 1}, Vote: village.VoteVeto}))
	}
	importEntries(t, a, burst)
	ta.settle(t, a, 2)
	links, findings, err := a.Chain(ctx, vid, acc(a))
	if err != nil || len(links) != 2 || len(findings) != 0 {
		t.Fatalf("a's chain: %d states, findings %v, %v", len(links), findings, err)
	}
	st, err := a.Village(ctx, vid)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Strangers) != 1000 {
		t.Fatalf("%d strangers held, want 1000", len(st.Strangers))
	}
	cs, err := st.Components(acc(a), [32]byte{})
	if err != nil {
		t.Fatal(err)
	}
	if got := links[1].State.Components; got.Strangers != cs.Strangers || got.StrangersState != cs.StrangersState {
		t.Fatal("the state does not commit to the view after the burst")
	}

	// A burst over which the longest delay passes once: two states.
	var first, second []*entry.Entry
	for i := range 10 {
		e := b.sign(t, &village.Vote{Village: vid, Stranger: village.StrangerID{2, byte(i), 63: 2}, Vote: village.VoteVeto})
		if i < 5 {
			first = append(first, e)
		} else {
			second = append(second, e)
		}
	}
	maxBefore := ta.count()
	importEntries(t, a, first)
	// The round that the import started waits on a new longest delay.
	eventually(t, "a new round", func() bool { return ta.count() > maxBefore })
	ta.fire(true)
	eventually(t, "the state at the longest delay", func() bool { return node.StatesPublished(a) == 3 })
	importEntries(t, a, second)
	ta.settle(t, a, 4)

	// b's state changes only a's locals state: no state.
	var es []*entry.Entry
	for _, e := range allEntries(t, a) {
		if e.ID == vid || e.Header.LogID == entry.LogID(vid) || e.Type == content.TypeDeviceAdd {
			es = append(es, e.Entry)
		}
	}
	bst, err := village.Reduce(vid, es)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := bst.NewStatePayload(bAcc.Public(), [32]byte{}, village.SeenOf(vid, es))
	if err != nil {
		t.Fatal(err)
	}
	importEntries(t, a, []*entry.Entry{b.sign(t, sp)})
	ta.settle(t, a, 4)
	// a's own note changes the strangers state: one state.
	if _, err := a.NoteStranger(ctx, vid, village.StrangerID{1, 63: 1}, "met at the market", [32]byte{}); err != nil {
		t.Fatal(err)
	}
	ta.settle(t, a, 5)
	if links, findings, err := a.Chain(ctx, vid, acc(a)); err != nil || len(links) != 5 || len(findings) != 0 {
		t.Fatalf("a's chain: %d states, findings %v, %v", len(links), findings, err)
	}
}
