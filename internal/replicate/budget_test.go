package replicate

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/store"
)

// randomItems returns n items of random logs (no store holds them, no
// scope wants them unless told to), sorted by key.
func randomItems(t testing.TB, n int) []Item {
	t.Helper()
	items := make([]Item, n)
	for i := range items {
		if _, err := rand.Read(items[i].Log.Author[:]); err != nil {
			t.Fatal(err)
		}
		rand.Read(items[i].Log.LogID[:])
		rand.Read(items[i].Head[:])
		items[i].Seq = 1 + uint64(i)
	}
	sortItems(items)
	return items
}

// floodRanges is the hostile RECONCILE of doc/protocol/sync.md's
// "Reconciliation state": list ranges holding items (sorted, MaxListItems
// each), then, if fp, a fingerprint of the rest of the key space that
// cannot match, so that the receiver must answer and the exchange goes on.
func floodRanges(items []Item, fp bool) []Range {
	var rs []Range
	for len(items) > 0 {
		n := min(len(items), MaxListItems)
		var up []byte
		if n < len(items) {
			k := keyOf(items[n].Log)
			up = bytes.Clone(k[:])
		} else if fp {
			k := keyOf(items[n-1].Log) // its last byte is not 0xff (floodItems)
			up = bytes.Clone(k[:])
			up[KeySize-1]++
		}
		rs = append(rs, Range{Upper: up, Mode: ModeList, Items: items[:n:n]})
		items = items[n:]
	}
	if fp {
		rs = append(rs, Range{Mode: ModeFingerprint, Fingerprint: Fingerprint{0xde, 0xad}})
	}
	return rs
}

// floodItems returns n random items whose last key does not end in 0xff
// (floodRanges bounds the last list just above it).
func floodItems(t testing.TB, n int) []Item {
	for {
		items := randomItems(t, n)
		if items[n-1].Log.LogID[31] != 0xff {
			return items
		}
	}
}

// retained returns the Retained of the engine's only session (-1: none).
func retained(n *node) int {
	ss := n.eng.Sessions()
	if len(ss) != 1 {
		return -1
	}
	return ss[0].Retained
}

// TestReconcileFloodOutOfScope is issue 11's attack: a peer fills RECONCILE
// messages with list ranges of random items (15,000 a message, ~1.8 MB),
// each ending with a fingerprint that cannot match. The receiver keeps of
// them only MaxPeerHeads remembered heads, and closes the session with
// code 3 (misbehaviour) once the peer offered more than MaxUnwanted logs
// it does not want; everything is given back to the node's budget. With
// small limits, and with the defaults (not with -short or -race: 67
// messages).
func TestReconcileFloodOutOfScope(t *testing.T) {
	const perMsg = 15_000
	cases := []struct {
		name                  string
		limits                Limits
		maxUnwanted, maxHeads int
		closedAfter           int // messages
	}{
		{"small limits", Limits{MaxUnwanted: 50_000, MaxPeerHeads: 1_000}, 50_000, 1_000, 4},
		{"defaults", Limits{}, 1_000_000, 20_000, 67},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "defaults" && (testing.Short() || raceBuild) {
				t.Skip("67 messages of 1.8 MB: not with -short or -race")
			}
			floodOutOfScope(t, tc.limits, perMsg, tc.maxUnwanted, tc.maxHeads, tc.closedAfter)
		})
	}
}

