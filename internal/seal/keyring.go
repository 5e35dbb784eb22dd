package seal

import (
	"bytes"
	"fmt"
)

// Keyring holds what one device knows of a space's epochs: the graph of
// every epoch it has seen announced (ids and prev links are public, so it
// knows epochs it cannot open) and the key material of those it opened.
type Keyring struct {
	epochs map[ID]*Epoch
	prev   map[ID]map[ID]bool // epoch → the epochs it follows directly
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring { return &Keyring{epochs: map[ID]*Epoch{}, prev: map[ID]map[ID]bool{}} }

func (k *Keyring) link(id ID, prev []ID) {
	m := k.prev[id]
	if m == nil {
		m = map[ID]bool{}
		k.prev[id] = m
	}
	for _, p := range prev {
		m[p] = true
	}
}

// Add puts an opened epoch in the keyring.
func (k *Keyring) Add(e *Epoch) {
	k.epochs[e.ID] = e
	k.link(e.ID, e.Prev)
}

// Learn records an announcement part's epoch and its prev links, whether
// or not this device can open it. The caller passes only parts whose author
// the membership log accepts as an admin (keyring.md §2).
func (k *Keyring) Learn(a *Announcement) { k.link(a.Epoch, a.Prev) }

// Get returns the opened epoch with id, or nil.
func (k *Keyring) Get(id ID) *Epoch { return k.epochs[id] }

// Follows reports whether epoch a follows epoch b, directly or through
// known epochs (a ≠ b).
func (k *Keyring) Follows(a, b ID) bool {
	seen := map[ID]bool{}
	stack := []ID{a}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for p := range k.prev[x] {
			if p == b {
				return true
			}
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return false
}

// CheckOrder applies keyring.md §4's rule for an author's log: an entry
// sealed under later, after the same author sealed an entry at a lower seq
// of the log under earlier, is outdated when earlier follows later.
func (k *Keyring) CheckOrder(earlier, later ID) error {
	if earlier != later && k.Follows(earlier, later) {
		return fmt.Errorf("%w: epoch %x after %x", ErrOutdatedEpoch, later[:8], earlier[:8])
	}
	return nil
}

// Current is the epoch to seal under (keyring.md §2): among the known
// epochs that no other known epoch follows (the heads), the one with the
// smallest id, bytewise. Heads is every head, sorted; the next rotation
// names them as prev (the first MaxPrev). cur is nil when the keyring knows
// no epoch, or when this device has not opened the current one (its wrap
// has not arrived, or it was removed): then it must not seal at all.
func (k *Keyring) Current() (cur *Epoch, heads []ID) {
	followed := map[ID]bool{}
	for _, ps := range k.prev {
		for p := range ps {
			followed[p] = true
		}
	}
	for id := range k.prev {
		if !followed[id] {
			heads = append(heads, id)
		}
	}
	if len(heads) == 0 {
		return nil, nil
	}
	for i := 1; i < len(heads); i++ {
		for j := i; j > 0 && bytes.Compare(heads[j][:], heads[j-1][:]) < 0; j-- {
			heads[j], heads[j-1] = heads[j-1], heads[j]
		}
	}
	return k.epochs[heads[0]], heads
}
