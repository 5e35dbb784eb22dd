package conversation

import (
	"bytes"
	"slices"

	"github.com/kithnet/kith/internal/identity"
)

// sortKeys sorts keys ascending, as participants are written.
func sortKeys(ks []identity.PublicKey) {
	slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
}
