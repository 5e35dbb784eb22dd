package hostile

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	mss "github.com/multiformats/go-multistream"
)

// syncConn is one sync stream an attacker opened: it sent HELLO (and a
// CREDIT), and a reader goroutine takes the node's messages.
type syncConn struct {
	s          syncStream
	r          *recorder
	reconciles chan []byte   // the node's RECONCILE bodies
	done       chan struct{} // closed when the reader stops
	writeMu    sync.Mutex
}

// syncStream is what a syncConn needs of its stream: a libp2p stream of a
// host Attacker, or a bare yamux stream (bareConn).
type syncStream interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
	SetWriteDeadline(time.Time) error
	Reset() error
}

// openSync opens a sync stream from a to t and sends HELLO and CREDIT.
// onEntries, if set, is called with each ENTRIES body the node sends.
func openSync(ctx context.Context, a *Attacker, t Target, r *recorder, credit []byte, onEntries func(c *syncConn, body []byte)) (*syncConn, error) {
	octx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := a.Open(octx, t, syncProtocol)
	if err != nil {
		return nil, err
	}
	return startSync(s, r, credit, onEntries)
}

// openSyncBare opens a sync stream on b (negotiating the protocol by hand)
// and sends HELLO and CREDIT, as openSync does.
func openSyncBare(ctx context.Context, b *bareConn, r *recorder, credit []byte, onEntries func(c *syncConn, body []byte)) (*syncConn, error) {
	octx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := b.sess.OpenStream(octx)
	if err != nil {
		return nil, err
	}
	if dl, ok := octx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	if err := mss.SelectProtoOrFail(syncProtocol, s); err != nil {
		_ = s.Reset()
		return nil, err
	}
	_ = s.SetDeadline(time.Time{})
	return startSync(s, r, credit, onEntries)
}

// startSync starts the reader of a sync stream s and sends HELLO and
// CREDIT (credit, or one entry and 64 KiB when nil).
func startSync(s syncStream, r *recorder, credit []byte, onEntries func(c *syncConn, body []byte)) (*syncConn, error) {
	r.streams.Add(1)
	c := &syncConn{s: s, r: r, reconciles: make(chan []byte, 4), done: make(chan struct{})}
	go c.read(onEntries)
	if credit == nil {
		credit = syncCredit(1, 65536)
	}
	if err := c.send(syncHello()); err != nil {
		c.close()
		return nil, err
	}
	if err := c.send(credit); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// send writes one message.
func (c *syncConn) send(body []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.s.SetWriteDeadline(time.Now().Add(time.Minute))
	f := frame(body)
	if _, err := c.s.Write(f); err != nil {
		return err
	}
	c.r.sent(1, len(f))
	return nil
}

func (c *syncConn) read(onEntries func(*syncConn, []byte)) {
	defer close(c.done)
	for {
		body, err := readFrame(c.s, maxSyncBody)
		if err != nil {
			c.r.answer(streamEnd("sync", err))
			return
		}
		switch kindOf(body) {
		case kindReconcile:
			select {
			case c.reconciles <- body:
			default:
			}
		case kindEntries:
			if onEntries != nil {
				onEntries(c, body)
			}
		case kindBye:
			c.r.answer(fmt.Sprintf("sync: bye %d", byeCode(body)))
			return
		}
	}
}

// close resets the stream (a hostile peer says no goodbye).
func (c *syncConn) close() { _ = c.s.Reset() }

// streamEnd names how a stream of proto ended on the node's side.
func streamEnd(proto string, err error) string {
	var se *network.StreamError
	switch {
	case errors.As(err, &se) || errors.Is(err, network.ErrReset):
		return proto + ": reset"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return proto + ": cut by the attacker"
	}
	return proto + ": closed"
}
