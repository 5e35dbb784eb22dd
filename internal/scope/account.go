package scope

import (
	"crypto/sha256"

	"github.com/kithnet/kith/internal/identity"
)

// AccountRendezvousKey is the DHT key under which the devices of an
// account announce themselves, so that whoever knows the account id (and
// only that) finds them: SHA-256("kith account rendezvous v1" ‖ account
// public key). What a provider of the key is counts only once it proves,
// with a device certificate signed by the account, that it is one of the
// account's devices (doc/network.md, "Account rendezvous").
func AccountRendezvousKey(account identity.PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte("kith account rendezvous v1"))
	h.Write(account[:])
	return h.Sum(nil)
}
