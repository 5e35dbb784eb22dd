package node

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

// keyringFile holds the epochs this device opened, encrypted (spaces.md §6).
const keyringFile = "keyring"

// spaceRing is what this device knows of one space's keys.
type spaceRing struct {
	ring *seal.Keyring
	// views: the membership heads each opened epoch's space.epoch names
	// (spaces.md §3); an epoch absent here covers nothing.
	views map[seal.ID][]entry.ID
	// wrapped: for the epochs this device created, the devices it wrapped
	// them to (it gives the epoch to member devices added since).
	wrapped map[seal.ID]map[identity.PublicKey]bool
	// rotatedFor: the boundaries this device started an epoch after.
	rotatedFor map[entry.ID]bool
	// tried: keys log entries already read (announcement parts tried with
	// this device's key, sealed views opened).
	tried map[entry.ID]bool
}

func newSpaceRing() *spaceRing {
	return &spaceRing{ring: seal.NewKeyring(), views: map[seal.ID][]entry.ID{}, wrapped: map[seal.ID]map[identity.PublicKey]bool{}, tried: map[entry.ID]bool{}, rotatedFor: map[entry.ID]bool{}}
}

// logKey returns the space's log key when this device opened any epoch.
func (r *spaceRing) logKey() ([32]byte, bool) {
	if cur, _ := r.ring.Current(); cur != nil {
		return cur.LogKey, true
	}
	for _, e := range r.ring.Epochs() {
		return e.LogKey, true
	}
	return [32]byte{}, false
}

// spaceRings is the node's keyrings, one per space, guarded by mu, which
// also serialises the keeping of spaces (spacekeep.go).
type spaceRings struct {
	mu      sync.Mutex
	spaces  map[entry.ID]*spaceRing // nil until loaded
	loaded  atomic.Bool             // spaces was loaded (set under mu)
	loadErr error                   // why the file was set aside, if it was

	// logKeys: the log key of every space whose key this device holds,
	// under its own lock: the scope reads it while keepSpace, holding mu,
	// appends entries that recompute the scope.
	keysMu  sync.Mutex
	logKeys map[entry.ID][32]byte
}

// noteLogKey records the log key of a space (rings.mu held or loading).
func (rs *spaceRings) noteLogKey(id entry.ID, r *spaceRing) {
	k, ok := r.logKey()
	if !ok {
		return
	}
	rs.keysMu.Lock()
	defer rs.keysMu.Unlock()
	if rs.logKeys == nil {
		rs.logKeys = map[entry.ID][32]byte{}
	}
	rs.logKeys[id] = k
}

// logKey returns the log key of a space, when this device holds one.
func (rs *spaceRings) logKey(id entry.ID) ([32]byte, bool) {
	rs.keysMu.Lock()
	defer rs.keysMu.Unlock()
	k, ok := rs.logKeys[id]
	return k, ok
}

// eachLogKey calls fn with every space's log key held.
func (rs *spaceRings) eachLogKey(fn func(id entry.ID, k [32]byte) bool) {
	rs.keysMu.Lock()
	defer rs.keysMu.Unlock()
	for id, k := range rs.logKeys {
		if !fn(id, k) {
			return
		}
	}
}

// keyringDoc is the plaintext of the keyring file: byte strings in hex.
type keyringDoc struct {
	Spaces []keyringSpace `json:"spaces"`
}

type keyringSpace struct {
	Space   string              `json:"space"`
	Epochs  []keyringEpoch      `json:"epochs"`
	Wrapped map[string][]string `json:"wrapped,omitempty"` // epoch -> device keys
}

type keyringEpoch struct {
	ID      string   `json:"id"`
	Creator string   `json:"creator"`
	Prev    []string `json:"prev,omitempty"`
	Key     string   `json:"key"`
	LogKey  string   `json:"log_key"`
}

func hex32(b [32]byte) string { return hex.EncodeToString(b[:]) }

func unhex32(s string) ([32]byte, bool) {
	var out [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return out, false
	}
	copy(out[:], b)
	return out, true
}

// loadRings reads the keyring file once. rs.mu is held. A missing file is
// an empty keyring; one that does not decrypt or parse is set aside (the
// node opens the announcements in its store again) and reported.
func (n *Node) loadRings() error {
	rs := &n.rings
	if rs.spaces != nil {
		return nil
	}
	rs.spaces = map[entry.ID]*spaceRing{}
	defer rs.loaded.Store(true)
	var doc keyringDoc
	switch err := n.readKeyFile(keyringFile, "kith-keyring-file-v1", "it will be rebuilt from the store", &doc); {
	case errors.Is(err, errNoKeyFile):
		return nil
	case err != nil:
		return err
	}
	for _, s := range doc.Spaces {
		sp, ok := unhex32(s.Space)
		if !ok {
			continue
		}
		r := newSpaceRing()
		for _, e := range s.Epochs {
			id, ok1 := unhex32(e.ID)
			cr, ok2 := unhex32(e.Creator)
			k, ok3 := unhex32(e.Key)
			lk, ok4 := unhex32(e.LogKey)
			prev := make([]seal.ID, 0, len(e.Prev))
			for _, p := range e.Prev {
				if x, ok := unhex32(p); ok {
					prev = append(prev, x)
				}
			}
			if !ok1 || !ok2 || !ok3 || !ok4 || seal.EpochID(sp, cr, prev, k, lk) != id {
				continue // not the epoch it claims to be: dropped
			}
			r.ring.Add(&seal.Epoch{ID: id, Creator: cr, Prev: prev, Key: k, LogKey: lk})
		}
		for ep, devs := range s.Wrapped {
			id, ok := unhex32(ep)
			if !ok {
				continue
			}
			m := map[identity.PublicKey]bool{}
			for _, d := range devs {
				if k, ok := unhex32(d); ok {
					m[identity.PublicKey(k)] = true
				}
			}
			r.wrapped[id] = m
		}
		rs.spaces[entry.ID(sp)] = r
		rs.noteLogKey(entry.ID(sp), r)
	}
	return nil
}

// saveRings writes the keyring file. rs.mu is held.
func (n *Node) saveRings() error {
	var doc keyringDoc
	for id, r := range n.rings.spaces {
		s := keyringSpace{Space: hex32(id), Wrapped: map[string][]string{}}
		for _, e := range r.ring.Epochs() {
			ke := keyringEpoch{ID: hex32(e.ID), Creator: hex32(e.Creator), Key: hex32(e.Key), LogKey: hex32(e.LogKey)}
			for _, p := range e.Prev {
				ke.Prev = append(ke.Prev, hex32(p))
			}
			s.Epochs = append(s.Epochs, ke)
		}
		for ep, devs := range r.wrapped {
			var ds []string
			for d := range devs {
				ds = append(ds, hex32(d))
			}
			slices.Sort(ds)
			s.Wrapped[hex32(ep)] = ds
		}
		doc.Spaces = append(doc.Spaces, s)
	}
	slices.SortFunc(doc.Spaces, func(a, b keyringSpace) int { return strings.Compare(a.Space, b.Space) })
	return n.writeKeyFile(keyringFile, "kith-keyring-file-v1", doc)
}