func floodOutOfScope(t *testing.T, lim Limits, perMsg, maxUnwanted, maxHeads, closedAfter int) {
	n := newNode(t, 1, lim)
	var own []*chain
	for i := range 40 {
		c := newChain(t, 100+i, 1)
		ingest(t, n.st, c.add(t, 2))
		own = append(own, c)
	}
	n.scope.setWants(own[0].logKey()) // none of the peer's random logs
	f := newFakePeer(t, n, 1, true)
	f.hello()
	sent := 0
	for msg := 1; ; msg++ {
		items := floodItems(t, perMsg)
		frame := AppendFrame(nil, &Reconcile{Ranges: floodRanges(items, true)})
		if len(frame) > MaxMessage+4 {
			t.Fatalf("flood message of %d bytes; the limit is %d", len(frame), MaxMessage+4)
		}
		f.sendRaw(frame)
		sent += perMsg
		if sent > maxUnwanted {
			bye, err := f.bye()
			var pe *ProtocolError
			if bye.Code != CodeLimit || !errors.As(err, &pe) || pe.Code != CodeLimit {
				t.Fatalf("after %d items: BYE %+v, Run %v; want code 3", sent, bye, err)
			}
			if msg != closedAfter {
				t.Fatalf("closed after message %d, want %d (%d items a message, limit %d)", msg, closedAfter, perMsg, maxUnwanted)
			}
			break
		}
		if _, skipped := f.next(KindReconcile); len(skipped) != 0 && msg > 1 {
			t.Fatalf("message %d: the engine sent %v before its answer", msg, kinds(skipped))
		}
		if got, want := retained(n), min(sent, maxHeads); got != want {
			t.Fatalf("after message %d (%d random items): the session retains %d items, want %d (MaxPeerHeads)", msg, sent, got, want)
		}
	}
	n.mu.Lock()
	misbeh := n.misbeh
	n.mu.Unlock()
	if len(misbeh) != 1 || misbeh[0] != CodeLimit {
		t.Fatalf("misbehaviour reported: %v, want [code 3]", misbeh)
	}
	waitNoSessions(t, n)
	if u := n.eng.Budget().Usage(); u.Used != 0 || u.Peak != maxHeads {
		t.Fatalf("budget after the session: %+v; want 0 used, peak %d", u, maxHeads)
	}
}

// waitNoSessions waits until the engine runs no session.
func waitNoSessions(t testing.TB, n *node) {
	t.Helper()
	if _, err := n.eng.WaitFor(waitCtx(t), func(ss []SessionState) bool { return len(ss) == 0 }); err != nil {
		t.Fatalf("sessions still running: %v", err)
	}
}

