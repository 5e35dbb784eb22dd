package replicate

import (
	"runtime"
	"testing"
)

// TestReconcileFloodAllocation: what answering one hostile RECONCILE (15,000
// random items of logs this node does not want, 1.6 MB, ending with a
// fingerprint that cannot match) allocates. Ten such sessions at once took
// a node of 200,000 entries to 277 MB RSS (issue 11): each message was read
// into a new buffer, its items decoded all at once, and the items learned
// collected in a slice grown by appending: 10.9 MB allocated per message,
// garbage a moment later, and the collector lets the heap grow to twice
// what is live. Now the reader reads each frame into the buffer of the one
// before, the items stay encoded until their range is answered, and the
// items learned go to the session range by range: about 94 KB a message
// (its ranges, the answer).
func TestReconcileFloodAllocation(t *testing.T) {
	const perMsg, msgs = 15_000, 6
	n := newNode(t, 1, Limits{MaxPeerHeads: 100})
	c := newChain(t, 100, 1)
	ingest(t, n.st, c.add(t, 2))
	n.scope.setWants(c.logKey()) // none of the peer's random logs
	frames := make([][]byte, msgs)
	for i := range frames {
		frames[i] = AppendFrame(nil, &Reconcile{Ranges: floodRanges(floodItems(t, perMsg), true)})
	}
	f := newFakePeer(t, n, 1, true)
	f.hello()
	exchange := func(frame []byte) {
		f.sendRaw(frame)
		if m, _ := f.next(KindReconcile); len(m.(*Reconcile).Ranges) == 0 {
			t.Fatal("the answer has no ranges")
		}
	}
	exchange(frames[0]) // the session's buffers exist from here on
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, fr := range frames[1:] {
		exchange(fr)
	}
	runtime.ReadMemStats(&after)
	per := (after.TotalAlloc - before.TotalAlloc) / (msgs - 1)
	const limit = 192 << 10
	if per > limit {
		t.Fatalf("answering a RECONCILE of %d items (%d bytes) allocated %d bytes, want at most %d", perMsg, len(frames[1]), per, limit)
	}
	t.Logf("%d bytes allocated per RECONCILE of %d items (%d bytes)", per, perMsg, len(frames[1]))
}
