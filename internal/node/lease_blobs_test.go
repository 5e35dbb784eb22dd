package node_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// noisePNG is a small picture of noise, different at every call.
func noisePNG(t *testing.T) []byte {
	t.Helper()
	pic := image.NewRGBA(image.Rect(0, 0, 24, 24))
	if _, err := rand.Read(pic.Pix); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, pic); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// onDisk reports whether n's blob directory has a file for id.
func onDisk(t *testing.T, n *node.Node, id blob.ID) bool {
	t.Helper()
	_, err := os.Stat(n.Blobs().Path(id))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// Issue 14, item 6 (services.md §9, "When a lease ends"): A and B lease
// their logs at a hub for 2 seconds; the hub follows B. When the leases
// end, the hub drops A's entries and deletes from its blob directory the
// picture only A's post named, but keeps a picture its own account
// posted too; B's entries and picture stay, as the hub follows B.
func TestLeaseEndDropsItsBlobs(t *testing.T) {
	node.SetLeaseTimers(t, 100*time.Millisecond, 0, 0)
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	h, _ := initNode(t, node.Options{})
	add := func(n *node.Node, pic []byte) blob.ID {
		t.Helper()
		id, _, _, err := n.AddBlob(bytes.NewReader(pic), true)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	shared := noisePNG(t)
	aOnly, aShared, bOwn := add(a, noisePNG(t)), add(a, shared), add(b, noisePNG(t))
	if _, err := a.Post(ctx, "two pictures", []blob.ID{aOnly, aShared}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Post(ctx, "a picture", []blob.ID{bOwn}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	// The hub's own account posts the same picture as A's second.
	if id := add(h, shared); id != aShared {
		t.Fatalf("the same picture has ids %v and %v", id, aShared)
	}
	if _, err := h.Post(ctx, "mine too", []blob.ID{aShared}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	follow(t, h, b)
	serveHub(t, h, leaseHub(func(c *node.HubConfig) { c.LeaseSeconds = 2 }))
	for _, n := range []*node.Node{a, b} {
		serveLoopback(t, n)
		if got, err := n.Lease(ctx, h.Addrs()[0]); err != nil || got.Seconds != 2 {
			t.Fatalf("Lease: %+v, %v; want 2 seconds", got, err)
		}
	}
	aDev, aAcc := [32]byte(a.Device()), [32]byte(a.Account())
	bDev, bAcc := [32]byte(b.Device()), [32]byte(b.Account())
	wantA, wantB := headsOf(t, a, aDev, aAcc), headsOf(t, b, bDev, bAcc)
	eventually(t, "the hub to hold A's and B's logs and pictures", func() bool {
		for _, id := range []blob.ID{aOnly, aShared, bOwn} {
			if ok, _, _ := h.Blobs().Has(id); !ok {
				return false
			}
		}
		return sameHeads(headsOf(t, h, aDev, aAcc), wantA) && sameHeads(headsOf(t, h, bDev, bAcc), wantB)
	})
	for _, n := range []*node.Node{a, b} {
		if err := n.StopNetwork(); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the leases to end, and the hub to drop A's logs and the picture only A's post named", func() bool {
		ls, err := h.Leases(ctx)
		return err == nil && len(ls.Granted) == 0 && len(headsOf(t, h, aDev, aAcc)) == 0 && !onDisk(t, h, aOnly)
	})
	if ok, _, err := h.Blobs().Has(aOnly); ok || err != nil {
		t.Errorf("the hub still holds A's picture (%v)", err)
	}
	// Two more rounds of the holder: nothing else goes.
	time.Sleep(300 * time.Millisecond)
	if !onDisk(t, h, aShared) {
		t.Error("the picture the hub's own account posted was deleted")
	}
	if !onDisk(t, h, bOwn) {
		t.Error("the picture of B, whom the hub follows, was deleted")
	}
	if got := headsOf(t, h, bDev, bAcc); !sameHeads(got, wantB) {
		t.Errorf("the hub holds %v of B's logs, want %v: it follows B", got, wantB)
	}
}

// The sweep of ended leases' blobs reads the holder's whole store, so it
// runs at most once every gap (here an hour): A's lease ends and its
// picture goes at once; B's lease, taken and ended after it, has its logs
// dropped but its picture waits, named in the home, for the next sweep.
// The hub restarts (with no gap now): the picture recorded goes then.
func TestLeaseBlobSweepBounded(t *testing.T) {
	node.SetLeaseTimers(t, 100*time.Millisecond, time.Hour, 0)
	ctx := t.Context()
	hubHome := t.TempDir()
	h, _, err := node.Init(hubHome, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	hubCfg := leaseHub(func(c *node.HubConfig) { c.LeaseSeconds = 2 })
	serveHub(t, h, hubCfg)
	leaseAndEnd := func(name string) blob.ID {
		t.Helper()
		n, _ := initNode(t, node.Options{})
		id, _, _, err := n.AddBlob(bytes.NewReader(noisePNG(t)), true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Post(ctx, "a picture of "+name, []blob.ID{id}, entry.ID{}); err != nil {
			t.Fatal(err)
		}
		serveLoopback(t, n)
		if _, err := n.Lease(ctx, h.Addrs()[0]); err != nil {
			t.Fatalf("%s's lease: %v", name, err)
		}
		eventually(t, "the hub to hold "+name+"'s picture", func() bool { ok, _, _ := h.Blobs().Has(id); return ok })
		if err := n.StopNetwork(); err != nil {
			t.Fatal(err)
		}
		dev, acc := [32]byte(n.Device()), [32]byte(n.Account())
		eventually(t, name+"'s lease to end and its logs to go", func() bool {
			ls, err := h.Leases(ctx)
			return err == nil && len(ls.Granted) == 0 && len(headsOf(t, h, dev, acc)) == 0
		})
		return id
	}
	aPic := leaseAndEnd("A")
	eventually(t, "A's picture to go at the first sweep", func() bool { return !onDisk(t, h, aPic) })
	bPic := leaseAndEnd("B")
	time.Sleep(500 * time.Millisecond) // five rounds of the holder
	if !onDisk(t, h, bPic) {
		t.Fatal("B's picture went within the hour after the last sweep")
	}
	raw, err := os.ReadFile(filepath.Join(hubHome, "leases-blobs-ended.json"))
	if err != nil || !strings.Contains(string(raw), bPic.String()) {
		t.Fatalf("the candidates in the home: %s (%v), want B's picture", raw, err)
	}

	if err := h.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	node.SetLeaseTimers(t, 100*time.Millisecond, 0, 0) // no network runs now
	serveHub(t, h, hubCfg)
	eventually(t, "B's picture to go after the restart, and the candidates' file with it", func() bool {
		_, err := os.Stat(filepath.Join(hubHome, "leases-blobs-ended.json"))
		return !onDisk(t, h, bPic) && errors.Is(err, fs.ErrNotExist)
	})
}

// An attacker cannot make a holder delete a blob of its own collection:
// the hub publishes a collection with one picture (its entry names only
// the tree's root); A, under a lease, posts the same picture with one of
// its own. When A's lease ends, A's own picture goes and the hub's
// collection keeps its file.
func TestLeaseEndKeepsHeldCollections(t *testing.T) {
	node.SetLeaseTimers(t, 100*time.Millisecond, 0, 0)
	ctx := t.Context()
	h, _ := initNode(t, node.Options{})
	a, _ := initNode(t, node.Options{})
	file := noisePNG(t)
	fileID, _, err := h.Blobs().Put(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := content.EncodeTree([]content.TreeEntry{{Kind: content.TreeFile, Name: "seed.png", Size: uint64(len(file)), ID: fileID}})
	if err != nil {
		t.Fatal(err)
	}
	root, _, err := h.Blobs().Put(bytes.NewReader(tree))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.PublishCollection(ctx, "seeds", root); err != nil {
		t.Fatal(err)
	}
	if id, _, err := a.Blobs().Put(bytes.NewReader(file)); err != nil || id != fileID {
		t.Fatalf("A's copy of the file: %v, %v", id, err)
	}
	own, _, _, err := a.AddBlob(bytes.NewReader(noisePNG(t)), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(ctx, "look", []blob.ID{fileID, own}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	serveHub(t, h, leaseHub(func(c *node.HubConfig) { c.LeaseSeconds = 2 }))
	serveLoopback(t, a)
	if _, err := a.Lease(ctx, h.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the hub to hold A's picture", func() bool { ok, _, _ := h.Blobs().Has(own); return ok })
	if err := a.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "A's lease to end and its own picture to go", func() bool { return !onDisk(t, h, own) })
	if !onDisk(t, h, fileID) || !onDisk(t, h, root) {
		t.Fatalf("the hub's collection lost its file (%v) or its tree (%v)", onDisk(t, h, fileID), onDisk(t, h, root))
	}
}
