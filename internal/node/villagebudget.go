package node

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// The bounds on what a local's node keeps from the strangers a village
// does not hear (doc/protocol/village.md §6, "Unlisted strangers"), per
// village: their requests (entries of their village logs, counted and
// measured as encoded header plus payload) and the attachments a local
// opened.
const (
	MaxUnlistedRequests        = 256
	MaxUnlistedBytes     int64 = 512 << 10
	MaxUnlistedFileBytes int64 = 64 << 20
)

// maxUnlistedFileBytes is MaxUnlistedFileBytes; tests lower it.
var maxUnlistedFileBytes = MaxUnlistedFileBytes

// budgetFile is the file in the home where the node keeps, per village,
// what it dropped and the unlisted strangers' files it fetched.
const budgetFile = "village-budget.json"

// villageBudget is what the node keeps about its budgets for unlisted
// strangers, loaded from the home on first use. Its mutex also serialises
// the trims.
type villageBudget struct {
	mu       sync.Mutex
	loaded   bool
	villages map[string]*budgetRecord // by village id (hex)
}

// budgetRecord is one village's record.
type budgetRecord struct {
	// DroppedRequests and DroppedStrangers count what the node deleted to
	// stay within the bounds, since the village began.
	DroppedRequests  int `json:"dropped_requests"`
	DroppedStrangers int `json:"dropped_strangers"`
	// Files are the attachments of unlisted strangers' requests fetched
	// when a local opened them, counted against MaxUnlistedFileBytes.
	Files []budgetFileRecord `json:"files,omitempty"`
}

// budgetFileRecord is one fetched attachment.
type budgetFileRecord struct {
	Blob   blob.ID `json:"blob"`
	Author string  `json:"author"` // the requesting device's key, hex
	Size   int64   `json:"size"`
}

