package blobsync

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// slowGet opens a stream to nd as peer from, sends GET id and reads the
// first 4 bytes of the answer (a BLOB or an ERROR is on its way), then
// reads nothing more: a reader that holds its transfer open. The GET is
// written by a goroutine of its own, as a libp2p stream would buffer it,
// since a responder may refuse the stream without reading it.
func slowGet(t *testing.T, n *testNet, nd *node, from identity.PublicKey, id blob.ID) *pipeEnd {
	t.Helper()
	st := rawClient(t, n, nd, from)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		_, _ = st.Write(frames(message{Kind: kindGet, ID: id}))
	}()
	if _, err := io.ReadFull(st, make([]byte, 4)); err != nil {
		t.Fatalf("first bytes of the answer: %v", err)
	}
	return st
}

// One peer that opens many streams and holds slow transfers open on them
// takes only its share of the serving slots: another peer is still served.
func TestServeOnePeerCannotTakeEverySlot(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) { c.Timeout = time.Minute })
	bigID := put(t, a.store, content(4*MaxChunk, 3))
	put(t, a.store, []byte("abc"))
	for range 2 * MaxServing {
		slowGet(t, n, a, key('X'), bigID)
	}
	good := rawClient(t, n, a, key('H'))
	exchange(t, good, frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
	// Every GET of X's beyond its share was answered busy.
	if s := a.svc.Stats(); s.Busy != 2*MaxServing-MaxServingPerPeer || s.Preempted != 0 {
		t.Fatalf("stats %+v, want Busy %d and nothing preempted", s, 2*MaxServing-MaxServingPerPeer)
	}
	if m := a.events(&a.misbehaved); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

// streamsFrom returns how many streams nd serves for peer now.
func streamsFrom(nd *node, peer identity.PublicKey) int {
	nd.svc.servers.mu.Lock()
	defer nd.svc.servers.mu.Unlock()
	if p := nd.svc.servers.byPeer[peer]; p != nil {
		return p.streams
	}
	return 0
}

// A stream beyond MaxStreamsPerPeer from one peer is refused before any
// request is read; other peers' streams are not.
func TestServeLimitsStreamsPerPeer(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) { c.Timeout = time.Minute })
	put(t, a.store, []byte("abc"))
	var open []*pipeEnd
	for range MaxStreamsPerPeer {
		open = append(open, rawClient(t, n, a, key('X')))
	}
	eventually(t, "the streams to be counted", func() bool { return streamsFrom(a, key('X')) == MaxStreamsPerPeer })
	extra := rawClient(t, n, a, key('X'))
	want := frames(message{Kind: kindError, Code: codeBusy, Text: "busy: 4 blob streams open from you; use fewer"})
	if got := readAll(t, extra); !bytes.Equal(got, want) {
		t.Fatalf("answer %q, want %q", got, want)
	}
	exchange(t, rawClient(t, n, a, key('H')), frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}}), frames(message{Kind: kindHave, Sizes: []int64{3}}))
	open[0].Close()
	eventually(t, "the closed stream to be forgotten", func() bool { return streamsFrom(a, key('X')) == MaxStreamsPerPeer-1 })
	exchange(t, rawClient(t, n, a, key('X')), frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}}), frames(message{Kind: kindHave, Sizes: []int64{3}}))
	if s := a.svc.Stats(); s.Busy != 1 {
		t.Fatalf("Stats.Busy %d, want 1", s.Busy)
	}
	if m := a.events(&a.misbehaved); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

// When every slot is taken, a transfer slower than MinServeRate after
// ServeGrace gives its slot up to a new GET: slow readers cannot keep
// others out, however many identities they use.
func TestServeSlowTransferGivesItsSlotUp(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) {
		c.Timeout = time.Minute
		c.MinServeRate = 1 << 20
		c.ServeGrace = 20 * time.Millisecond
	})
	bigID := put(t, a.store, content(4*MaxChunk, 3))
	put(t, a.store, []byte("abc"))
	var slow []*pipeEnd
	for i := range MaxServing {
		// Two transfers each from MaxServing/2 peers: every slot taken.
		slow = append(slow, slowGet(t, n, a, key(byte('a'+i/2)), bigID))
	}
	time.Sleep(50 * time.Millisecond) // past the grace
	good := rawClient(t, n, a, key('H'))
	exchange(t, good, frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
	// Exactly one slow transfer was ended: its stream is reset.
	reset := 0
	for _, st := range slow {
		_ = st.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := io.ReadFull(st, make([]byte, 1)); errors.Is(err, errStreamReset) {
			reset++
		}
	}
	if reset != 1 {
		t.Fatalf("%d slow transfers ended, want 1", reset)
	}
	if got := a.svc.Stats().Preempted; got != 1 {
		t.Fatalf("Stats.Preempted %d, want 1", got)
	}
	if m := a.events(&a.misbehaved); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

// ReservedServing slots are kept for favoured peers: when strangers hold
// the others, a stranger is busy and a favoured peer is served.
func TestServeKeepsSlotsForFavouredPeers(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) {
		c.Timeout = time.Minute
		c.Favoured = func(p identity.PublicKey) bool { return p == key('F') }
	})
	bigID := put(t, a.store, content(4*MaxChunk, 3))
	put(t, a.store, []byte("abc"))
	for i := range MaxServing - ReservedServing {
		// One transfer each: no stranger holds more than its share.
		slowGet(t, n, a, key(byte('a'+i)), bigID)
	}
	st := rawClient(t, n, a, key('S'))
	if _, err := st.Write(frames(message{Kind: kindGet, ID: idABC})); err != nil {
		t.Fatal(err)
	}
	want := frames(message{Kind: kindError, Code: codeBusy, Text: "busy: 6 transfers in progress; try later"})
	if got := readAll(t, st); !bytes.Equal(got, want) {
		t.Fatalf("a stranger's GET: answer %q, want %q", got, want)
	}
	exchange(t, rawClient(t, n, a, key('F')), frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
}

