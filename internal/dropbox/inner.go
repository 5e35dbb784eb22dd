package dropbox

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/hdevalence/ed25519consensus"
	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/identity"
)

var innerSigLabel = []byte("kith-dropbox-inner-v1\x00")

// Inner is what only the recipient reads of a letter: who wrote it (the
// account, the device and its certificate), the key to answer to, and the
// text, signed by the device.
type Inner struct {
	Account     [32]byte
	Device      [32]byte
	Cert        []byte // the device.add entry's signed header
	CertPayload []byte // and its payload
	ReplyKey    []byte // the device's seal.key payload
	Text        string
	Sig         [64]byte
}

func (in *Inner) first6() []byte {
	b := cborwire.AppendArray(nil, 6)
	b = cborwire.AppendBytes(b, in.Account[:])
	b = cborwire.AppendBytes(b, in.Device[:])
	b = cborwire.AppendBytes(b, in.Cert)
	b = cborwire.AppendBytes(b, in.CertPayload)
	b = cborwire.AppendBytes(b, in.ReplyKey)
	return cborwire.AppendText(b, in.Text)
}

func innerSigInput(recipient, key [32]byte, first6 []byte) []byte {
	h := sha256.Sum256(first6)
	b := append([]byte{}, innerSigLabel...)
	b = append(b, recipient[:]...)
	b = append(b, key[:]...)
	return append(b, h[:]...)
}

// Sign signs the inner body with the sending device's key for a letter to
// recipient whose key is letterKey.
func (in *Inner) Sign(device identity.PrivateKey, recipient, letterKey [32]byte) {
	in.Sig = device.Sign(innerSigInput(recipient, letterKey, in.first6()))
}

func (in *Inner) verify(recipient, letterKey [32]byte) bool {
	return ed25519consensus.Verify(ed25519.PublicKey(in.Device[:]), innerSigInput(recipient, letterKey, in.first6()), in.Sig[:])
}

// Bounds of the inner body's parts.
const (
	maxCert     = 1024
	maxReplyKey = 2048
)

func (in *Inner) encode() ([]byte, error) {
	if len(in.Text) < 1 || len(in.Text) > MaxText {
		return nil, fmt.Errorf("dropbox: a letter's text is %d bytes, want 1…%d", len(in.Text), MaxText)
	}
	if len(in.Cert) < 1 || len(in.Cert) > maxCert || len(in.CertPayload) < 1 || len(in.CertPayload) > maxCert || len(in.ReplyKey) < 1 || len(in.ReplyKey) > maxReplyKey {
		return nil, fmt.Errorf("dropbox: a letter's certificate or answer key out of bounds")
	}
	b := in.first6()
	b[0] = 0x87 // an array of 7: the six, then the signature
	return cborwire.AppendBytes(b, in.Sig[:]), nil
}

func decodeInner(body []byte) (*Inner, error) {
	c := newCursor(body)
	fail := func(err error) (*Inner, error) {
		return nil, fmt.Errorf("%w: letter's inner body: %v", ErrMalformed, err)
	}
	if _, err := c.r.Array("inner", 7, 7); err != nil {
		return fail(err)
	}
	in := &Inner{}
	if err := c.r.Fixed("account", in.Account[:]); err != nil {
		return fail(err)
	}
	if err := c.r.Fixed("device", in.Device[:]); err != nil {
		return fail(err)
	}
	var err error
	if in.Cert, err = c.r.Bytes("cert", 1, maxCert); err != nil {
		return fail(err)
	}
	if in.CertPayload, err = c.r.Bytes("cert_payload", 1, maxCert); err != nil {
		return fail(err)
	}
	if in.ReplyKey, err = c.r.Bytes("reply_key", 1, maxReplyKey); err != nil {
		return fail(err)
	}
	if in.Text, err = c.r.Text("text", 1, MaxText); err != nil {
		return fail(err)
	}
	if err := c.r.Fixed("sig", in.Sig[:]); err != nil {
		return fail(err)
	}
	if err := c.r.End(); err != nil {
		return fail(err)
	}
	return in, nil
}
