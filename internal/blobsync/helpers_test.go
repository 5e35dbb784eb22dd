package blobsync

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// waitLimit bounds every wait in the tests.
const waitLimit = 5 * time.Second

// encode returns the body of m, made by the encoders the package uses.
func encode(m message) []byte {
	switch m.Kind {
	case kindQuery:
		return appendQuery(nil, m.IDs)
	case kindHave:
		return appendHave(nil, m.Sizes)
	case kindGet:
		return appendGet(nil, m.ID, m.Offset)
	case kindBlob:
		return appendBlob(nil, m.ID, m.Size, m.Offset)
	case kindData:
		return append(appendDataHead(nil, len(m.Data)), m.Data...)
	case kindNotFound:
		return appendNotFound(nil, m.ID)
	case kindError:
		return appendError(nil, m.Code, m.Text)
	}
	panic(fmt.Sprintf("encode: kind %d", m.Kind))
}

// frame prefixes body with its length.
func frame(body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// frames returns the framed encodings of ms, one after the other.
func frames(ms ...message) []byte {
	var b []byte
	for _, m := range ms {
		b = append(b, frame(encode(m))...)
	}
	return b
}

// dataFrames returns the DATA messages that send b in chunks of MaxChunk.
func dataFrames(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), MaxChunk)
		out = append(out, frames(message{Kind: kindData, Data: b[:n]})...)
		b = b[n:]
	}
	return out
}

// content returns n deterministic bytes that differ with seed.
func content(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) + seed
	}
	return b
}

// key returns a test peer key.
func key(name byte) identity.PublicKey { return identity.PublicKey{name} }

var errStreamReset = errors.New("stream reset")

// pipeEnd is one end of an in-memory stream. Reset breaks the stream for
// both ends, which then read "stream reset" instead of a clean end.
type pipeEnd struct {
	net.Conn
	reset   *atomic.Bool
	onClose func()
	once    sync.Once
}

func pipe() (client, server *pipeEnd) {
	a, b := net.Pipe()
	reset := new(atomic.Bool)
	return &pipeEnd{Conn: a, reset: reset}, &pipeEnd{Conn: b, reset: reset}
}

func (p *pipeEnd) explain(err error) error {
	if err != nil && p.reset.Load() {
		return errStreamReset
	}
	return err
}

func (p *pipeEnd) Read(b []byte) (int, error) {
	n, err := p.Conn.Read(b)
	return n, p.explain(err)
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	n, err := p.Conn.Write(b)
	return n, p.explain(err)
}

func (p *pipeEnd) Close() error {
	p.once.Do(func() {
		if p.onClose != nil {
			p.onClose()
		}
	})
	return p.Conn.Close()
}

func (p *pipeEnd) Reset() error {
	p.reset.Store(true)
	return p.Close()
}

// responder handles the far end of a stream opened to a test peer.
type responder func(ctx context.Context, from identity.PublicKey, st *pipeEnd)

// testNet connects test nodes and scripted peers with in-memory streams.
type testNet struct {
	t   *testing.T
	ctx context.Context
	wg  sync.WaitGroup

	mu        sync.Mutex
	responder map[identity.PublicKey]responder
	links     map[identity.PublicKey][]identity.PublicKey
	open      map[[2]identity.PublicKey]int // streams open now, from → to
	maxOpen   map[[2]identity.PublicKey]int
	openFrom  map[identity.PublicKey]int // streams open now, from
	maxFrom   map[identity.PublicKey]int
	opened    map[[2]identity.PublicKey]int // streams opened in all
}

func newNet(t *testing.T) *testNet {
	n := &testNet{
		t: t, ctx: t.Context(),
		responder: map[identity.PublicKey]responder{},
		links:     map[identity.PublicKey][]identity.PublicKey{},
		open:      map[[2]identity.PublicKey]int{},
		maxOpen:   map[[2]identity.PublicKey]int{},
		openFrom:  map[identity.PublicKey]int{},
		maxFrom:   map[identity.PublicKey]int{},
		opened:    map[[2]identity.PublicKey]int{},
	}
	// t.Context is cancelled before cleanups run: Serve and Run end, and
	// this waits for them.
	t.Cleanup(n.wg.Wait)
	return n
}

// node is a Service on a blob store of its own, recording its callbacks.
type node struct {
	key   identity.PublicKey
	store *blob.Store
	svc   *Service

	mu         sync.Mutex
	fetched    []event
	refused    []event
	misbehaved []event
}

type event struct {
	id   blob.ID
	peer identity.PublicKey
	err  error
}

func (nd *node) events(which *[]event) []event {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return slices.Clone(*which)
}

