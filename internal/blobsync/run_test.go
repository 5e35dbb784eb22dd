package blobsync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// A has a blob; C is connected to B only. C wants the blob before B has
// it; B then fetches it from A, and C gets it from B on a retry.
func TestBlobReachesCThroughB(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	b := n.addNode('B', 0, nil)
	c := n.addNode('C', 0, nil)
	n.link(a.key, b.key)
	n.link(b.key, c.key)
	data := content(2*MaxChunk+3, 6)
	id := put(t, a.store, data)
	n.run(b)
	n.run(c)

	c.svc.Want(id)
	eventually(t, "C to ask B", func() bool { return b.svc.Stats().BytesOut > 0 })
	if holds(t, c.store, id, data) || !slices.Equal(c.svc.Pending(), []blob.ID{id}) {
		t.Fatal("C has the blob before anyone fetched it")
	}

	b.svc.Want(id)
	eventually(t, "the blob to reach C", func() bool {
		return len(c.events(&c.fetched)) == 1 && len(b.events(&b.fetched)) == 1
	})
	if !holds(t, c.store, id, data) {
		t.Fatal("C does not hold the blob")
	}
	if !holds(t, b.store, id, data) {
		t.Fatal("B does not hold the blob")
	}
	if got, want := b.events(&b.fetched), []event{{id: id, peer: a.key}}; !equalEvents(got, want) {
		t.Fatalf("B fetched %v, want %v", got, want)
	}
	if got, want := c.events(&c.fetched), []event{{id: id, peer: b.key}}; !equalEvents(got, want) {
		t.Fatalf("C fetched %v, want %v", got, want)
	}
	for _, nd := range []*node{b, c} {
		if p := nd.svc.Pending(); len(p) != 0 {
			t.Fatalf("%s still wants %v", nd.key.Device(), p)
		}
		if s := nd.svc.Stats(); s.Fetched != 1 || s.Failed != 0 || s.Refused != 0 {
			t.Fatalf("%s: stats %+v", nd.key.Device(), s)
		}
	}
	eventually(t, "the serve counts", func() bool { return a.svc.Stats().Served == 1 && b.svc.Stats().Served == 1 })
	if m := append(b.events(&b.misbehaved), c.events(&c.misbehaved)...); len(m) != 0 {
		t.Fatalf("misbehaviour reported: %v", m)
	}
}

// Run against a lying peer: it is reported, and when an honest peer
// connects, the blob comes from there.
func TestRunLiarThenHonestPeer(t *testing.T) {
	n := newNet(t)
	real := content(5000, 7)
	id := blob.Sum(real)
	liar := n.addScripted('L', script("close",
		frames(message{Kind: kindHave, Sizes: []int64{int64(len(real))}}),
		append(frames(message{Kind: kindBlob, ID: id, Size: int64(len(real))}), dataFrames(content(5000, 8))...)))
	honest := n.addNode('H', 0, nil)
	put(t, honest.store, real)
	c := n.addNode('C', 0, nil)
	n.link(c.key, liar)
	n.run(c)
	c.svc.Want(id)

	eventually(t, "the liar to be reported", func() bool { return len(c.events(&c.misbehaved)) == 1 })
	if ev := c.events(&c.misbehaved)[0]; ev.peer != liar || !errors.Is(ev.err, blob.ErrHashMismatch) {
		t.Fatalf("reported %v", ev)
	}
	if !slices.Equal(c.svc.Pending(), []blob.ID{id}) {
		t.Fatalf("pending %v after the lie", c.svc.Pending())
	}
	n.link(c.key, honest.key)
	c.svc.PeerConnected(honest.key)
	eventually(t, "the blob from the honest peer", func() bool { return len(c.events(&c.fetched)) == 1 })
	if !holds(t, c.store, id, real) {
		t.Fatal("C does not hold the blob")
	}
	if got, want := c.events(&c.fetched), []event{{id: id, peer: honest.key}}; !equalEvents(got, want) {
		t.Fatalf("fetched %v, want %v", got, want)
	}
	if len(c.events(&c.misbehaved)) != 1 {
		t.Fatalf("reported %v", c.events(&c.misbehaved))
	}
}

