package seal

import (
	"testing"

	"github.com/kithnet/kith/internal/content"
)

// A seal.key payload is a well-formed typed payload to payloads.md, so every
// node, whatever its version, stores and forwards it (as an unknown type
// until it knows seal.key).
func TestDeviceKeyIsTypedPayload(t *testing.T) {
	for _, kem := range []uint16{KEMHybrid, KEMX25519} {
		p, err := EncodeDeviceKey(DeviceKey{Key: mustKey(t, kem, 1).Public(), Rotation: 1 << 40})
		if err != nil {
			t.Fatal(err)
		}
		typ, err := content.PeekType(p)
		if err != nil || typ != "seal.key" {
			t.Fatalf("kem %#x: type %q, %v", kem, typ, err)
		}
		got, err := content.Decode(p)
		if err != nil {
			t.Fatalf("kem %#x: payloads.md refuses seal.key: %v", kem, err)
		}
		if got.Type() != "seal.key" {
			t.Fatalf("kem %#x: decoded as %q", kem, got.Type())
		}
	}
}
