package blobsync

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Stream is one blob protocol stream to or from an authenticated peer: an
// ordered, reliable, bidirectional byte stream (a libp2p stream). Close
// ends it. A stream that also has a Reset() error method (libp2p streams
// do) is reset instead of closed when a transfer is abandoned midway, so
// the peer sees a broken stream rather than a clean end of file, which it
// would count as misbehaviour.
type Stream interface{ io.ReadWriteCloser }

// resetter is the optional abortive close of a Stream.
type resetter interface{ Reset() error }

// guardedStream wraps a Stream: it counts bytes, aborts the stream when a
// Read or Write makes no progress for a timeout or when a context ends,
// and then says so in the errors it returns.
type guardedStream struct {
	st       Stream
	timeout  time.Duration
	in, out  *atomic.Int64
	timer    *time.Timer
	stopCtx  func() bool
	ctx      context.Context
	expired  atomic.Bool
	why      atomic.Pointer[error] // set by abortWith
	once     sync.Once
	closeErr error
}

// guard wraps st. Bytes read and written are added to in and out.
func guard(ctx context.Context, st Stream, timeout time.Duration, in, out *atomic.Int64) *guardedStream {
	g := &guardedStream{st: st, timeout: timeout, in: in, out: out, ctx: ctx}
	g.timer = time.AfterFunc(time.Hour, func() {
		g.expired.Store(true)
		g.abort()
	})
	g.timer.Stop()
	g.stopCtx = context.AfterFunc(ctx, g.abort)
	return g
}

func (g *guardedStream) Read(p []byte) (int, error) {
	g.timer.Reset(g.timeout)
	n, err := g.st.Read(p)
	g.timer.Stop()
	g.in.Add(int64(n))
	return n, g.explain(err)
}

func (g *guardedStream) Write(p []byte) (int, error) {
	g.timer.Reset(g.timeout)
	n, err := g.st.Write(p)
	g.timer.Stop()
	g.out.Add(int64(n))
	return n, g.explain(err)
}

// explain replaces the error of an operation that failed because the
// stream was aborted with the reason.
func (g *guardedStream) explain(err error) error {
	switch {
	case err == nil:
		return nil
	case g.expired.Load():
		return fmt.Errorf("the peer sent or accepted nothing for %v: %w", g.timeout, errTimeout)
	case g.why.Load() != nil:
		return *g.why.Load()
	case g.ctx.Err() != nil:
		return fmt.Errorf("stopped: %w", context.Cause(g.ctx))
	}
	return err
}

// abortWith aborts the stream for reason, which the operations that fail
// then return.
func (g *guardedStream) abortWith(reason error) {
	g.why.CompareAndSwap(nil, &reason)
	g.abort()
}

// abort ends the stream abruptly: Reset when it can, else Close.
func (g *guardedStream) abort() {
	g.once.Do(func() {
		if r, ok := g.st.(resetter); ok {
			g.closeErr = r.Reset()
		} else {
			g.closeErr = g.st.Close()
		}
	})
}

// Close ends the stream normally and releases the timer.
func (g *guardedStream) Close() error {
	g.timer.Stop()
	g.stopCtx()
	g.once.Do(func() { g.closeErr = g.st.Close() })
	return g.closeErr
}

// errTimeout is the cause of errors from a stream that was aborted because
// the peer stalled.
var errTimeout = timeoutError{}

type timeoutError struct{}

func (timeoutError) Error() string { return "blob stream timed out" }
func (timeoutError) Timeout() bool { return true }
