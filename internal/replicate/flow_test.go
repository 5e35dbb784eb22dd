package replicate

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// gatedStore blocks Ingest until open is closed.
type gatedStore struct {
	store.Store
	open chan struct{}
}

func (g *gatedStore) Ingest(ctx context.Context, es []*entry.Entry) ([]store.Result, error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Store.Ingest(ctx, es)
}

// tapConn records the bytes written to a connection.
type tapConn struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (c *tapConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.out = append(c.out, p[:n]...)
	c.mu.Unlock()
	return n, err
}

// frames decodes everything written.
func (c *tapConn) frames(t testing.TB) []Message {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Message
	for rest := c.out; len(rest) > 0; {
		body, err := readFrame(bytesReader(rest))
		if err != nil {
			t.Fatal(err)
		}
		m, err := DecodeMessage(body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
		rest = rest[FrameHeader+len(body):]
	}
	return out
}

// TestBackpressure: a receiver that does not store holds the sender to its
// window; ENTRIES stay within 256 entries and the message limit.
func TestBackpressure(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{CreditEntries: 300})
	gate := &gatedStore{Store: b.st, open: make(chan struct{})}
	b.eng.cfg.Store = gate
	small, big := newChain(t, 1, 1), newChain(t, 2, 2)
	ingest(t, a.st, small.add(t, 1000))
	for range 200 {
		seq := uint64(len(big.es) + 1)
		var back entry.ID
		if seq > 1 {
			back = big.es[seq-2].ID
		}
		payload := make([]byte, entry.MaxPayloadSize)
		payload[0] = byte(seq)
		e, err := entry.Sign(big.key, entry.Draft{LogID: big.log, Seq: seq, Backlink: back, Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		big.es = append(big.es, e)
	}
	ingest(t, a.st, big.es)

	ca, cb := net.Pipe()
	tap := &tapConn{Conn: ca}
	runPair(t, a, b, tap, cb)
	// Wait for a's sender to stall, then check it stalled at the window.
	var sent int64
	for i := 0; ; i++ {
		time.Sleep(20 * time.Millisecond)
		ss := a.eng.Sessions()
		if len(ss) == 1 && ss[0].EntriesSent == sent && sent > 0 {
			break
		}
		if len(ss) == 1 {
			sent = ss[0].EntriesSent
		}
		if i > 500 {
			t.Fatal("the sender did not stall within 10 s")
		}
	}
	if sent != 300 {
		t.Fatalf("the sender sent %d entries to a receiver that stored none, want its window of 300", sent)
	}
	close(gate.open)
	waitLive(t, a, b)
	waitHead(t, b.st, small.logKey(), 1000)
	waitHead(t, b.st, big.logKey(), 200)

	maxEntries, maxBody, cut := 0, 0, false
	for _, m := range tap.frames(t) {
		if es, ok := m.(*Entries); ok {
			body := len(AppendFrame(nil, m)) - FrameHeader
			maxEntries, maxBody = max(maxEntries, len(es.Entries)), max(maxBody, body)
			if len(es.Entries) < MaxEntriesPerMessage && body+entryWireSize(es.Entries[0]) > MaxMessage {
				cut = true
			}
		}
	}
	if maxEntries != MaxEntriesPerMessage || maxBody > MaxMessage || !cut {
		t.Fatalf("largest ENTRIES: %d entries, %d bytes (cut by size: %v); want %d entries and at most %d bytes, and large entries cut by size", maxEntries, maxBody, cut, MaxEntriesPerMessage, MaxMessage)
	}
}

// cutConn stops delivering reads after limit bytes until cut is closed,
// then fails them.
type cutConn struct {
	net.Conn
	mu    sync.Mutex
	left  int
	cut   chan struct{}
	ready chan struct{} // closed when the limit is reached
	once  sync.Once
}

func (c *cutConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	left := c.left
	c.mu.Unlock()
	if left == 0 {
		c.once.Do(func() { close(c.ready) })
		<-c.cut
		return 0, errors.New("cut")
	}
	n, err := c.Conn.Read(p[:min(len(p), left)])
	c.mu.Lock()
	c.left -= n
	c.mu.Unlock()
	return n, err
}

// TestResume: a stream cut in the middle of a transfer; the next session
// sends exactly what was not stored.
func TestResume(t *testing.T) {
	a, b := newNode(t, 1, Limits{}), newNode(t, 2, Limits{})
	var cs []*chain
	for i := range 3 {
		c := newChain(t, 30+i, 1)
		ingest(t, a.st, c.add(t, 400))
		cs = append(cs, c)
	}
	ca, cb := net.Pipe()
	cut := &cutConn{Conn: cb, left: 80 << 10, cut: make(chan struct{}), ready: make(chan struct{})}
	l := runPair(t, a, b, ca, cut)
	<-cut.ready
	stored := func() int64 {
		var n int64
		for _, h := range heads(t, b.st) {
			n += int64(h.Seq)
		}
		return n
	}
	// Wait until everything b received is stored, then cut.
	for i := 0; ; i++ {
		ss := b.eng.Sessions()
		if len(ss) == 1 && ss[0].EntriesReceived > 0 && ss[0].EntriesReceived == stored() {
			break
		}
		if i > 1000 {
			t.Fatal("b did not store what it received within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(cut.cut)
	for name, ch := range map[string]chan error{"a": l.errA, "b": l.errB} {
		select {
		case err := <-ch:
			ch <- err
			if err == nil {
				t.Fatalf("%s: the cut session ended without an error", name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the cut session did not end within 10 s", name)
		}
	}
	m := stored()
	if m == 0 || m >= 1200 {
		t.Fatalf("%d entries stored before the cut; want part of 1200", m)
	}

	connect(t, a, b)
	sa, sb := waitLive(t, a, b)
	checkState(t, "a", sa, 0, 0, 0, 1200-m)
	checkState(t, "b", sb, 3, 1200-m, 1200-m, 0)
	for _, c := range cs {
		waitHead(t, b.st, c.logKey(), 400)
	}
}