// A blob a check refuses is downloaded once, reported, and neither asked
// again nor fetched by Fetch.
func TestRunRefusedBlobIsNotRetried(t *testing.T) {
	n := newNet(t)
	data := []byte("an image with a location")
	var a, b *node
	for _, name := range []byte{'A', 'B'} {
		nd := n.addNode(name, 0, nil)
		put(t, nd.store, data)
		if a == nil {
			a = nd
		} else {
			b = nd
		}
	}
	id := blob.Sum(data)
	reason := errors.New("the image has a location")
	var checked atomic.Int32
	c := n.addNode('C', 0, func(cfg *Config) {
		cfg.Checks = []blob.Check{func(r io.Reader) error {
			checked.Add(1)
			if _, err := io.Copy(io.Discard, r); err != nil {
				return err
			}
			return reason
		}}
	})
	n.link(c.key, a.key)
	n.link(c.key, b.key)
	n.run(c)
	c.svc.Want(id)

	eventually(t, "the refusal", func() bool { return len(c.events(&c.refused)) == 1 })
	ev := c.events(&c.refused)[0]
	var refused *blob.RefusedError
	if ev.id != id || (ev.peer != a.key && ev.peer != b.key) || !errors.As(ev.err, &refused) || !errors.Is(ev.err, reason) {
		t.Fatalf("refusal %+v", ev)
	}
	// Several retry intervals later, nothing more was downloaded.
	time.Sleep(10 * c.svc.retry)
	if served := a.svc.Stats().Served + b.svc.Stats().Served; served != 1 {
		t.Fatalf("served %d times, want 1", served)
	}
	c.svc.Want(id)
	if p := c.svc.Pending(); len(p) != 0 {
		t.Fatalf("pending %v", p)
	}
	before := c.svc.Stats()
	err := c.svc.Fetch(t.Context(), id)
	if !errors.As(err, &refused) || err.Error() != fmt.Sprintf("blob %s refused: the image has a location", id) {
		t.Fatalf("Fetch: %v", err)
	}
	if got := c.svc.Stats(); got != before || got.Refused != 1 || got.Fetched != 0 {
		t.Fatalf("stats %+v, before Fetch %+v", got, before)
	}
	if !errors.Is(c.svc.Refused(id), reason) {
		t.Fatalf("Refused: %v", c.svc.Refused(id))
	}
	if checked.Load() != 1 || holds(t, c.store, id, data) {
		t.Fatalf("checked %d times; stored: %v", checked.Load(), holds(t, c.store, id, data))
	}
}

// After a round asked everyone, a want waits out its back-off; a peer
// that connects is asked at once anyway.
func TestRunAsksNewPeerAtOnce(t *testing.T) {
	n := newNet(t)
	a := n.addNode('A', 0, nil)
	b := n.addNode('B', 0, nil)
	c := n.addNode('C', 0, func(cfg *Config) { cfg.Retry = time.Hour })
	data := []byte("a picture")
	id := put(t, a.store, data)
	n.link(c.key, b.key)
	n.run(c)
	c.svc.Want(id)
	eventually(t, "B to be asked", func() bool { return b.svc.Stats().BytesIn > 0 })

	n.link(c.key, a.key)
	c.svc.poke() // a round without PeerConnected: the want is not due
	time.Sleep(30 * time.Millisecond)
	if holds(t, c.store, id, data) || a.svc.Stats().BytesIn != 0 {
		t.Fatal("A was asked before its PeerConnected")
	}
	c.svc.PeerConnected(a.key)
	eventually(t, "the blob from A", func() bool { return len(c.events(&c.fetched)) == 1 })
	if !holds(t, c.store, id, data) {
		t.Fatal("C does not hold the blob")
	}
}

