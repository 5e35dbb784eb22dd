package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// target is the node under attack, with what an honest peer must get from
// it: entries in bench logs, a post of its own with a blob, and a village
// it founded (which strangers may ask). Its home is made once (home); each
// trial runs a fresh process on a copy of it (start), so that no attack
// inherits another's memory, penalties or stored certificates.
type target struct {
	home    string   // the template home
	Device  string   // dev_…
	Entries int      // entries in the bench logs
	Heads   []string // the head entry (ent_…) of every bench log
	Logs    []string // the logs an honest peer replicates ("dev_…/log_…")
	Post    string   // the target's post with the blob (ent_…)
	Blob    string   // blob_…
	BlobID  [32]byte
	Village entry.ID // the village it founded
}

// targetFlags are the serve flags of the node under attack: a DHT server
// (so that the DHT can be attacked) and info logging (penalties are
// logged at info).
var targetFlags = []string{"--dht-server", "--log-level", "info"}

// newTarget makes the target's home in dir/target: entries in nlogs bench
// logs, a post with a picture of blobBytes bytes (mostly random), and a village.
func newTarget(ctx context.Context, bin, dir string, entries, nlogs, blobBytes int) (*target, error) {
	home := filepath.Join(dir, "target")
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		return nil, err
	}
	heads, err := fill(ctx, n.Store(), nlogs, entries/nlogs)
	n.Close()
	if err != nil {
		return nil, err
	}
	p, err := serve(bin, home, targetFlags...)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	t := &target{home: home, Device: p.Device, Entries: entries / nlogs * nlogs, Heads: heads}
	for l := range nlogs {
		t.Logs = append(t.Logs, benchkit.LogKey(l).String())
	}
	dev, err := identity.ParseDevice(p.Device)
	if err != nil {
		return nil, err
	}
	t.Logs = append(t.Logs, store.LogKey{Author: dev.Key(), LogID: entry.PublicLog}.String())
	// A picture, so that it can be posted: a 1×1 GIF, then random bytes up
	// to blobBytes.
	data := make([]byte, blobBytes)
	_, _ = rand.Read(data)
	copy(data, "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	b, err := p.Client.AddBlob(ctx, bytes.NewReader(data), false)
	if err != nil {
		return nil, fmt.Errorf("add a blob to the target: %w", err)
	}
	t.Blob = b.ID
	id, err := blob.ParseID(b.ID)
	if err != nil {
		return nil, err
	}
	t.BlobID = id
	posted, err := p.Client.Post(ctx, wire.PostRequest{Text: "a post with a picture, for the honest peer", Images: []string{b.ID}})
	if err != nil {
		return nil, fmt.Errorf("post on the target: %w", err)
	}
	t.Post = posted.ID
	// A co-founding account that never accepts: the village stays unfounded.
	cofounder, err := identity.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	v, err := p.Client.FoundVillage(ctx, wire.VillageFound{Name: "besieged", Admit: "unanimous", Exclude: "unanimous",
		Cofounders: []string{cofounder.Public().Account().String()}})
	if err != nil {
		return nil, fmt.Errorf("found a village on the target: %w", err)
	}
	if t.Village, err = entry.ParseID(v.Village); err != nil {
		return nil, fmt.Errorf("the village id %q: %w", v.Village, err)
	}
	return t, p.stop()
}

// start copies the target's home to dir and runs a node on it.
func (t *target) start(bin, dir string) (*proc, error) {
	// cp -a keeps the modes: a key file readable by others is refused.
	if out, err := exec.Command("cp", "-a", t.home, dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("copy the target's home: %v: %s", err, out)
	}
	return serve(bin, dir, targetFlags...)
}

// fill writes perLog entries into each of nlogs bench logs and returns
// each log's head entry id.
func fill(ctx context.Context, st store.Store, nlogs, perLog int) ([]string, error) {
	heads := make([]string, nlogs)
	logs := make(chan int)
	batches := make(chan []*entry.Entry, 2)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range logs {
				es := benchkit.SignLog(l, perLog)
				heads[l] = es[len(es)-1].ID.String()
				batches <- es
			}
		}()
	}
	go func() {
		for l := range nlogs {
			logs <- l
		}
		close(logs)
		wg.Wait()
		close(batches)
	}()
	var failed error
	for b := range batches {
		if failed != nil {
			continue
		}
		res, err := st.Ingest(ctx, b)
		if err != nil {
			failed = err
			continue
		}
		for _, r := range res {
			if r.Err != nil {
				failed = r.Err
				break
			}
		}
	}
	return heads, failed
}

// honest is an honest peer's sync: a fresh node that replicates the
// target's logs and dials it.
type honest struct {
	Seconds float64 // from its process start to holding everything
	// FirstSeconds: from its process start to holding a first entry of
	// the target's (its way in: dial, admission, reconciliation).
	FirstSeconds float64
	Synced       bool
	Missing      string // what it still lacked at the deadline
}

// honestSync starts a fresh node in dir that replicates t's logs, dials
// t, and waits until it holds every bench log's head, the post and the
// blob, or timeout.
func honestSync(ctx context.Context, bin, dir string, t *target, tp *proc, timeout time.Duration) (honest, error) {
	n, _, err := node.Init(dir, node.Options{})
	if err != nil {
		return honest{}, err
	}
	n.Close()
	if err := benchkit.WriteLogsConfig(dir, t.Logs); err != nil {
		return honest{}, err
	}
	start := time.Now()
	p, err := serve(bin, dir, "--no-dht", "--peer", tp.addr())
	if err != nil {
		return honest{}, err
	}
	defer p.stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	h := honest{Missing: "everything"}
	want := uint64(t.Entries) + 2 // and its own certificate and the post
	for {
		h.Seconds = time.Since(start).Seconds()
		st, err := p.Client.Status(ctx)
		if err == nil && st.Entries > 1 && h.FirstSeconds == 0 {
			h.FirstSeconds = h.Seconds
		}
		if err == nil && st.Entries >= want {
			missing := holds(ctx, p, t)
			if missing == "" {
				h.Synced = true
				return h, nil
			}
			if ctx.Err() == nil { // not an answer cut by the deadline
				h.Missing = missing
			}
		} else if err == nil {
			h.Missing = fmt.Sprintf("entries: it holds %d of %d", st.Entries, want)
		}
		select {
		case <-ctx.Done():
			return h, nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// holds says what of t the honest peer p lacks ("" for nothing): a
// bench log's head (a log is held from seq 1, so its head means all of
// it), the post, the blob.
func holds(ctx context.Context, p *proc, t *target) string {
	if _, err := p.Client.Entry(ctx, t.Post); err != nil {
		return fmt.Sprintf("the post %s (%v)", t.Post, err)
	}
	for l, id := range t.Heads {
		if _, err := p.Client.Entry(ctx, id); err != nil {
			return fmt.Sprintf("the head of bench log %d, %s (%v)", l, id, err)
		}
	}
	rc, size, err := p.Client.OpenBlob(ctx, t.Blob)
	if err != nil {
		return "the blob"
	}
	defer rc.Close()
	if n, err := io.Copy(io.Discard, rc); err != nil || n != size {
		return "the blob's bytes"
	}
	return ""
}