// addNode adds a node with a blob store limited to maxSize (0: default).
// configure may change its Config.
func (n *testNet) addNode(name byte, maxSize int64, configure func(*Config)) *node {
	store, err := blob.Open(n.t.TempDir(), maxSize)
	if err != nil {
		n.t.Fatal(err)
	}
	nd := &node{key: key(name), store: store}
	cfg := Config{
		Blobs:   store,
		Open:    n.opener(nd.key),
		Peers:   func() []identity.PublicKey { return n.peers(nd.key) },
		Retry:   10 * time.Millisecond,
		Timeout: 2 * time.Second,
		OnFetched: func(id blob.ID, from identity.PublicKey) {
			nd.mu.Lock()
			nd.fetched = append(nd.fetched, event{id: id, peer: from})
			nd.mu.Unlock()
		},
		OnRefused: func(id blob.ID, from identity.PublicKey, err error) {
			nd.mu.Lock()
			nd.refused = append(nd.refused, event{id: id, peer: from, err: err})
			nd.mu.Unlock()
		},
		OnMisbehaviour: func(peer identity.PublicKey, err error) {
			nd.mu.Lock()
			nd.misbehaved = append(nd.misbehaved, event{peer: peer, err: err})
			nd.mu.Unlock()
		},
	}
	if configure != nil {
		configure(&cfg)
	}
	nd.svc = New(cfg)
	n.mu.Lock()
	n.responder[nd.key] = func(ctx context.Context, from identity.PublicKey, st *pipeEnd) {
		nd.svc.Serve(ctx, from, st)
	}
	n.mu.Unlock()
	return nd
}

// addScripted adds a peer whose streams r answers.
func (n *testNet) addScripted(name byte, r responder) identity.PublicKey {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.responder[key(name)] = r
	return key(name)
}

// link connects a and b both ways.
func (n *testNet) link(a, b identity.PublicKey) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.links[a] = append(n.links[a], b)
	n.links[b] = append(n.links[b], a)
}

func (n *testNet) peers(of identity.PublicKey) []identity.PublicKey {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.links[of])
}

// opener returns the Config.Open of node from.
func (n *testNet) opener(from identity.PublicKey) func(context.Context, identity.PublicKey) (Stream, error) {
	return func(ctx context.Context, to identity.PublicKey) (Stream, error) {
		n.mu.Lock()
		defer n.mu.Unlock()
		r := n.responder[to]
		if r == nil || !slices.Contains(n.links[from], to) {
			return nil, fmt.Errorf("not connected to %s", to.Device())
		}
		pair := [2]identity.PublicKey{from, to}
		n.open[pair]++
		n.opened[pair]++
		n.maxOpen[pair] = max(n.maxOpen[pair], n.open[pair])
		n.openFrom[from]++
		n.maxFrom[from] = max(n.maxFrom[from], n.openFrom[from])
		client, server := pipe()
		client.onClose = func() {
			n.mu.Lock()
			n.open[pair]--
			n.openFrom[from]--
			n.mu.Unlock()
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			r(n.ctx, from, server)
		}()
		return client, nil
	}
}

// run starts nd's background fetching until the test ends.
func (n *testNet) run(nd *node) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		nd.svc.Run(n.ctx)
	}()
}

// eventually waits until cond holds, failing the test after waitLimit.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitLimit, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// put stores b in nd's blob store and returns its id.
func put(t *testing.T, s *blob.Store, b []byte) blob.ID {
	t.Helper()
	id, _, err := s.Put(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// holds reports whether s holds blob id with exactly the bytes want.
func holds(t *testing.T, s *blob.Store, id blob.ID, want []byte) bool {
	t.Helper()
	rc, _, err := s.Open(id)
	if errors.Is(err, blob.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("blob %s holds %d other bytes", id, len(got))
	}
	return true
}

// script answers each request read from st with the next answer (raw
// bytes; empty for none), then ends the stream as end says: "close", "reset" or "hang"
// (wait until the requester closes).
func script(end string, answers ...[]byte) responder {
	return func(ctx context.Context, from identity.PublicKey, st *pipeEnd) {
		defer st.Close()
		r := newFrameReader(st)
		for _, a := range answers {
			if _, err := r.next(); err != nil {
				return
			}
			if len(a) == 0 {
				continue // answer nothing
			}
			if _, err := st.Write(a); err != nil {
				return
			}
		}
		switch end {
		case "reset":
			_ = st.Reset()
		case "hang":
			_, _ = io.Copy(io.Discard, st)
		}
	}
}

// rawClient opens a stream to nd's Serve as peer from, for tests that
// speak the protocol by hand.
func rawClient(t *testing.T, n *testNet, nd *node, from identity.PublicKey) *pipeEnd {
	t.Helper()
	client, server := pipe()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		nd.svc.Serve(n.ctx, from, server)
	}()
	t.Cleanup(func() { client.Close() })
	return client
}

// readAll reads everything until the stream ends.
func readAll(t *testing.T, st io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(st)
	if err != nil && !errors.Is(err, io.ErrClosedPipe) {
		t.Fatal(err)
	}
	return b
}

// waitStats waits until nd's stats are want (the last counts of a stream
// are added just after the peer has read its bytes).
func waitStats(t *testing.T, nd *node, want Stats) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		got := nd.svc.Stats()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: stats %+v, want %+v", nd.key.Device(), got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
