package node_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
)

// leaseHub is a hub that keeps leases, with set changing its table.
func leaseHub(set func(*node.HubConfig)) node.HubConfig {
	h := node.HubConfig{On: true, HubLease: node.HubLease{Lease: true}}
	if set != nil {
		set(&h)
	}
	return h
}

// accountHeads returns what n holds of the logs of author devices: log ->
// seq.
func headsOf(t *testing.T, n *node.Node, authors ...[32]byte) map[store.LogKey]uint64 {
	t.Helper()
	hs, err := n.Store().Heads(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	out := map[store.LogKey]uint64{}
	for _, h := range hs {
		for _, a := range authors {
			if h.Log.Author == a {
				out[h.Log] = h.Seq
			}
		}
	}
	return out
}

func sameHeads(a, b map[store.LogKey]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for l, s := range a {
		if b[l] != s {
			return false
		}
	}
	return true
}

// Issue 14, item 6: author A leases its logs at hub H; H replicates them
// and their blobs; A goes offline; C, which follows A and has never met
// it, syncs everything (entries and the blob) from H. The lease is shown
// among A's copies, and H, restarted, still keeps the lease and the data.
func TestLeaseKeepsLogsWhileAuthorOffline(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	// A picture of noise: about 190 KiB as a PNG.
	pic := image.NewRGBA(image.Rect(0, 0, 128, 128))
	if _, err := rand.Read(pic.Pix); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, pic); err != nil {
		t.Fatal(err)
	}
	imgID, _, _, err := a.AddBlob(&img, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(ctx, "kept by the hub", []blob.ID{imgID}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"two", "three"} {
		if _, err := a.Post(ctx, text, nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	hubHome := t.TempDir()
	h, _, err := node.Init(hubHome, node.Options{Now: stepClock(epoch, time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	serveHub(t, h, leaseHub(nil))
	serveLoopback(t, a)
	hubAddr := h.Addrs()[0]

	got, err := a.Lease(ctx, hubAddr)
	if err != nil {
		t.Fatalf("Lease: %v", err)
	}
	if got.State != node.LeaseHeld || got.Holder != h.Device() || got.Seconds != node.DefaultLeaseSeconds || got.Bytes != node.DefaultLeaseMB<<20 || got.Entries != node.DefaultLeaseEntries {
		t.Fatalf("lease %+v, want held by the hub for its defaults", got)
	}
	if d := time.Until(got.Until); d < 29*24*time.Hour || d > 30*24*time.Hour {
		t.Fatalf("lease until %v: want 30 days from now by this node's clock", got.Until)
	}
	if d := got.RenewAt.Sub(got.Until); d != -15*24*time.Hour {
		t.Fatalf("renewed %v before the end, want half the period (15 days)", -d)
	}
	// A's copies list the lease beside its devices.
	st, err := a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Copies.Leases) != 1 || st.Copies.Leases[0].Holder != h.Device() || st.Copies.Leases[0].State != node.LeaseHeld {
		t.Fatalf("copies' leases %+v, want the hub's", st.Copies.Leases)
	}
	aDev := [32]byte(a.Device())
	aAcc := [32]byte(a.Account())
	want := headsOf(t, a, aDev, aAcc)
	if len(want) < 2 {
		t.Fatalf("A's logs: %v", want)
	}
	eventually(t, "the hub to hold all of A's logs and the image", func() bool {
		ok, _, _ := h.Blobs().Has(imgID)
		return ok && sameHeads(headsOf(t, h, aDev, aAcc), want)
	})
	ls, err := h.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Granted) != 1 || ls.Granted[0].Account != a.Account() || ls.Granted[0].Asker != a.Device() {
		t.Fatalf("the hub's leases %+v, want A's", ls.Granted)
	}

	// A goes offline for good.
	if err := a.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// H restarts: the lease and the data are still there.
	if err := h.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h, err = node.Open(hubHome, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	ls, err = h.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Granted) != 1 || ls.Granted[0].Account != a.Account() {
		t.Fatalf("after a restart, the hub's leases %+v, want A's", ls.Granted)
	}
	serveHub(t, h, leaseHub(nil))

	c, _ := initNode(t, node.Options{})
	follow(t, c, a)
	serveLoopback(t, c)
	if _, err := c.AddPeer(ctx, h.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "C to hold all of A's logs and the image, from the hub", func() bool {
		ok, _, _ := c.Blobs().Has(imgID)
		return ok && sameHeads(headsOf(t, c, aDev, aAcc), want)
	})
}

// A hub that offers no leases refuses with code 1, and says so.
func TestLeaseNotServed(t *testing.T) {
	ctx := t.Context()
	h, _ := initNode(t, node.Options{})
	serveHub(t, h, node.HubConfig{On: true})
	a, _ := initNode(t, node.Options{})
	serveLoopback(t, a)
	got, err := a.Lease(ctx, h.Addrs()[0])
	var re *node.LeaseRefusedError
	if !errors.As(err, &re) || re.Code != services.RefuseNotServed || !strings.Contains(re.Reason, "lease") {
		t.Fatalf("Lease at a hub without leases: %v, want a refusal of code 1", err)
	}
	if got.State != node.LeaseRefused || got.Code != services.RefuseNotServed {
		t.Fatalf("the lease as shown: %+v, want refused, code 1", got)
	}
	// The hub's accounts list refuses another account too.
	h2, _ := initNode(t, node.Options{})
	serveHub(t, h2, leaseHub(func(c *node.HubConfig) {
		c.Serve, c.Accounts = node.HubServeAccounts, []string{h.Account().String()}
	}))
	if _, err := a.Lease(ctx, h2.Addrs()[0]); !errors.As(err, &re) || re.Code != services.RefuseNotServed || !strings.Contains(re.Reason, "not your account") {
		t.Fatalf("Lease at a hub serving other accounts: %v, want a refusal of code 1", err)
	}
	if ls, _ := h2.Leases(ctx); len(ls.Granted) != 0 {
		t.Fatalf("the hub recorded %+v for a refused request", ls.Granted)
	}
}

// A lease the hub cannot keep is reported: over its entries, the hub
// takes no more of the account, says why in its own list, and refuses the
// renewal with code 2 giving the numbers; a hub full of leases refuses a
// new account with code 5.
func TestLeaseOverLimitReported(t *testing.T) {
	node.SetLeaseTick(t, 100*time.Millisecond) // the hub looks at its leases at once, not in 5 s
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	for _, text := range []string{"one", "two", "three", "four"} {
		if _, err := a.Post(ctx, text, nil, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	h, _ := initNode(t, node.Options{})
	serveHub(t, h, leaseHub(func(c *node.HubConfig) { c.LeaseEntries, c.LeaseAccounts = 3, 1 }))
	serveLoopback(t, a)
	if got, err := a.Lease(ctx, h.Addrs()[0]); err != nil || got.State != node.LeaseHeld || got.Entries != 3 {
		t.Fatalf("first lease: %+v, %v; want held, 3 entries", got, err)
	}
	eventually(t, "the hub to find the lease over its entries", func() bool {
		ls, err := h.Leases(ctx)
		return err == nil && len(ls.Granted) == 1 && strings.Contains(ls.Granted[0].Over, "entries")
	})
	_, err := a.Lease(ctx, h.Addrs()[0])
	var re *node.LeaseRefusedError
	if !errors.As(err, &re) || re.Code != services.RefuseOverLimit || !strings.Contains(re.Reason, "more than the 3") {
		t.Fatalf("renewal over the limit: %v, want a refusal of code 2 with the numbers", err)
	}
	ls, err := a.Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The first lease still runs; the renewal's refusal is shown with it.
	if len(ls.Held) != 1 || ls.Held[0].State != node.LeaseHeld || ls.Held[0].Code != services.RefuseOverLimit || ls.Held[0].Reason == "" {
		t.Fatalf("A's leases %+v, want held with the refusal shown", ls.Held)
	}
	// One lease is all this hub takes.
	b, _ := initNode(t, node.Options{})
	serveLoopback(t, b)
	if _, err := b.Lease(ctx, h.Addrs()[0]); !errors.As(err, &re) || re.Code != services.RefuseFull {
		t.Fatalf("a second account at a full hub: %v, want code 5", err)
	}
}

// A lease that is not renewed ends by the hub's clock: the hub drops the
// account's logs it holds only for the lease, and keeps no record of it.
func TestLeaseEndsUnrenewed(t *testing.T) {
	node.SetLeaseTick(t, 100*time.Millisecond) // the hub looks at its leases at once, not in 5 s
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	if _, err := a.Post(ctx, "for two seconds", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	h, _ := initNode(t, node.Options{})
	serveHub(t, h, leaseHub(func(c *node.HubConfig) { c.LeaseSeconds = 2 }))
	serveLoopback(t, a)
	got, err := a.Lease(ctx, h.Addrs()[0])
	if err != nil || got.Seconds != 2 {
		t.Fatalf("Lease: %+v, %v; want 2 seconds", got, err)
	}
	aDev, aAcc := [32]byte(a.Device()), [32]byte(a.Account())
	want := headsOf(t, a, aDev, aAcc)
	eventually(t, "the hub to hold A's logs", func() bool { return sameHeads(headsOf(t, h, aDev, aAcc), want) })
	if err := a.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the lease to end and the hub to drop A's logs", func() bool {
		ls, err := h.Leases(ctx)
		return err == nil && len(ls.Granted) == 0 && len(headsOf(t, h, aDev, aAcc)) == 0
	})
}

// Over its bytes (the blobs count), a lease is reported as over entries
// are: the hub says why, and refuses the renewal with code 2.
func TestLeaseOverBytesReported(t *testing.T) {
	node.SetLeaseTick(t, 100*time.Millisecond) // the hub looks at its leases at once, not in 5 s
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	pic := image.NewRGBA(image.Rect(0, 0, 600, 600)) // about 1.4 MiB as a PNG of noise
	if _, err := rand.Read(pic.Pix); err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	if err := png.Encode(&img, pic); err != nil {
		t.Fatal(err)
	}
	if img.Len() <= 1<<20 {
		t.Fatalf("the picture is %d bytes, want more than 1 MiB", img.Len())
	}
	imgID, _, _, err := a.AddBlob(&img, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(ctx, "too big to keep", []blob.ID{imgID}, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	h, _ := initNode(t, node.Options{})
	serveHub(t, h, leaseHub(func(c *node.HubConfig) { c.LeaseMB = 1 }))
	serveLoopback(t, a)
	if got, err := a.Lease(ctx, h.Addrs()[0]); err != nil || got.Bytes != 1<<20 {
		t.Fatalf("first lease: %+v, %v; want held, 1 MiB", got, err)
	}
	eventually(t, "the hub to find the lease over its bytes", func() bool {
		ls, err := h.Leases(ctx)
		return err == nil && len(ls.Granted) == 1 && strings.Contains(ls.Granted[0].Over, "bytes") && ls.Granted[0].HeldBytes > 1<<20
	})
	_, err = a.Lease(ctx, h.Addrs()[0])
	var re *node.LeaseRefusedError
	if !errors.As(err, &re) || re.Code != services.RefuseOverLimit || !strings.Contains(re.Reason, "more than the 1048576 it keeps") {
		t.Fatalf("renewal over the bytes: %v, want a refusal of code 2 with the numbers", err)
	}
}
