package seal

import (
	"bytes"
	"fmt"
)

// Keyring holds the epochs of one space that this device has opened.
type Keyring struct {
	epochs map[ID]*Epoch
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring { return &Keyring{epochs: map[ID]*Epoch{}} }

// Add puts e in the keyring.
func (k *Keyring) Add(e *Epoch) { k.epochs[e.ID] = e }

// Get returns the epoch with id, or nil.
func (k *Keyring) Get(id ID) *Epoch { return k.epochs[id] }

// Follows reports whether epoch a follows epoch b, directly or through
// epochs in the keyring (a ≠ b).
func (k *Keyring) Follows(a, b ID) bool {
	seen := map[ID]bool{}
	stack := []ID{a}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := k.epochs[x]
		if e == nil {
			continue
		}
		for _, p := range e.Prev {
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
	if k.Follows(earlier, later) {
		return fmt.Errorf("%w: epoch %x after %x", ErrOutdatedEpoch, later[:8], earlier[:8])
	}
	return nil
}

// Current is the epoch to seal under (keyring.md §2): among the epochs in
// the keyring that no other epoch in it follows (the heads), the one with
// the smallest id, bytewise. Heads is every head, sorted; the next rotation
// names them all as prev (the first MaxPrev). nil when the keyring is empty.
func (k *Keyring) Current() (cur *Epoch, heads []ID) {
	followed := map[ID]bool{}
	for _, e := range k.epochs {
		for _, p := range e.Prev {
			followed[p] = true
		}
	}
	for id := range k.epochs {
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
