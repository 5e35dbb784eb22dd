package pairing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"

	"github.com/gtank/ristretto255"

	"github.com/kithnet/kith/internal/identity"
)

// Sizes of the exchange's values (doc/protocol/pairing.md).
const (
	SIDSize = 16
	TagSize = 32
	// Context names this protocol in the channel identifier and the keys.
	Context = "kith-pair-v1"
)

// Parties are the keys that bind a run of the exchange to one connection:
// the account, the pairing device (which holds the account key and made
// the code) and the new device. Both devices are the two ends of the
// libp2p connection, each authenticated by the transport.
type Parties struct {
	Account identity.PublicKey
	Pairing identity.PublicKey
	New     identity.PublicKey
}

// channelID is CPace's CI: lv_cat("kith-pair-v1", account, pairing, new).
func (p Parties) channelID() []byte {
	return lvCat([]byte(Context), p.Account[:], p.Pairing[:], p.New[:])
}

// Keys are what both sides derive from CPace's ISK: one key that
// authenticates the new device's request, one that authenticates the
// pairing device's result.
type Keys struct {
	request [32]byte
	result  [32]byte
}

func mac(key, msg []byte) [TagSize]byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	var out [TagSize]byte
	m.Sum(out[:0])
	return out
}

func keysFrom(isk [iskSize]byte) Keys {
	return Keys{
		request: mac(isk[:], []byte(Context+" request")),
		result:  mac(isk[:], []byte(Context+" result")),
	}
}

// RequestTag authenticates the new device's request:
// HMAC-SHA-256(request key, lv_cat(device_sig, name)).
func (k Keys) RequestTag(deviceSig [64]byte, name string) [TagSize]byte {
	return mac(k.request[:], lvCat(deviceSig[:], []byte(name)))
}

// CheckRequestTag compares tag with RequestTag in constant time.
func (k Keys) CheckRequestTag(tag [TagSize]byte, deviceSig [64]byte, name string) bool {
	want := k.RequestTag(deviceSig, name)
	return subtle.ConstantTimeCompare(tag[:], want[:]) == 1
}

// ResultTag authenticates the pairing device's certificates:
// HMAC-SHA-256(result key, lv_cat(request tag, certs)), where certs is the
// canonical CBOR of the result's certificate array.
func (k Keys) ResultTag(requestTag [TagSize]byte, certs []Cert) ([TagSize]byte, error) {
	b, err := encodeCerts(certs)
	if err != nil {
		return [TagSize]byte{}, err
	}
	return mac(k.result[:], lvCat(requestTag[:], b)), nil
}

// CheckResultTag compares tag with ResultTag in constant time.
func (k Keys) CheckResultTag(tag, requestTag [TagSize]byte, certs []Cert) bool {
	want, err := k.ResultTag(requestTag, certs)
	return err == nil && subtle.ConstantTimeCompare(tag[:], want[:]) == 1
}

// Initiator is the new device's side of CPace.
type Initiator struct {
	parties Parties
	code    Code
	sid     [SIDSize]byte
	y       *ristretto255.Scalar
	share   [elementSize]byte
}

// NewInitiator starts the new device's side: it draws the session id and
// its secret scalar from rand and returns the hello to send.
func NewInitiator(rand io.Reader, code Code, newDevice identity.PublicKey) (*Initiator, Hello, error) {
	in := &Initiator{parties: Parties{Account: code.Account, Pairing: code.Device, New: newDevice}, code: code}
	if _, err := io.ReadFull(rand, in.sid[:]); err != nil {
		return nil, Hello{}, err
	}
	y, err := sampleScalar(rand)
	if err != nil {
		return nil, Hello{}, err
	}
	return in.start(y)
}

func (in *Initiator) start(y *ristretto255.Scalar) (*Initiator, Hello, error) {
	in.y = y
	g := generator(in.code.Secret[:], in.parties.channelID(), in.sid[:])
	copy(in.share[:], scalarMult(y, g))
	return in, Hello{ID: in.code.ID, SID: in.sid, Share: in.share}, nil
}

// Finish takes the pairing device's share and returns the keys.
func (in *Initiator) Finish(share [elementSize]byte) (Keys, error) {
	k, err := scalarMultVfy(in.y, share[:])
	if err != nil {
		return Keys{}, err
	}
	return keysFrom(isk(in.sid[:], k, in.share[:], in.code.ID[:], share[:], nil)), nil
}

// ErrSameShare is returned when the new device's share is the pairing
// device's own: a reflected message.
var ErrSameShare = errors.New("pairing: the peer's share is our own")

// Respond is the pairing device's side of CPace: given the code's secret
// and the new device's hello, it draws its scalar from rand and returns
// its share and the keys.
func Respond(rand io.Reader, parties Parties, secret [SecretSize]byte, h Hello) (share [elementSize]byte, keys Keys, err error) {
	y, err := sampleScalar(rand)
	if err != nil {
		return share, keys, err
	}
	return respond(y, parties, secret, h)
}

func respond(y *ristretto255.Scalar, parties Parties, secret [SecretSize]byte, h Hello) (share [elementSize]byte, keys Keys, err error) {
	g := generator(secret[:], parties.channelID(), h.SID[:])
	copy(share[:], scalarMult(y, g))
	if share == h.Share {
		return share, keys, ErrSameShare
	}
	k, err := scalarMultVfy(y, h.Share[:])
	if err != nil {
		return share, keys, err
	}
	return share, keysFrom(isk(h.SID[:], k, h.Share[:], h.ID[:], share[:], nil)), nil
}