// At most MaxFetching streams are open at once, one per peer; ending Run's
// context closes them.
func TestRunBoundsStreams(t *testing.T) {
	n := newNet(t)
	var peers []identity.PublicKey
	for i := range 6 {
		peers = append(peers, n.addScripted(byte('P'+i), script("hang", nil)))
	}
	c := n.addNode('C', 0, nil)
	for _, p := range peers {
		n.link(c.key, p)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.svc.Run(ctx)
	}()
	c.svc.Want(idABC, idEmpty)
	openFrom := func() int {
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.openFrom[c.key]
	}
	eventually(t, "four streams", func() bool { return openFrom() == MaxFetching })

	// Fetch waits for the busy stream to the first peer, and gives up with
	// its context.
	fctx, fcancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer fcancel()
	err := c.svc.Fetch(fctx, blob.Sum([]byte("x")))
	if err == nil || !strings.Contains(err.Error(), peers[0].Device().String()+": waiting for the stream in progress to this peer: context deadline exceeded") {
		t.Fatalf("Fetch: %v", err)
	}

	n.mu.Lock()
	maxFrom, maxOpen := n.maxFrom[c.key], 0
	for pair, m := range n.maxOpen {
		if pair[0] == c.key {
			maxOpen = max(maxOpen, m)
		}
	}
	n.mu.Unlock()
	if maxFrom != MaxFetching || maxOpen != 1 {
		t.Fatalf("at most %d streams open, at most %d to one peer; want %d and 1", maxFrom, maxOpen, MaxFetching)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after its context ended")
	}
	if open := openFrom(); open != 0 {
		t.Fatalf("%d streams still open", open)
	}
}

func TestWantAndPending(t *testing.T) {
	n := newNet(t)
	c := n.addNode('C', 0, nil)
	held := put(t, c.store, []byte("held"))
	x, y := blob.Sum([]byte("x")), blob.Sum([]byte("y"))
	c.svc.Want(y, blob.ID{}, held, x, y)
	want := []blob.ID{x, y}
	slices.SortFunc(want, func(a, b blob.ID) int { return strings.Compare(a.Hex(), b.Hex()) })
	if got := c.svc.Pending(); !slices.Equal(got, want) {
		t.Fatalf("pending %v, want %v", got, want)
	}
}

// The back-off doubles per round that asked a want, up to maxBackoff
// intervals; wants not due are asked only of new peers.
func TestBackoff(t *testing.T) {
	n := newNet(t)
	c := n.addNode('C', 0, func(cfg *Config) { cfg.Retry = time.Second })
	x, y := blob.Sum([]byte("x")), blob.Sum([]byte("y"))
	c.svc.Want(x)
	s := c.svc
	now := time.Unix(1000, 0)
	s.mu.Lock()
	defer s.mu.Unlock()
	var waits []time.Duration
	for range 8 {
		due, all := s.candidatesLocked(now)
		if !slices.Equal(due, []blob.ID{x}) || !slices.Equal(all, []blob.ID{x}) {
			t.Fatalf("at %v: due %v, all %v", now, due, all)
		}
		s.bumpLocked(due, now, true)
		wait := s.pending[x].nextAsk.Sub(now)
		waits = append(waits, wait)
		if due, _ := s.candidatesLocked(now.Add(wait - time.Nanosecond)); len(due) != 0 {
			t.Fatalf("due %v before its time", due)
		}
		now = now.Add(wait)
	}
	wantWaits := []time.Duration{1, 2, 4, 8, 16, 32, 32, 32}
	for i := range wantWaits {
		wantWaits[i] *= time.Second
	}
	if !slices.Equal(waits, wantWaits) {
		t.Fatalf("waits %v, want %v", waits, wantWaits)
	}
	// A round that asked nobody does not back off.
	s.pending[y] = &want{backoff: time.Second}
	s.bumpLocked([]blob.ID{y}, now, false)
	if !s.pending[y].nextAsk.IsZero() {
		t.Fatal("backed off without asking")
	}
	due, all := s.candidatesLocked(now.Add(-time.Second))
	if !slices.Equal(due, []blob.ID{y}) || !slices.Equal(all, []blob.ID{y, x}) {
		t.Fatalf("due %v, all %v", due, all)
	}
}
