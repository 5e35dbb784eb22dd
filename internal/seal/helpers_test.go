package seal

import (
	"crypto/ecdh"
	"testing"

	"github.com/kithnet/kith/internal/cborwire"
	"golang.org/x/crypto/chacha20poly1305"
)

func x25519Curve() ecdh.Curve { return ecdh.X25519() }

// sealRaw seals inner (time, length, body, padding) as given, for tests
// of what an honest sealer never writes.
func sealRaw(t testing.TB, space ID, e *Epoch, pos Position, inner []byte) []byte {
	out := make([]byte, sealedPrefix)
	out[0] = sealedVersion
	copy(out[1:33], e.ID[:])
	aead, err := chacha20poly1305.NewX(e.Key[:])
	if err != nil {
		t.Fatal(err)
	}
	return aead.Seal(out, out[33:sealedPrefix], inner, payloadAAD(space, pos, out[:sealedPrefix]))
}

// appendWrap appends w as a CBOR byte string.
func appendWrap(b, w []byte) []byte {
	return cborwire.AppendBytes(b, w)
}
