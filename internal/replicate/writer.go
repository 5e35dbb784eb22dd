package replicate

import (
	"bufio"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// writeDeadliner is the optional deadline support of a Stream.
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// writer owns the outgoing half of a stream: every frame of a session goes
// through it, so no other goroutine ever blocks on the peer reading. It has
// two queues: control frames (never refused, written first) and data frames
// (ENTRIES and what must stay in order with them), whose queued bytes are
// bounded so that a sender waits for a slow peer: at most limit for the
// session, and beyond the pool's floor only with bytes from the pool that
// all the engine's sessions share.
type writer struct {
	stream  Stream
	bw      *bufio.Writer
	timeout time.Duration
	limit   int // data bytes queued before data() waits
	pool    *sendPool
	onError func(error)
	out     *atomic.Int64 // bytes written

	dequeued atomic.Uint64 // control frames taken from the queue for writing
	quit     atomic.Bool   // stopping or failed: pool waits give up
	queuedB  atomic.Int64  // dataBytes, for pool waits
	poolWait atomic.Bool   // the sender waits for the pool

	mu         sync.Mutex
	cond       *sync.Cond
	queued     uint64 // control frames ever queued
	control    [][]byte
	data       []dataFrame
	dataBytes  int
	pooledData int  // of dataBytes, taken from the pool
	stopping   bool // no new frames; write the control frames queued, then end
	failed     bool
	done       chan struct{}
}

// dataFrame is a queued data frame; pooled: its bytes came from the pool.
type dataFrame struct {
	b      []byte
	pooled bool
}

func newWriter(s Stream, timeout time.Duration, limit int, pool *sendPool, out *atomic.Int64, onError func(error)) *writer {
	w := &writer{stream: s, bw: bufio.NewWriterSize(s, 64<<10), timeout: timeout, limit: limit, pool: pool, out: out, onError: onError, done: make(chan struct{})}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// sendControl queues a control frame and returns its number (the first
// is 1; see taken). It never blocks.
func (w *writer) sendControl(frame []byte) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queued++
	if w.stopping || w.failed {
		return w.queued
	}
	w.control = append(w.control, frame)
	w.cond.Broadcast()
	return w.queued
}

// taken reports whether the control frame numbered n was taken from the
// queue to be written: if not, not a byte of it can have reached the peer.
func (w *writer) taken(n uint64) bool { return w.dequeued.Load() >= n }

// sendData queues a data frame, first waiting while the data queue is over
// its limit and, beyond the pool's floor, for bytes of the pool. It
// returns false when the writer is stopping or failed.
func (w *writer) sendData(frame []byte) bool {
	w.mu.Lock()
	for w.dataBytes > w.limit && !w.stopping && !w.failed {
		w.cond.Wait()
	}
	if w.stopping || w.failed {
		w.mu.Unlock()
		return false
	}
	pooled := w.dataBytes+len(frame) > w.pool.floor
	w.mu.Unlock()
	if pooled {
		// Wait for the pool, or until the session's own queue has
		// drained enough to take the frame without it.
		w.poolWait.Store(true)
		took := w.pool.take(len(frame), func() bool {
			return w.quit.Load() || w.queuedB.Load()+int64(len(frame)) <= int64(w.pool.floor)
		})
		w.poolWait.Store(false)
		if !took {
			return w.sendData(frame) // stopping (it returns false), or room of its own now
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopping || w.failed {
		if pooled {
			w.pool.give(len(frame))
		}
		return false
	}
	w.data = append(w.data, dataFrame{b: frame, pooled: pooled})
	w.dataBytes += len(frame)
	w.queuedB.Store(int64(w.dataBytes))
	if pooled {
		w.pooledData += len(frame)
	}
	w.cond.Broadcast()
	return true
}

// dropDataLocked drops the queued data frames and gives their pool bytes
// back; the writer is stopping or failed. The caller holds mu.
func (w *writer) dropDataLocked() {
	w.pool.give(w.pooledData)
	w.data, w.dataBytes, w.pooledData = nil, 0, 0
	w.queuedB.Store(0)
	w.quit.Store(true)
	w.pool.wake()
}

// stop drops the queued data, queues last (a BYE; nil for none) after the
// queued control frames, and makes run end once they are written.
func (w *writer) stop(last []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopping {
		return
	}
	if last != nil && !w.failed {
		w.control = append(w.control, last)
	}
	w.stopping = true
	w.dropDataLocked()
	w.cond.Broadcast()
}

// run writes frames until stop (or a write error) and closes done.
func (w *writer) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.control) == 0 && len(w.data) == 0 && !w.stopping {
			if w.bw.Buffered() > 0 {
				w.mu.Unlock()
				if !w.do(w.bw.Flush) {
					return
				}
				w.mu.Lock()
				continue
			}
			w.cond.Wait()
		}
		var frame []byte
		switch {
		case len(w.control) > 0:
			frame, w.control = w.control[0], w.control[1:]
			w.dequeued.Add(1)
		case len(w.data) > 0:
			var d dataFrame
			d, w.data = w.data[0], w.data[1:]
			frame = d.b
			w.dataBytes -= len(frame)
			w.queuedB.Store(int64(w.dataBytes))
			if d.pooled {
				w.pooledData -= len(frame)
				w.pool.give(len(frame))
			} else if w.poolWait.Load() {
				w.pool.wake() // the sender may fit the frame on its own now
			}
			w.cond.Broadcast()
		default: // stopping, nothing left
			w.mu.Unlock()
			w.do(w.bw.Flush)
			return
		}
		w.mu.Unlock()
		if !w.do(func() error { _, err := w.bw.Write(frame); return err }) {
			return
		}
		w.out.Add(int64(len(frame)))
	}
}

// do runs one write under the write deadline; on error it marks the writer
// failed, reports the error and returns false.
func (w *writer) do(write func() error) bool {
	if d, ok := w.stream.(writeDeadliner); ok {
		_ = d.SetWriteDeadline(time.Now().Add(w.timeout))
	}
	if err := write(); err != nil {
		w.mu.Lock()
		w.failed = true
		w.control = nil
		w.dropDataLocked()
		w.cond.Broadcast()
		w.mu.Unlock()
		w.onError(fmt.Errorf("write to the stream: %w", err))
		return false
	}
	return true
}
