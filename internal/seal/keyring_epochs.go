package seal

import (
	"bytes"
	"slices"
)

// Epochs returns the opened epochs, by id.
func (k *Keyring) Epochs() []*Epoch {
	out := make([]*Epoch, 0, len(k.epochs))
	for _, e := range k.epochs {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *Epoch) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return out
}

// Known reports whether the keyring knows epoch id, opened or not.
func (k *Keyring) Known(id ID) bool {
	_, ok := k.prev[id]
	return ok
}
