package seal

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"
)

// heldKex stands for a key held outside Go (a WebCrypto X25519 key): it
// answers only Diffie-Hellman values, and counts them.
type heldKex struct {
	priv  *ecdh.PrivateKey
	calls int
	fail  bool
}

func (h *heldKex) PublicKey() *ecdh.PublicKey { return h.priv.PublicKey() }
func (h *heldKex) Curve() ecdh.Curve          { return ecdh.X25519() }
func (h *heldKex) ECDH(pub *ecdh.PublicKey) ([]byte, error) {
	h.calls++
	if h.fail {
		return nil, errors.New("OperationError: the key refused")
	}
	return h.priv.ECDH(pub)
}

// TestHeldDecryptionKey: an X25519 key whose private half is held
// elsewhere opens its wraps with one Diffie-Hellman value per X25519 wrap
// tried, and gets the same key material as the other members; one that
// refuses to answer opens nothing (ErrNotForMe), and a key of another
// curve is refused.
func TestHeldDecryptionKey(t *testing.T) {
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kex := &heldKex{priv: priv}
	dk, err := NewHeldDecryptionKey(kex)
	if err != nil {
		t.Fatal(err)
	}
	if pub := dk.Public(); pub.KEM != KEMX25519 || !bytes.Equal(pub.Key, priv.PublicKey().Bytes()) {
		t.Fatalf("public key %x (KEM %#x), want %x (0x0020)", pub.Key, pub.KEM, priv.PublicKey().Bytes())
	}
	space, creator, browser := id(1), id(2), id(3)
	hy, rs := members(t, 2, KEMHybrid)
	rs = append(rs, Recipient{Device: browser, Key: dk.Public()})
	e, parts, err := NewEpoch(space, creator, nil, [32]byte{}, rs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := openAny(space, member{device: browser, key: dk}, parts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != e.Key || got.LogKey != e.LogKey || got.ID != e.ID {
		t.Fatal("the held key opened other key material")
	}
	if kex.calls < 1 || kex.calls > WrapRound {
		t.Fatalf("%d Diffie-Hellman values asked for, want 1 to %d (the X25519 wraps)", kex.calls, WrapRound)
	}
	if h, err := openAny(space, hy[0], parts); err != nil || h.Key != e.Key {
		t.Fatalf("a hybrid member beside the held key: %v", err)
	}
	// Another device's id: the wrap's info does not match.
	if _, err := openAny(space, member{device: id(4), key: dk}, parts); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("the held key under another device id: got %v, want ErrNotForMe", err)
	}
	kex.fail, kex.calls = true, 0
	if _, err := openAny(space, member{device: browser, key: dk}, parts); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("a held key that refuses: got %v, want ErrNotForMe", err)
	}
	if kex.calls != WrapRound {
		t.Fatalf("a refusing key was asked %d times, want once per X25519 wrap (%d)", kex.calls, WrapRound)
	}
	p256, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewHeldDecryptionKey(p256); err == nil {
		t.Fatal("a P-256 key was taken as an X25519 decryption key")
	}
	if _, err := NewHeldDecryptionKey(nil); err == nil {
		t.Fatal("no key was taken as a decryption key")
	}
}

// TestDeviceDecryptionKey pins spaces.md §6's derivation: HKDF-SHA256 of
// the device seed with salt "kith-seal-device-v1" and info kem ‖ rot, then
// the KEM's DeriveKeyPair; another rotation or KEM gives another key.
func TestDeviceDecryptionKey(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	for _, c := range []struct {
		kem  uint16
		rot  uint64
		info []byte
	}{
		{KEMHybrid, 0, []byte{0x64, 0x7a, 0, 0, 0, 0, 0, 0, 0, 0}},
		{KEMX25519, 3, []byte{0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 3}},
	} {
		ikm, err := hkdf.Key(sha256.New, seed, []byte("kith-seal-device-v1"), string(c.info), 32)
		if err != nil {
			t.Fatal(err)
		}
		want, err := DeriveDecryptionKey(c.kem, ikm)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DeviceDecryptionKey(seed, c.kem, c.rot)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Public().Key, want.Public().Key) || got.KEM != c.kem {
			t.Fatalf("KEM %#x rotation %d: the key does not derive as spaces.md §6 says", c.kem, c.rot)
		}
		next, err := DeviceDecryptionKey(seed, c.kem, c.rot+1)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(next.Public().Key, got.Public().Key) {
			t.Fatalf("KEM %#x: rotations %d and %d give one key", c.kem, c.rot, c.rot+1)
		}
	}
}