// unknownIDs returns n ids of blobs nobody holds, differing with seed.
func unknownIDs(n int, seed byte) []blob.ID {
	ids := make([]blob.ID, n)
	for i := range ids {
		ids[i] = blob.Sum([]byte{seed, byte(i), byte(i >> 8)})
	}
	return ids
}

// absentSizes is the HAVE of n ids nobody holds.
func absentSizes(n int) []int64 {
	sizes := make([]int64, n)
	for i := range sizes {
		sizes[i] = absent
	}
	return sizes
}

// A peer that asks for more look-ups than its burst waits for its answers,
// and is told to slow down when the wait would be too long; other peers
// are answered at once, and a new stream does not refill the bucket.
func TestServePacesLookups(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) {
		c.LookupRate = 1000
		c.LookupBurst = 300
	})
	st := rawClient(t, n, a, key('C'))
	start := time.Now()
	exchange(t, st, frames(message{Kind: kindQuery, IDs: unknownIDs(256, 1)}), frames(message{Kind: kindHave, Sizes: absentSizes(256)}))
	if got := a.svc.Stats().Throttled; got != 0 {
		t.Fatalf("within the burst: %d throttled, want 0", got)
	}
	exchange(t, st, frames(message{Kind: kindQuery, IDs: unknownIDs(256, 2)}), frames(message{Kind: kindHave, Sizes: absentSizes(256)}))
	// 512 look-ups with a burst of 300: the last 212 at 1000 a second,
	// however the time between the two QUERYs went.
	if waited := time.Since(start); waited < 212*time.Millisecond {
		t.Fatalf("the answer beyond the burst came %v after the first QUERY, want at least 212 ms", waited)
	}
	if got := a.svc.Stats().Throttled; got != 1 {
		t.Fatalf("%d throttled, want 1", got)
	}
	// Another peer has a bucket of its own.
	exchange(t, rawClient(t, n, a, key('D')), frames(message{Kind: kindQuery, IDs: unknownIDs(256, 3)}), frames(message{Kind: kindHave, Sizes: absentSizes(256)}))
	if got := a.svc.Stats().Throttled; got != 1 {
		t.Fatalf("%d throttled after another peer's QUERY, want still 1", got)
	}

	// At 10 look-ups a second, 256 more would wait 25 s: refused.
	b := n.addNode('B', 0, func(c *Config) {
		c.LookupRate = 10
		c.LookupBurst = 256
	})
	st = rawClient(t, n, b, key('C'))
	exchange(t, st, frames(message{Kind: kindQuery, IDs: unknownIDs(256, 1)}), frames(message{Kind: kindHave, Sizes: absentSizes(256)}))
	if _, err := st.Write(frames(message{Kind: kindQuery, IDs: unknownIDs(256, 2)})); err != nil {
		t.Fatal(err)
	}
	want := frames(message{Kind: kindError, Code: codeBusy, Text: "busy: more than 10 blob look-ups a second from you; slow down"})
	if got := readAll(t, st); !bytes.Equal(got, want) {
		t.Fatalf("answer %q, want %q", got, want)
	}
	// A new stream from the same peer finds the bucket as it was, not
	// refilled: 100 look-ups would wait 10 s.
	st = rawClient(t, n, b, key('C'))
	if _, err := st.Write(frames(message{Kind: kindQuery, IDs: unknownIDs(100, 3)})); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, st); !bytes.Equal(got, want) {
		t.Fatalf("on a new stream: answer %q, want %q", got, want)
	}
	if s := b.svc.Stats(); s.Throttled != 0 || s.Busy != 2 {
		t.Fatalf("stats %+v, want none throttled and 2 busy", s)
	}
	if m := append(a.events(&a.misbehaved), b.events(&b.misbehaved)...); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

