package replicate

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
	"time"
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

// TestReconcileStreamedMemory: a peer that has sent half of a RECONCILE of
// 1.9 MB holds little of this node's memory. The reader used to read a
// frame whole into a buffer of its size, allocated when its length arrived
// (10 peers sending RECONCILE after RECONCILE held 20 MB of frames); now it
// decodes a RECONCILE range by range as it arrives and hands the ranges to
// the session loop in small parts.
func TestReconcileStreamedMemory(t *testing.T) {
	n := newNode(t, 1, Limits{MaxPeerHeads: 100})
	c := newChain(t, 100, 1)
	ingest(t, n.st, c.add(t, 2))
	n.scope.setWants(c.logKey())
	frame := AppendFrame(nil, &Reconcile{Ranges: floodRanges(floodItems(t, 18_000), true)})
	f := newFakePeer(t, n, 1, true)
	f.hello()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	half := len(frame) / 2
	f.sendRaw(frame[:half]) // returns once the engine read it
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	const limit = 512 << 10
	t.Logf("%d bytes of the heap held after %d of a RECONCILE's %d bytes", held, half, len(frame))
	if held > limit {
		t.Fatalf("after %d bytes of a RECONCILE of %d, the node holds %d more bytes of heap, want at most %d", half, len(frame), held, limit)
	}
	f.sendRaw(frame[half:])
	if m, _ := f.next(KindReconcile); len(m.(*Reconcile).Ranges) == 0 {
		t.Fatal("the answer has no ranges")
	}
}

// TestReadFrameIntoExact: a frame that does not fit the buffer at hand is
// read into a new buffer of exactly its size, and one that fits into the
// buffer given. Decoded ENTRIES alias their frame until they are stored,
// so a buffer with room to spare would hold more memory than the credit
// granted (a first version rounded new buffers up to 64 KiB: an ENTRIES of
// 80 KB held 128 KiB).
func TestReadFrameIntoExact(t *testing.T) {
	for _, size := range []int{1, 100, 80_000, MaxMessage} {
		frame := binary.BigEndian.AppendUint32(nil, uint32(size))
		frame = append(frame, make([]byte, size)...)
		body, err := readFrameInto(bytes.NewReader(frame), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) != size || cap(body) != size {
			t.Errorf("a frame of %d bytes read into a buffer of %d (capacity %d)", size, len(body), cap(body))
		}
		buf := make([]byte, 0, MaxMessage)
		again, err := readFrameInto(bytes.NewReader(frame), buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != size || &again[0] != &buf[:1][0] {
			t.Errorf("a frame of %d bytes not read into the buffer given", size)
		}
	}
}
