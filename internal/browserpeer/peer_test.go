package browserpeer

import (
	"context"
	"crypto/sha256"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

func key(t *testing.T, s string) identity.PrivateKey {
	seed := sha256.Sum256([]byte(s))
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newPeer makes a certified peer of a fresh account, its device key held
// only by the signer, and returns it with its account key.
// keptLog records what a peer hands on to keep, from any goroutine.
type keptLog struct {
	mu sync.Mutex
	es []*entry.Entry
}

func (k *keptLog) add(es []*entry.Entry) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.es = append(k.es, es...)
}

func (k *keptLog) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.es)
}

func (k *keptLog) all() []*entry.Entry {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*entry.Entry(nil), k.es...)
}

func newPeer(t *testing.T, name string, kept *keptLog) (*Peer, identity.PrivateKey) {
	t.Helper()
	acc, dev := key(t, name+"/account"), key(t, name+"/device")
	p := New(Config{
		Device:  dev.Public(),
		Sign:    func(m []byte) ([]byte, error) { s := dev.Sign(m); return s[:], nil },
		Now:     func() uint64 { return 1_700_000_000_000 },
		OnAdded: kept.add,
	})
	cert, err := content.NewPairedDeviceCert(acc, dev.Public(), dev.Sign(content.DeviceCertInput(acc.Public(), dev.Public())), name, 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Certify(t.Context(), cert); err != nil {
		t.Fatal(err)
	}
	if a, ok := p.Account(); !ok || a != acc.Public() {
		t.Fatalf("account after Certify: %x %v", a, ok)
	}
	return p, acc
}

// TestTwoPeersSync: a peer that follows another's account gets its
// certificate and posts over one session, and a post made while the
// session is live arrives too; every new entry reaches OnAdded.
func TestTwoPeersSync(t *testing.T) {
	var keptA, keptB keptLog
	a, accA := newPeer(t, "a", &keptA)
	b, _ := newPeer(t, "b", &keptB)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := a.Post(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	b.Follow(accA.Public())
	ca, cb := net.Pipe()
	go a.Sync(ctx, b.Device(), ca, true)
	go b.Sync(ctx, a.Device(), cb, false)
	if _, err := a.Post(ctx, "second"); err != nil {
		t.Fatal(err)
	}
	log := store.LogKey{Author: a.Device()}
	for {
		h, err := b.Store().Head(ctx, log)
		if err == nil && h.Seq == 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("b never got a's two posts: head %+v, %v", h, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, err := b.Store().Log(ctx, log, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"first", "second"} {
		p, err := content.Decode(got[i].Entry.Payload)
		if err != nil || p.(*content.Post).Text != want {
			t.Fatalf("post %d: %v %v", i, p, err)
		}
	}
	if _, err := b.Store().AccountOf(ctx, a.Device()); err != nil {
		t.Fatalf("b does not hold a's certificate: %v", err)
	}
	if keptA.len() != 3 { // certificate and two posts
		t.Fatalf("a kept %d entries, want 3", keptA.len())
	}
	if keptB.len() != 4 { // its certificate, a's certificate, a's two posts
		t.Fatalf("b kept %d entries, want 4", keptB.len())
	}
	// b does not follow a stranger's logs: a does not get b's.
	if _, err := a.Store().Head(ctx, store.LogKey{Author: b.Device()}); err == nil {
		t.Fatal("a holds b's log without following b")
	}
}

// TestLoadRefusesDamaged: a kept copy with a broken chain is refused with
// a message saying what to do.
func TestLoadRefusesDamaged(t *testing.T) {
	var log keptLog
	a, _ := newPeer(t, "a", &log)
	for _, s := range []string{"1", "2"} {
		if _, err := a.Post(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	kept := log.all()
	var none []*entry.Entry
	fresh := New(Config{Device: key(t, "x").Public(), Now: func() uint64 { return 0 }, OnAdded: func(es []*entry.Entry) { none = append(none, es...) }})
	err := fresh.Load(t.Context(), []*entry.Entry{kept[0], kept[2]}) // seq 2 without seq 1
	if err == nil {
		t.Fatal("a gap was loaded")
	}
	if want := "clear the site's data"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not say %q", err, want)
	}
	if err := fresh.Load(t.Context(), kept); err != nil {
		t.Fatal(err)
	}
	if len(none) != 0 {
		t.Fatalf("Load reported %d entries as new to keep", len(none))
	}
}

// TestMeasureVerify: the measurement runs and counts what it says.
func TestMeasureVerify(t *testing.T) {
	r, err := MeasureVerify(50)
	if err != nil {
		t.Fatal(err)
	}
	if r.Entries != 50 || r.Verify <= 0 || r.Ingest <= 0 {
		t.Fatalf("%+v", r)
	}
}
