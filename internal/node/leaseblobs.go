package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/store"
)

// The blobs a holder fetched for a lease that ended (services.md §9, "When
// a lease ends"). When it drops the leased logs, the blobs their entries
// name become candidates, recorded in the home; a sweep then deletes
// those no entry it still holds names (a followed account's post with
// the same picture, its own, another lease's keep theirs; a collection
// held keeps every node and file of its tree held). A sweep reads
// every held entry once, so it runs only when there are candidates, and
// at most once every leaseSweepGap: cycling short leases costs the holder
// at most one read of its store per gap, whatever their number.

// leaseBlobsFile holds the candidates, so that a restart between dropping
// the logs and the sweep leaks nothing.
const leaseBlobsFile = "leases-blobs-ended.json"

var (
	// leaseSweepGap is the least time between two sweeps.
	leaseSweepGap = 10 * time.Minute
	// leaseBlobGrace: a candidate blob written to the store less than
	// this long ago waits for a later sweep: this node's user may have
	// just added the same file to post it (an added blob is named by no
	// entry until the post is made).
	leaseBlobGrace = 10 * time.Minute
)

// leaseBlobs is the holder's candidates and when it last swept.
type leaseBlobs struct {
	mu        sync.Mutex
	lastSweep time.Time
}

func (n *Node) leaseBlobsPath() string { return filepath.Join(n.home, leaseBlobsFile) }

func (n *Node) readLeaseBlobs() ([]blob.ID, error) {
	b, err := os.ReadFile(n.leaseBlobsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f struct {
		Blobs []blob.ID `json:"blobs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w (move it away: the blobs of ended leases it names then stay)", n.leaseBlobsPath(), err)
	}
	return f.Blobs, nil
}

func (n *Node) writeLeaseBlobs(ids []blob.ID) error {
	if len(ids) == 0 {
		err := os.Remove(n.leaseBlobsPath())
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	b, err := json.Marshal(struct {
		Blobs []blob.ID `json:"blobs"`
	}{ids})
	if err != nil {
		return err
	}
	return atomicfile.WritePrivate(n.leaseBlobsPath(), b)
}

// addLeaseBlobs records the blobs that the entries of logs name and that
// this node holds, as candidates; called before the logs are dropped. Its
// cost is a read of those logs, which are dropped next.
func (n *Node) addLeaseBlobs(ctx context.Context, lb *leaseBlobs, logs []store.LogKey) error {
	var found []blob.ID
	for _, l := range logs {
		for from := uint64(1); ; {
			es, err := n.store.LogRaw(ctx, l, from, 1000)
			if err != nil {
				return err
			}
			for _, e := range es {
				if e.Payload != nil {
					found = append(found, referencedBlobs(e.Payload)...)
					found = append(found, n.heldCollectionBlobs(e.Payload)...)
				}
				from = e.Seq + 1
			}
			if len(es) < 1000 {
				break
			}
		}
	}
	var held []blob.ID
	for _, id := range found {
		if ok, _, err := n.blobs.Has(id); err == nil && ok {
			held = append(held, id)
		}
	}
	if len(held) == 0 {
		return nil
	}
	lb.mu.Lock()
	defer lb.mu.Unlock()
	ids, err := n.readLeaseBlobs()
	if err != nil {
		return err
	}
	ids = append(ids, held...)
	slices.SortFunc(ids, func(a, b blob.ID) int { return bytes.Compare(a[:], b[:]) })
	return n.writeLeaseBlobs(slices.Compact(ids))
}

// sweepLeaseBlobs deletes the candidates that no entry held names, when
// there are some and the last sweep was leaseSweepGap ago or more. It
// returns how many blobs it deleted and their bytes.
func (n *Node) sweepLeaseBlobs(ctx context.Context, nw *network, lb *leaseBlobs) (int, int64, error) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	ids, err := n.readLeaseBlobs()
	if err != nil || len(ids) == 0 {
		return 0, 0, err
	}
	now := time.Now()
	if !lb.lastSweep.IsZero() && now.Sub(lb.lastSweep) < leaseSweepGap {
		return 0, 0, nil
	}
	lb.lastSweep = now
	cand := make(map[blob.ID]bool, len(ids))
	for _, id := range ids {
		cand[id] = true
	}
	// Every held entry, in arrival order: those that name a candidate
	// keep it.
	var after int64
	named := func() error {
		for {
			es, err := n.store.Find(ctx, store.Query{After: after, Limit: 1000})
			if err != nil {
				return err
			}
			for _, e := range es {
				after = e.Cursor
				if e.Payload == nil {
					continue
				}
				for _, id := range referencedBlobs(e.Payload) {
					delete(cand, id)
				}
				for _, id := range n.heldCollectionBlobs(e.Payload) {
					delete(cand, id)
				}
			}
			if len(es) < 1000 {
				return nil
			}
		}
	}
	if err := named(); err != nil {
		return 0, 0, err
	}
	var deleted []blob.ID
	var size int64
	var waiting []blob.ID // too recent: a later sweep
	for _, id := range ids {
		if !cand[id] {
			continue
		}
		info, err := os.Stat(n.blobs.Path(id))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			waiting = append(waiting, id)
			continue
		}
		if now.Sub(info.ModTime()) < leaseBlobGrace {
			waiting = append(waiting, id)
			continue
		}
		if err := n.blobs.Delete(id); err != nil {
			waiting = append(waiting, id)
			continue
		}
		deleted = append(deleted, id)
		size += info.Size()
	}
	// An entry that arrived during the sweep and names a blob just
	// deleted: the blob is fetched again.
	gone := make(map[blob.ID]bool, len(deleted))
	for _, id := range deleted {
		gone[id] = true
	}
	for {
		es, err := n.store.Find(ctx, store.Query{After: after, Limit: 1000})
		if err != nil {
			break
		}
		var again []blob.ID
		for _, e := range es {
			after = e.Cursor
			if e.Payload == nil {
				continue
			}
			for _, id := range referencedBlobs(e.Payload) {
				if gone[id] {
					again = append(again, id)
				}
			}
		}
		if len(again) > 0 && nw != nil {
			nw.blobs.Want(again...)
		}
		if len(es) < 1000 {
			break
		}
	}
	return len(deleted), size, n.writeLeaseBlobs(waiting)
}

// heldCollectionBlobs returns, for a collection's payload, the blobs of
// its tree held here: the tree nodes and the files below its root (a
// collection's entry names only its root; the rest is fetched when asked
// for). Nil for any other payload. A walk stops at content.MaxTreeFiles
// entries and skips the directories not held.
func (n *Node) heldCollectionBlobs(payload []byte) []blob.ID {
	if typ, err := content.PeekType(payload); err != nil || typ != content.TypeCollection {
		return nil
	}
	p, err := content.Decode(payload)
	c, ok := p.(*content.Collection)
	if err != nil || !ok {
		return nil
	}
	root, err := n.heldTree(c.Root)
	if err != nil {
		return nil
	}
	out := []blob.ID{c.Root}
	_ = content.WalkTree(root, func(e content.TreeEntry) ([]content.TreeEntry, error) {
		return n.heldTree(e.ID)
	}, func(_ string, e content.TreeEntry) error {
		if ok, _, err := n.blobs.Has(e.ID); err != nil || !ok {
			if e.Kind == content.TreeDir {
				return content.ErrSkipDir
			}
			return nil
		}
		out = append(out, e.ID)
		return nil
	})
	return out
}
