package replicate

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// fakePeer is a peer driven message by message by a test, against a real
// engine at the other end of a net.Pipe. It reads everything the engine
// writes on its own goroutine, so the engine never blocks on it.
type fakePeer struct {
	t      testing.TB
	key    identity.PublicKey
	conn   net.Conn
	msgs   chan Message
	result chan error // Engine.Run's return
}

// newFakePeer starts a session of n with a fake peer. fakeInitiates says
// which side opened the stream.
func newFakePeer(t testing.TB, n *node, keyN int, fakeInitiates bool) *fakePeer {
	t.Helper()
	mine, theirs := net.Pipe()
	f := &fakePeer{t: t, key: testKey(t, 5000+keyN).Public(), conn: mine, msgs: make(chan Message, 100000), result: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		mine.Close()
		select {
		case <-f.result:
		case <-time.After(10 * time.Second):
			t.Error("the engine's session did not end within 10 s of the test")
		}
	})
	go func() { f.result <- n.eng.Run(ctx, f.key, theirs, !fakeInitiates) }()
	go func() {
		defer close(f.msgs)
		for {
			m, _, err := ReadMessage(mine)
			if err != nil {
				return
			}
			f.msgs <- m
		}
	}()
	return f
}

func (f *fakePeer) send(ms ...Message) {
	f.t.Helper()
	for _, m := range ms {
		f.sendRaw(AppendFrame(nil, m))
	}
}

func (f *fakePeer) sendRaw(b []byte) {
	f.t.Helper()
	f.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := f.conn.Write(b); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		f.t.Fatalf("fake peer write: %v", err)
	}
}

// hello sends HELLO and a credit.
func (f *fakePeer) hello() {
	f.t.Helper()
	f.send(&Hello{Version: Version}, &Credit{Entries: 1000, Bytes: MinCreditBytes * 4})
}

// next returns the next message of kind k, skipping others (which it
// returns too, in order).
func (f *fakePeer) next(k Kind) (Message, []Message) {
	f.t.Helper()
	var skipped []Message
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-f.msgs:
			if !ok {
				f.t.Fatalf("the stream ended before a %s (got %v)", k, kinds(skipped))
			}
			if m.Kind() == k {
				return m, skipped
			}
			skipped = append(skipped, m)
		case <-timeout:
			f.t.Fatalf("no %s within 10 s (got %v)", k, kinds(skipped))
		}
	}
}

// bye waits for the engine's BYE and its Run result.
func (f *fakePeer) bye() (*Bye, error) {
	f.t.Helper()
	m, _ := f.next(KindBye)
	select {
	case err := <-f.result:
		f.result <- err
		return m.(*Bye), err
	case <-time.After(10 * time.Second):
		f.t.Fatal("Run did not return within 10 s of its BYE")
	}
	return nil, nil
}

func kinds(ms []Message) []Kind {
	out := make([]Kind, len(ms))
	for i, m := range ms {
		out[i] = m.Kind()
	}
	return out
}
