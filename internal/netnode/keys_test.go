package netnode

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/mr-tron/base58"
)

// TestPeerIDOfIsTheIdentityMultihash checks PeerIDOf against the peer id
// built by hand: base58btc of the identity multihash (0x00, length 36) of
// the protobuf PublicKey {Type: Ed25519 (1), Data: the 32-byte key}.
func TestPeerIDOfIsTheIdentityMultihash(t *testing.T) {
	pub := testKey(t, 7).Public()
	raw := append([]byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, pub[:]...)
	want := base58.Encode(raw)

	got, err := PeerIDOf(pub)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("PeerIDOf = %s, want %s", got, want)
	}
	if got[:8] != "12D3KooW" {
		t.Fatalf("PeerIDOf = %s: an Ed25519 peer id starts with 12D3KooW", got)
	}
}

func TestKeyOfRoundTrip(t *testing.T) {
	for b := range byte(4) {
		pub := testKey(t, b+1).Public()
		id, err := peerIDOf(pub)
		if err != nil {
			t.Fatal(err)
		}
		back, err := keyOf(id)
		if err != nil {
			t.Fatalf("keyOf(%s): %v", id, err)
		}
		if back != pub {
			t.Fatalf("keyOf(peerIDOf(%x)) = %x", pub, back)
		}
	}
}

func TestKeyOfRefusesOtherKeys(t *testing.T) {
	secp, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecdsa, _, err := crypto.GenerateECDSAKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		id   peer.ID
	}{
		{"secp256k1 (key inline, wrong type)", mustID(t, secp)},
		{"ECDSA (key hashed)", mustID(t, ecdsa)},
		{"empty", ""},
		{"not a multihash", peer.ID("\xff\xff\xff")},
		{"identity multihash of garbage", peer.ID([]byte{0x00, 0x03, 1, 2, 3})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key, err := keyOf(tc.id)
			if !errors.Is(err, ErrNotEd25519) {
				t.Fatalf("keyOf = %x, %v; want ErrNotEd25519", key, err)
			}
			if key != (identity.PublicKey{}) {
				t.Fatalf("keyOf returned key %x with its error", key)
			}
		})
	}
}

func mustID(t testing.TB, sk crypto.PrivKey) peer.ID {
	t.Helper()
	id, err := peer.IDFromPrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestLibp2pKeyIsTheDeviceKey(t *testing.T) {
	key := testKey(t, 9)
	sk, err := libp2pKey(key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sk.GetPublic().Raw()
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public()
	if !bytes.Equal(raw, pub[:]) {
		t.Fatalf("libp2p public key %x, want the device's %x", raw, pub)
	}
	// The libp2p key signs as the device key does (Ed25519 is deterministic).
	msg := []byte("kith")
	sig, err := sk.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	want := key.Sign(msg)
	if !bytes.Equal(sig, want[:]) {
		t.Fatalf("libp2p signature %x, want the device's %x", sig, want)
	}
	if _, err := libp2pKey(identity.PrivateKey{}); err == nil {
		t.Fatal("libp2pKey accepted an unset key")
	}
}

// FuzzKeyOf feeds arbitrary bytes as a peer id: keyOf never panics, and
// whatever it accepts maps back to the same id.
func FuzzKeyOf(f *testing.F) {
	pub := testKey(f, 1).Public()
	good, err := peerIDOf(pub)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(good))
	f.Add([]byte{})
	f.Add([]byte("\xff\xff\xff"))
	f.Add([]byte{0x00, 0x03, 1, 2, 3})
	f.Add(append([]byte{0x00, 0x24, 0x08, 0x02, 0x12, 0x20}, pub[:]...)) // type 2: secp256k1
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := keyOf(peer.ID(b))
		if err != nil {
			return
		}
		id, err := peerIDOf(key)
		if err != nil {
			t.Fatalf("accepted %x but cannot rebuild its id: %v", b, err)
		}
		back, err := keyOf(id)
		if err != nil || back != key {
			t.Fatalf("accepted %x as %x, but its canonical id gives %x, %v", b, key, back, err)
		}
	})
}
