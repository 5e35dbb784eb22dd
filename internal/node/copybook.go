package node

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
)

// copiesFile is the file in the home where the copy book is kept.
const copiesFile = "copies.json"

// maxCopyRecords bounds the copy book: one record per (device, log) of
// the account's own logs held by its own devices. An account with ten
// devices and a hundred villages has about 2,000.
const maxCopyRecords = 100_000

// copyBook records, for each of the account's other devices, how far it
// holds each of the account's own logs, as sync told this node
// (doc/protocol/sync.md, "Mirrors"; doc/network.md, "Copies"). Only
// mirrors' heads of own logs are recorded: the caller filters. It is kept
// in the home (copies.json) so that it outlives the sessions that taught
// it.
type copyBook struct {
	path  string
	mu    sync.Mutex
	heads map[identity.PublicKey]map[store.LogKey]uint64
	n     int
	dirty bool
}

// copyFileFormat is copies.json: device key (hex) -> log key (hex of
// author ‖ log id) -> seq.
type copyFileFormat struct {
	Version int                          `json:"version"`
	Devices map[string]map[string]uint64 `json:"devices"`
}

// loadCopyBook reads the book from path; a missing file is an empty book,
// and so is one that does not parse (it is only a record of what sync
// said, and sync says it again).
func loadCopyBook(path string) (*copyBook, error) {
	b := &copyBook{path: path, heads: map[identity.PublicKey]map[store.LogKey]uint64{}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var f copyFileFormat
	if json.Unmarshal(raw, &f) != nil || f.Version != 1 {
		return b, nil
	}
	for dh, logs := range f.Devices {
		dev, ok := hexKey(dh)
		if !ok {
			continue
		}
		for lh, seq := range logs {
			kb, err := hex.DecodeString(lh)
			if err != nil || len(kb) != 64 || seq == 0 || b.n >= maxCopyRecords {
				continue
			}
			var l store.LogKey
			copy(l.Author[:], kb[:32])
			copy(l.LogID[:], kb[32:])
			b.setLocked(dev, l, seq)
		}
	}
	return b, nil
}

func hexKey(s string) (identity.PublicKey, bool) {
	var k identity.PublicKey
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, false
	}
	copy(k[:], b)
	return k, true
}

// setLocked raises dev's head of l to seq; it reports whether it changed.
func (b *copyBook) setLocked(dev identity.PublicKey, l store.LogKey, seq uint64) bool {
	m := b.heads[dev]
	if m == nil {
		m = map[store.LogKey]uint64{}
		b.heads[dev] = m
	}
	old, ok := m[l]
	if ok && old >= seq {
		return false
	}
	if !ok {
		if b.n >= maxCopyRecords {
			return false
		}
		b.n++
	}
	m[l] = seq
	return true
}

// record raises what dev is known to hold of the given logs.
func (b *copyBook) record(dev identity.PublicKey, heads []replicate.Item) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := false
	for _, h := range heads {
		if b.setLocked(dev, h.Log, h.Seq) {
			changed = true
		}
	}
	if changed {
		b.dirty = true
	}
	return changed
}

// snapshot returns a copy of the book.
func (b *copyBook) snapshot() map[identity.PublicKey]map[store.LogKey]uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[identity.PublicKey]map[store.LogKey]uint64, len(b.heads))
	for d, m := range b.heads {
		c := make(map[store.LogKey]uint64, len(m))
		for l, s := range m {
			c[l] = s
		}
		out[d] = c
	}
	return out
}

// flush writes the book if it changed since it was last written.
func (b *copyBook) flush() error {
	b.mu.Lock()
	if !b.dirty {
		b.mu.Unlock()
		return nil
	}
	f := copyFileFormat{Version: 1, Devices: map[string]map[string]uint64{}}
	for d, m := range b.heads {
		logs := make(map[string]uint64, len(m))
		for l, s := range m {
			logs[hex.EncodeToString(l.Author[:])+hex.EncodeToString(l.LogID[:])] = s
		}
		f.Devices[hex.EncodeToString(d[:])] = logs
	}
	b.dirty = false
	b.mu.Unlock()
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	if err := atomicfile.WritePrivate(b.path, raw); err != nil {
		b.mu.Lock()
		b.dirty = true
		b.mu.Unlock()
		return err
	}
	return nil
}
