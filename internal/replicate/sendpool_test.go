package replicate

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSharedWriteBuffer: ten sessions whose peers read nothing queue ENTRIES
// frames of 100 KiB. Each session may queue 1 MiB (and one frame more), of
// which its first 256 KiB on its own and the rest from a pool of 4 MiB that
// all share: 2 frames each on their own and 40 from the pool, 60 frames
// together (without the pool, 11 each: 110). Stopping a writer gives its
// pooled bytes back, and a writer waiting for the pool gives up when it
// stops.
func TestSharedWriteBuffer(t *testing.T) {
	const (
		writers = 10
		frameKB = 100
		own     = 256 << 10
		shared  = 4 << 20
		limit   = 1 << 20
	)
	pool := newSendPool(shared, own)
	frame := make([]byte, frameKB<<10)
	var ws []*writer
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		a, b := net.Pipe() // nobody reads b; run is not started: nothing is written
		t.Cleanup(func() { a.Close(); b.Close() })
		w := newWriter(a, time.Minute, limit, pool, &atomic.Int64{}, func(error) {})
		ws = append(ws, w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w.sendData(frame) {
				accepted.Add(1)
			}
		}()
	}
	want := int64(writers*2 + shared/(frameKB<<10))
	deadline := time.Now().Add(10 * time.Second)
	for accepted.Load() < want && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // a frame beyond the bound would be queued by now
	if got := accepted.Load(); got != want {
		t.Fatalf("%d frames of %d KiB queued by %d writers; want %d", got, frameKB, writers, want)
	}
	queued := 0
	for _, w := range ws {
		w.mu.Lock()
		queued += w.dataBytes
		w.mu.Unlock()
	}
	if queued != int(want)*len(frame) {
		t.Fatalf("%d bytes queued, want %d", queued, int(want)*len(frame))
	}
	for _, w := range ws {
		w.stop(nil)
	}
	wg.Wait() // every sender gave up
	pool.mu.Lock()
	free := pool.free
	pool.mu.Unlock()
	if free != shared {
		t.Fatalf("the pool has %d bytes free after every writer stopped, want %d", free, shared)
	}
}

// TestSharedWriteBufferEmpty: while other sessions hold the whole pool, a
// session whose peer reads still sends: a frame that waits for the pool
// is queued on the session's own once its queue drains below the floor.
func TestSharedWriteBufferEmpty(t *testing.T) {
	const frameKB, own, shared = 100, 256 << 10, 4 << 20
	pool := newSendPool(shared, own)
	if !pool.take(shared, func() bool { return false }) { // a slow session holds it all
		t.Fatal("take the whole pool")
	}
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	w := newWriter(a, time.Minute, 1<<20, pool, &atomic.Int64{}, func(error) {})
	go w.run()
	t.Cleanup(func() { w.stop(nil) })
	frame := make([]byte, frameKB<<10)
	sent := make(chan int)
	go func() {
		n := 0
		for n < 20 && w.sendData(frame) {
			n++
		}
		sent <- n
	}()
	// Nobody reads yet: the first frame is being written, the second is
	// queued, the third waits for the pool.
	deadline := time.Now().Add(10 * time.Second)
	for !w.poolWait.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the sender never waited for the pool")
		}
		time.Sleep(time.Millisecond)
	}
	got := make(chan int)
	go func() {
		n, buf := 0, make([]byte, 64<<10)
		for n < 20*len(frame) {
			k, err := b.Read(buf)
			if err != nil {
				break
			}
			n += k
		}
		got <- n
	}()
	select {
	case n := <-sent:
		if n != 20 {
			t.Fatalf("%d frames sent, want 20", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sender still waits for the pool although its own queue drained")
	}
	if n := <-got; n != 20*len(frame) {
		t.Fatalf("the peer read %d bytes, want %d", n, 20*len(frame))
	}
}
