package scope

import (
	"encoding/hex"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// TestAccountRendezvousKey pins the key of doc/network.md's example: the
// account of public key 00 01 … 1f.
func TestAccountRendezvousKey(t *testing.T) {
	var acc identity.PublicKey
	for i := range acc {
		acc[i] = byte(i)
	}
	const want = "d7cca687518868b1032c2a1dbe506f06c2e704345ce955a55f2ebfa33f6c9401"
	got := hex.EncodeToString(AccountRendezvousKey(acc))
	if got != want {
		t.Errorf("AccountRendezvousKey(00…1f) = %s, want %s", got, want)
	}
}