// loadBudgetLocked reads the budget file once; the caller holds b.mu.
func (n *Node) loadBudgetLocked() error {
	b := &n.budget
	if b.loaded {
		return nil
	}
	b.villages = map[string]*budgetRecord{}
	data, err := os.ReadFile(filepath.Join(n.home, budgetFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", budgetFile, err)
	default:
		if err := json.Unmarshal(data, &b.villages); err != nil {
			return fmt.Errorf("read %s: %w (remove the file to start the counts again)", budgetFile, err)
		}
	}
	b.loaded = true
	return nil
}

// saveBudgetLocked writes the budget file; the caller holds b.mu.
func (n *Node) saveBudgetLocked() error {
	data, err := json.MarshalIndent(n.budget.villages, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WritePrivate(filepath.Join(n.home, budgetFile), append(data, '\n'))
}

func (n *Node) budgetRecordLocked(id entry.ID) *budgetRecord {
	k := hex.EncodeToString(id[:])
	r := n.budget.villages[k]
	if r == nil {
		r = &budgetRecord{}
		n.budget.villages[k] = r
	}
	return r
}

// Dropped is what a local's node deleted of a village's unlisted
// strangers to stay within its bounds.
type Dropped struct {
	Requests  int
	Strangers int
}

// VillageDropped returns what the node dropped of the village's unlisted
// strangers' requests so far.
func (n *Node) VillageDropped(id entry.ID) (Dropped, error) {
	n.budget.mu.Lock()
	defer n.budget.mu.Unlock()
	if err := n.loadBudgetLocked(); err != nil {
		return Dropped{}, err
	}
	r := n.budget.villages[hex.EncodeToString(id[:])]
	if r == nil {
		return Dropped{}, nil
	}
	return Dropped{Requests: r.DroppedRequests, Strangers: r.DroppedStrangers}, nil
}

// heldLog is one unlisted stranger's village log as held.
type heldLog struct {
	log     store.LogKey
	entries int
	bytes   int64
	last    int64 // the arrival position (store cursor) of its newest entry
}

// trimUnlisted keeps what the node holds of the village's unlisted
// strangers (unlisted reports them, scope.Unlisted) within
// MaxUnlistedRequests and MaxUnlistedBytes: the logs are ordered by the
// arrival here of their newest entry (not by any claimed time), and the
// newest are kept as long as both bounds hold; every older log is dropped
// from the store, with the files fetched for it.
//
// With a stranger's village log go its device's certificate logs (stored
// with its requests, village.md §6) that the node does not otherwise want
// (wants: the scope).
func (n *Node) trimUnlisted(ctx context.Context, id entry.ID, unlisted, wants func(store.LogKey) bool) (Dropped, error) {
	d, ok := n.store.(store.LogDropper)
	if !ok {
		return Dropped{}, fmt.Errorf("the store (%T) cannot drop logs: the budget for unlisted strangers cannot be kept", n.store)
	}
	n.budget.mu.Lock()
	defer n.budget.mu.Unlock()
	if err := n.loadBudgetLocked(); err != nil {
		return Dropped{}, err
	}
	lid := entry.LogID(id)
	heads, err := store.HeadsWithLogID(ctx, n.store, lid) // not every head: this runs after every import
	if err != nil {
		return Dropped{}, err
	}
	var logs []heldLog
	for _, h := range heads {
		if !unlisted(h.Log) {
			continue
		}
		hl := heldLog{log: h.Log}
		others := false // an entry other than a request: not a stranger's log
		for from := uint64(1); !others; {
			es, err := n.store.Log(ctx, h.Log, from, 1000)
			if err != nil {
				return Dropped{}, err
			}
			for _, e := range es {
				if e.Type != village.TypeRequest {
					others = true
				}
				hl.entries++
				hl.bytes += int64(len(e.Raw) + len(e.Payload))
				hl.last = max(hl.last, e.Cursor)
				from = e.Header.Seq + 1
			}
			if len(es) < 1000 {
				break
			}
		}
		if others {
			// Only what the scope admitted as a known device's (or before
			// the node knew the village) can be more than requests: a
			// local's device whose certificate is not held yet looks
			// unlisted, and its log must not go for the budget.
			continue
		}
		logs = append(logs, hl)
	}
	slices.SortFunc(logs, func(a, b heldLog) int { return cmpInt64(b.last, a.last) })
	var count int
	var size int64
	var out Dropped
	rec := n.budgetRecordLocked(id)
	for i, l := range logs {
		if count+l.entries <= MaxUnlistedRequests && size+l.bytes <= MaxUnlistedBytes {
			count, size = count+l.entries, size+l.bytes
			continue
		}
		// This log and every older one go.
		for _, old := range logs[i:] {
			dn, _, err := d.DropLog(ctx, old.log)
			if err != nil {
				return out, err
			}
			certs, err := store.HeadsWithLogID(ctx, n.store, content.DeviceCertLog(old.log.Author))
			if err != nil {
				return out, err
			}
			for _, h := range certs {
				if !wants(h.Log) {
					if _, _, err := d.DropLog(ctx, h.Log); err != nil {
						return out, err
					}
				}
			}
			out.Requests += dn
			out.Strangers++
			rec.Files = slices.DeleteFunc(rec.Files, func(f budgetFileRecord) bool {
				if f.Author != old.log.Author.Hex() {
					return false
				}
				if err := n.blobs.Delete(f.Blob); err != nil && !errors.Is(err, blob.ErrNotFound) {
					return false // kept on the list, deleted at the next trim
				}
				return true
			})
		}
		break
	}
	if out.Strangers == 0 {
		return out, nil
	}
	n.logsDropped()
	rec.DroppedRequests += out.Requests
	rec.DroppedStrangers += out.Strangers
	return out, n.saveBudgetLocked()
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ErrFileBudget: the file of an unlisted stranger's request does not fit
// in what is left of the village's budget for such files.
var ErrFileBudget = errors.New("the village's budget for files of unlisted strangers does not allow this file")

// RequestFile fetches, when a local opens it, the file a stranger's
// request in the village names, and returns its id and size. The node
// fetches a listed stranger's files by itself; an unlisted stranger's
// (village.md §6) only here, from the stranger's device and the connected
// peers, within MaxUnlistedFileBytes per village for the files of the
// strangers still unlisted.
func (n *Node) RequestFile(ctx context.Context, id, req entry.ID) (blob.ID, int64, error) {
	nw := n.net.Load()
	s, err := n.store.Get(ctx, req)
	if errors.Is(err, store.ErrNotFound) {
		return blob.ID{}, 0, fmt.Errorf("%w: no request %s is held here", ErrNoVillage, req)
	}
	if err != nil {
		return blob.ID{}, 0, err
	}
	r, ok := decodeVillage(s.Payload).(*village.Request)
	if !ok || s.Header.LogID != entry.LogID(id) || r.Village != id {
		return blob.ID{}, 0, ruleErr("entry %s is not a request to this village", req)
	}
	bid := blob.ID(r.Blob)
	if bid.IsZero() {
		return blob.ID{}, 0, ruleErr("the request names no file")
	}
	if has, size, err := n.blobs.Has(bid); err != nil {
		return blob.ID{}, 0, err
	} else if has {
		return bid, size, nil
	}
	if nw == nil {
		return blob.ID{}, 0, ErrNotServing
	}
	author := s.Header.Author
	unlisted := nw.scope.Unlisted(store.LogKey{Author: author, LogID: entry.LogID(id)})
	limit := n.blobs.MaxSize()
	if unlisted {
		n.budget.mu.Lock()
		err := n.loadBudgetLocked()
		var used int64
		if err == nil {
			for _, f := range n.budgetRecordLocked(id).Files {
				var k identity.PublicKey
				if b, err := hex.DecodeString(f.Author); err == nil && len(b) == 32 {
					k = identity.PublicKey(b)
				}
				if nw.scope.Unlisted(store.LogKey{Author: k, LogID: entry.LogID(id)}) {
					used += f.Size
				}
			}
		}
		n.budget.mu.Unlock()
		if err != nil {
			return blob.ID{}, 0, err
		}
		limit = min(limit, maxUnlistedFileBytes-used)
		if limit <= 0 {
			return blob.ID{}, 0, fmt.Errorf("%w: the files of unlisted strangers fetched here use all of its %s; list the stranger (vote) to fetch it anyway", ErrFileBudget, sizeText(maxUnlistedFileBytes))
		}
	}
	peers := []identity.PublicKey{author}
	for _, p := range nw.peerKeys() {
		if p != author {
			peers = append(peers, p)
		}
	}
	err = nw.blobs.FetchWithin(ctx, bid, peers, limit)
	var tooLarge *blob.TooLargeError
	switch {
	case errors.As(err, &tooLarge) && unlisted:
		return blob.ID{}, 0, fmt.Errorf("%w: the file has %s and %s of the %s are left; list the stranger (vote) to fetch it anyway", ErrFileBudget, sizeText(tooLarge.Size), sizeText(limit), sizeText(maxUnlistedFileBytes))
	case err != nil:
		return blob.ID{}, 0, err
	}
	_, size, err := n.blobs.Has(bid)
	if err != nil {
		return blob.ID{}, 0, err
	}
	if unlisted {
		n.budget.mu.Lock()
		rec := n.budgetRecordLocked(id)
		rec.Files = append(rec.Files, budgetFileRecord{Blob: bid, Author: author.Hex(), Size: size})
		err = n.saveBudgetLocked()
		n.budget.mu.Unlock()
	}
	return bid, size, err
}

// sizeText is a byte count for people: "512 KiB", "64 MiB", "1234 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// unlistedRequest reports whether e is in the village log of a stranger
// the village does not hear: the files it names are fetched only when a
// local opens them (RequestFile).
func unlistedRequest(nw *network, e *entry.Entry) bool {
	return nw.scope.Unlisted(store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID})
}