// TestReconcileOutOfTurn: a peer that sends its next RECONCILE before this
// side's answer to the one before could even be written (it does not read)
// is closed with code 2; the answers do not pile up unwritten.
func TestReconcileOutOfTurn(t *testing.T) {
	n := newNode(t, 1, Limits{CloseTimeout: 100 * time.Millisecond})
	c := newChain(t, 100, 1)
	ingest(t, n.st, c.add(t, 1))
	mine, pipe := net.Pipe() // nobody reads mine: the engine's writes block
	theirs := &firstWrite{Conn: pipe, started: make(chan struct{})}
	result := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	peer := testKey(t, 5001).Public()
	go func() { result <- n.eng.Run(ctx, peer, theirs, false) }()
	write := func(m Message) {
		mine.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := mine.Write(AppendFrame(nil, m)); err != nil {
			t.Fatalf("write %s: %v", m.Kind(), err)
		}
	}
	write(&Hello{Version: Version})
	// The engine's writer is blocked writing its HELLO before the first
	// RECONCILE arrives, so its answer stays in the queue (not a byte of
	// it can have reached us) when the second one comes. Without this
	// wait the writer may take the answer along with the HELLO.
	select {
	case <-theirs.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the engine wrote nothing within 10 s")
	}
	fp := &Reconcile{Ranges: []Range{{Mode: ModeFingerprint, Fingerprint: Fingerprint{1}}}}
	write(fp)
	write(fp)
	select {
	case err := <-result:
		var pe *ProtocolError
		if !errors.As(err, &pe) || pe.Code != CodeMalformed {
			t.Fatalf("Run: %v; want code 2", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end within 10 s")
	}
	mine.Close()
	if len(n.misbeh) != 1 || n.misbeh[0] != CodeMalformed {
		t.Fatalf("misbehaviour reported: %v, want [code 2]", n.misbeh)
	}
}

// offerOnce plays a fake initiator that offers items in one RECONCILE of
// lists (no fingerprint, so the engine's reconciliation ends with its
// answer) and returns the logs the engine wanted.
func offerOnce(t testing.TB, f *fakePeer, items []Item) []store.LogKey {
	t.Helper()
	f.hello()
	f.send(&Reconcile{Ranges: floodRanges(items, false)})
	var wanted []store.LogKey
	_, skipped := f.next(KindWantsDone)
	for _, s := range skipped {
		if w, ok := s.(*Want); ok {
			for _, l := range w.Logs {
				wanted = append(wanted, l.Log)
			}
		}
	}
	return wanted
}

// TestBudgetNodeWide: sessions running at once share the node's budget.
// Four peers that offer only logs the node does not want fill at most the
// first half of it with remembered heads; a fifth that offers logs the node
// wants gets wants up to the whole budget and no more; when the sessions
// end, everything is given back.
func TestBudgetNodeWide(t *testing.T) {
	const budget, maxHeads = 3_000, 1_000
	n := newNode(t, 1, Limits{MaxPeerHeads: maxHeads})
	n.eng.budget = NewBudget(budget)
	wantedItems := randomItems(t, 2_000)
	var wantLogs []store.LogKey
	for _, it := range wantedItems {
		wantLogs = append(wantLogs, it.Log)
	}
	n.scope.setWants(wantLogs...)

	var fakes []*fakePeer
	var wg sync.WaitGroup
	for i := range 4 {
		f := newFakePeer(t, n, 1+i, true)
		fakes = append(fakes, f)
		items := randomItems(t, 1_000)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := offerOnce(t, f, items); len(w) != 0 {
				t.Errorf("the engine wanted %d logs it does not want", len(w))
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, s := range n.eng.Sessions() {
		total += s.Retained
	}
	if u := n.eng.Budget().Usage(); total != budget/2 || u.Used != budget/2 {
		t.Fatalf("four peers of unwanted logs: sessions retain %d items, budget %+v; want %d (half the budget)", total, u, budget/2)
	}

	f := newFakePeer(t, n, 9, true)
	wanted := offerOnce(t, f, wantedItems)
	if len(wanted) != budget/2 {
		t.Fatalf("the engine wanted %d of the %d logs offered, want %d (the rest of the budget)", len(wanted), len(wantedItems), budget/2)
	}
	if !sort.SliceIsSorted(wanted, func(i, j int) bool { return bytes.Compare(keySlice(wanted[i]), keySlice(wanted[j])) < 0 }) ||
		!sameLogs(wanted, wantLogs[:budget/2]) {
		t.Fatalf("the engine wanted other logs than the first %d offered", budget/2)
	}
	if u := n.eng.Budget().Usage(); u.Used != budget || u.Peak != budget {
		t.Fatalf("budget %+v, want %d used", u, budget)
	}
	for _, f := range append(fakes, f) {
		f.send(&Bye{Code: CodeNormal})
	}
	waitNoSessions(t, n)
	if u := n.eng.Budget().Usage(); u.Used != 0 {
		t.Fatalf("budget after the sessions ended: %+v, want 0 used", u)
	}
	if len(n.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: %v", n.misbeh)
	}
}

func keySlice(l store.LogKey) []byte {
	k := keyOf(l)
	return k[:]
}

func sameLogs(a, b []store.LogKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHonestLargeSync: an honest peer with a large difference the node
// wants (100,000 one-entry logs, the most one session may want; 20,000
// with -short or -race) and more it does not want (30 %) syncs completely,
// and neither side reports misbehaviour. The receiving session retains
// exactly its wants plus MaxPeerHeads remembered heads (or all unwanted
// heads when fewer).
func TestHonestLargeSync(t *testing.T) {
	wantN, otherN := MaxOpenWants, MaxOpenWants*3/10
	if testing.Short() || raceBuild {
		wantN, otherN = 20_000, 6_000
	}
	es := manyLogs(t, wantN+otherN)
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	ingest(t, a.st, es)
	var wants []store.LogKey
	for _, e := range es[:wantN] {
		wants = append(wants, logKeyOf(e))
	}
	b.scope.setWants(wants...)
	connect(t, a, b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := b.eng.WaitLive(ctx, a.pub())
	if err != nil {
		t.Fatalf("b: %v (%+v)", err, b.eng.Sessions())
	}
	if st.EntriesReceived != int64(wantN) || st.LogsWanted != wantN {
		t.Fatalf("b received %d entries of %d logs wanted, want %d", st.EntriesReceived, st.LogsWanted, wantN)
	}
	wantRetained := wantN + min(otherN, 20_000)
	if st.Retained != wantRetained {
		t.Fatalf("b's session retains %d items, want %d", st.Retained, wantRetained)
	}
	hs := heads(t, b.st)
	if len(hs) != wantN {
		t.Fatalf("b holds %d logs, want %d", len(hs), wantN)
	}
	for _, l := range wants {
		if hs[l].Seq != 1 {
			t.Fatalf("b lacks log %s", l)
		}
	}
	if len(a.misbeh) != 0 || len(b.misbeh) != 0 {
		t.Fatalf("misbehaviour reported: a %v, b %v", a.misbeh, b.misbeh)
	}
}

// TestManyOneEntryLogsNoFlood: entries of many small logs go one ENTRIES a
// log; credit bounds ENTRIES, so they do not count towards the flood limit
// and an honest sender of 5,000 one-entry logs to a receiver that allows a
// burst of 1,000 messages and 10 a second is not called a flooder.
func TestManyOneEntryLogsNoFlood(t *testing.T) {
	const logs = 5_000
	es := manyLogs(t, logs)
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{MessageBurst: 1_000, MessageRate: 10})
	ingest(t, a.st, es)
	connect(t, a, b)
	st, err := b.eng.WaitLive(waitCtx(t), a.pub())
	if err != nil {
		t.Fatalf("b: %v (%+v; misbehaviour %v)", err, b.eng.Sessions(), b.misbeh)
	}
	if st.EntriesReceived != logs || len(b.misbeh) != 0 {
		t.Fatalf("b received %d entries, misbehaviour %v; want %d, none", st.EntriesReceived, b.misbeh, logs)
	}
}

// TestEntriesBeforeWant: a log learned in the reconciliation becomes an
// open want at once, but its WANT goes out when the reconciliation ends;
// entries of it sent before are unsolicited (code 5).
func TestEntriesBeforeWant(t *testing.T) {
	n := newNode(t, 1, Limits{})
	for i := range 20 { // more than ListThreshold: the engine answers a fingerprint with a split
		c := newChain(t, 100+i, 1)
		ingest(t, n.st, c.add(t, 1))
	}
	c := newChain(t, 7, 9)
	c.add(t, 1)
	f := newFakePeer(t, n, 1, true)
	f.hello()
	k := keyOf(c.logKey())
	up := bytes.Clone(k[:])
	up[KeySize-1]++
	f.send(&Reconcile{Ranges: []Range{
		{Upper: up, Mode: ModeList, Items: []Item{headItem(c)}},
		{Mode: ModeFingerprint, Fingerprint: Fingerprint{0xde, 0xad}},
	}})
	f.next(KindReconcile)
	f.send(&Entries{Entries: c.es})
	bye, err := f.bye()
	var pe *ProtocolError
	if bye.Code != CodeUnsolicited || !errors.As(err, &pe) || pe.Code != CodeUnsolicited {
		t.Fatalf("BYE %+v, Run %v; want code 5", bye, err)
	}
	if hs := heads(t, n.st); hs[c.logKey()].Seq != 0 {
		t.Fatalf("the entry sent before the WANT was stored")
	}
}

// firstWrite is a connection that says when its first Write starts.
type firstWrite struct {
	net.Conn
	once    sync.Once
	started chan struct{}
}

func (c *firstWrite) Write(b []byte) (int, error) {
	c.once.Do(func() { close(c.started) })
	return c.Conn.Write(b)
}
