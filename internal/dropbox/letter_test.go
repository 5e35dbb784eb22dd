package dropbox

import (
	"errors"
	"testing"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

type testDevice struct {
	key identity.PrivateKey
	dk  *seal.DecryptionKey
}

func newTestDevice(t testing.TB, kem uint16) testDevice {
	t.Helper()
	k, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := seal.GenerateDecryptionKey(kem)
	if err != nil {
		t.Fatal(err)
	}
	return testDevice{k, dk}
}

func (d testDevice) recipient() Recipient {
	return Recipient{Device: seal.ID(d.key.Public()), Key: d.dk.Public()}
}

func testInner(account [32]byte) *Inner {
	return &Inner{Account: account, Cert: []byte{0x01}, CertPayload: []byte{0x02}, ReplyKey: []byte{0x03}, Text: "hello, we met at the market"}
}

// A letter sealed to a recipient's two devices opens for each of them
// with the sender's account, device, text and time, passes the hub's
// checks, and opens for no one else.
func TestLetterRoundTrip(t *testing.T) {
	recipient := fill(0xaa)
	d1, d2 := newTestDevice(t, seal.KEMHybrid), newTestDevice(t, seal.KEMX25519)
	other := newTestDevice(t, seal.KEMHybrid)
	sender := newTestDevice(t, seal.KEMHybrid)
	throwaway, _ := identity.GenerateKey(nil)
	b, err := SealLetter(recipient, throwaway, sender.key, []Recipient{d1.recipient(), d2.recipient()}, 1234, testInner(fill(0x5e)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := DecodeLetter(recipient, b)
	if err != nil {
		t.Fatalf("the hub's checks: %v", err)
	}
	if l.Key != [32]byte(throwaway.Public()) {
		t.Fatal("the letter's key is not the throwaway key")
	}
	for _, d := range []testDevice{d1, d2} {
		o, err := OpenLetter(recipient, seal.ID(d.key.Public()), d.dk, b)
		if err != nil {
			t.Fatal(err)
		}
		if o.Inner.Text != "hello, we met at the market" || o.TimeMs != 1234 || o.Inner.Account != fill(0x5e) || o.Inner.Device != [32]byte(sender.key.Public()) {
			t.Fatalf("opened %+v", o.Inner)
		}
	}
	if _, err := OpenLetter(recipient, seal.ID(other.key.Public()), other.dk, b); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("another device: %v, want ErrNotForMe", err)
	}
	// Addressed to another recipient: the signature binds the recipient.
	if _, err := DecodeLetter(fill(0xab), b); !errors.Is(err, ErrMalformed) {
		t.Fatalf("another recipient: %v, want ErrMalformed", err)
	}
	// Any byte changed is refused by the hub's checks, or does not open.
	for _, at := range []int{3, 40, len(b) / 2, len(b) - 70, len(b) - 1} {
		c := append([]byte{}, b...)
		c[at] ^= 0x01
		if _, err := OpenLetter(recipient, seal.ID(d1.key.Public()), d1.dk, c); err == nil {
			t.Fatalf("byte %d changed: opened", at)
		}
	}
}

// The inner signature binds the letter's key: an inner body moved into
// another letter (resealed by its recipient) does not check.
func TestLetterInnerMoved(t *testing.T) {
	recipient := fill(0xaa)
	d := newTestDevice(t, seal.KEMX25519)
	sender := newTestDevice(t, seal.KEMX25519)
	k1, _ := identity.GenerateKey(nil)
	in := testInner(fill(0x5e))
	if _, err := SealLetter(recipient, k1, sender.key, []Recipient{d.recipient()}, 1, in); err != nil {
		t.Fatal(err)
	}
	// Reseal the signed inner under another key without signing again.
	k2, _ := identity.GenerateKey(nil)
	body, _ := in.encode()
	kp := [32]byte(k2.Public())
	e, parts, _ := seal.NewEpoch(Space, kp, nil, [32]byte{}, []Recipient{d.recipient()})
	prefix := make([]byte, sealedPrefix)
	prefix[0] = 1
	sealed, _ := seal.SealBox(&e.Key, prefix, seal.BoxSize(sealedPrefix, len(body)), func(p []byte) []byte { return sealedAAD(recipient, e.ID, p) }, 1, body)
	l := &Letter{Key: kp, Part: parts[0], Sealed: sealed}
	l.Sig = k2.Sign(letterSigInput(recipient, kp, l.Part, l.Sealed))
	if _, err := OpenLetter(recipient, seal.ID(d.key.Public()), d.dk, l.Encode()); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a moved inner body: %v, want ErrMalformed", err)
	}
}

// A letter to more hybrid devices than one part holds is refused before
// it is sent, with a reason.
func TestLetterTooManyDevices(t *testing.T) {
	var rs []Recipient
	for range 9 {
		rs = append(rs, newTestDevice(t, seal.KEMHybrid).recipient())
	}
	k, _ := identity.GenerateKey(nil)
	if _, err := SealLetter(fill(0xaa), k, k, rs, 1, testInner(fill(1))); err == nil {
		t.Fatal("sealed to 9 hybrid devices")
	}
}