// A peer holding no slot takes one from a peer holding two, however young
// and fast its transfers (every peer gets one slot before any gets two);
// a peer holding one already waits, so slow readers cannot keep the
// transfers young by taking each other's slots in turn.
func TestServeFairShareBeforeSecondSlots(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) {
		c.Timeout = time.Minute
		c.ServeGrace = time.Hour // the slow-transfer rule never applies here
	})
	bigID := put(t, a.store, content(4*MaxChunk, 3))
	put(t, a.store, []byte("abc"))
	var slow []*pipeEnd
	for i := range MaxServing {
		// Two transfers each from MaxServing/2 peers: every slot taken.
		slow = append(slow, slowGet(t, n, a, key(byte('a'+i/2)), bigID))
	}
	// A fresh peer holding none is served, though every transfer is
	// within its grace.
	exchange(t, rawClient(t, n, a, key('H')), frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
	reset := 0
	for _, st := range slow {
		_ = st.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := io.ReadFull(st, make([]byte, 1)); errors.Is(err, errStreamReset) {
			reset++
		}
	}
	if reset != 1 {
		t.Fatalf("%d transfers ended, want 1", reset)
	}
	if got := a.svc.Stats().Preempted; got != 1 {
		t.Fatalf("Stats.Preempted %d, want 1", got)
	}
	// Now 7 slots are held (once H's transfer has freed its slot: else J
	// would preempt one of a pair, and the slot H frees later would go to
	// the GET below, served on a stream the test then waits on for the
	// minute of the timeout); a new slow transfer by a fresh peer fills
	// the eighth. The peer that lost one holds one: its GET waits (busy),
	// it takes nothing from the peers holding two.
	waitTransfers(t, a, MaxServing-1)
	slowGet(t, n, a, key('J'), bigID)
	for p := byte('a'); p < 'a'+MaxServing/2; p++ {
		st := rawClient(t, n, a, key(p))
		if _, err := st.Write(frames(message{Kind: kindGet, ID: idABC})); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, st)
		if bytes.Equal(got, frames(message{Kind: kindError, Code: codeBusy, Text: "busy: 8 transfers in progress; try later"})) {
			if got := a.svc.Stats().Preempted; got != 1 {
				t.Fatalf("a peer holding a slot took another's: Stats.Preempted %d, want 1", got)
			}
			return
		}
	}
	t.Fatal("no peer held exactly one slot, or it was served")
}

// A peer whose slow transfer gave its slot up takes no slot from another
// for GaveWayBar: slow readers that lose their slots in turn cannot keep
// every transfer young (the honest peer of bench/hostile's
// blob-slow-read, 10 slow readers, got no blob in 177 s before).
func TestServeSlowPeerTakesNoSlotBack(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, func(c *Config) {
		c.Timeout = time.Minute
		c.MinServeRate = 1 << 20
		c.ServeGrace = 20 * time.Millisecond
	})
	bigID := put(t, a.store, content(4*MaxChunk, 3))
	put(t, a.store, []byte("abc"))
	slow := map[identity.PublicKey]*pipeEnd{}
	for i := range MaxServing {
		k := key(byte('a' + i)) // one transfer each: no peer holds two
		slow[k] = slowGet(t, n, a, k, bigID)
	}
	time.Sleep(50 * time.Millisecond) // past the grace
	exchange(t, rawClient(t, n, a, key('H')), frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
	var lost identity.PublicKey
	found := 0
	for k, st := range slow {
		_ = st.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := io.ReadFull(st, make([]byte, 1)); errors.Is(err, errStreamReset) {
			lost = k
			found++
		}
	}
	if found != 1 {
		t.Fatalf("%d slow transfers ended, want 1", found)
	}
	// H's transfer is over once its slot is freed (just after H read the
	// answer): fill that slot with another slow reader so that every slot
	// is taken once more (without waiting, J could find all eight still
	// taken and preempt a slow transfer itself).
	waitTransfers(t, a, MaxServing-1)
	slowGet(t, n, a, key('J'), bigID)
	// The peer that lost its slot holds none, every other transfer is
	// past the grace and slow: it is still busy, for GaveWayBar.
	st := rawClient(t, n, a, lost)
	if _, err := st.Write(frames(message{Kind: kindGet, ID: idABC})); err != nil {
		t.Fatal(err)
	}
	if got, want := readAll(t, st), frames(message{Kind: kindError, Code: codeBusy, Text: "busy: 8 transfers in progress; try later"}); !bytes.Equal(got, want) {
		t.Fatalf("the peer whose slow transfer gave way got %x, want busy %x", got, want)
	}
	if got := a.svc.Stats().Preempted; got != 1 {
		t.Fatalf("Stats.Preempted %d, want 1", got)
	}
	// Another peer holding none still takes a slow slot.
	exchange(t, rawClient(t, n, a, key('K')), frames(message{Kind: kindGet, ID: idABC}),
		frames(message{Kind: kindBlob, ID: idABC, Size: 3}, message{Kind: kindData, Data: []byte("abc")}))
}

// waitTransfers waits until nd serves want transfers.
func waitTransfers(t *testing.T, nd *node, want int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		nd.svc.servers.mu.Lock()
		held := len(nd.svc.servers.transfers)
		nd.svc.servers.mu.Unlock()
		if held == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d transfers in progress, want %d", held, want)
		}
		time.Sleep(time.Millisecond)
	}
}
