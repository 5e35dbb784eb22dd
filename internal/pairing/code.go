package pairing

import (
	"bytes"
	"errors"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/kithnet/kith/internal/codetext"
	"github.com/kithnet/kith/internal/identity"
)

// Limits of the code, from doc/protocol/pairing.md.
const (
	Prefix     = "KITHPAIR1:"
	MaxAddrs   = 8
	MaxAddrLen = 200
	IDSize     = 8
	SecretSize = 16
	MaxCodeLen = 2048
)

// Code is what a pairing code carries.
type Code struct {
	Account identity.PublicKey // the account the new device joins
	Device  identity.PublicKey // the pairing device (its libp2p identity)
	Addrs   []string           // multiaddrs of the pairing device, without /p2p/
	ID      [IDSize]byte       // names the code to the pairing device
	Secret  [SecretSize]byte   // CPace's password; never sent
	Expires time.Time          // second precision, by the pairing device's clock
}

type codeBody struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	Account []byte
	Device  []byte
	Addrs   []string
	ID      []byte
	Secret  []byte
	Expires uint64
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

// text is the text form of a pairing code.
var text = codetext.Form{
	Prefix: Prefix, Context: "kith-pair-v1", MaxLen: MaxCodeLen, Err: ErrCode,
	Others: map[string]string{"KITH1:": "this is an invite code (for 'kith join'), not a pairing code; on a device of your account run 'kith device pair'"},
}

func init() {
	var err error
	if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		UTF8:             cbor.UTF8RejectInvalid,
		MaxArrayElements: MaxCerts + 8,
		MaxNestedLevels:  4,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// ErrCode is wrapped by every error of Parse.
var ErrCode = errors.New("not a valid pairing code")

func codeErr(format string, args ...any) error { return text.Errorf(format, args...) }

// Encode returns the text form: "KITHPAIR1:" and upper-case base32.
func (c Code) Encode() (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	addrs := c.Addrs
	if addrs == nil {
		addrs = []string{}
	}
	b, err := encMode.Marshal(codeBody{
		Version: 1,
		Account: c.Account[:],
		Device:  c.Device[:],
		Addrs:   addrs,
		ID:      c.ID[:],
		Secret:  c.Secret[:],
		Expires: uint64(c.Expires.Unix()),
	})
	if err != nil {
		return "", err
	}
	return text.Encode(b), nil
}

func (c Code) validate() error {
	if len(c.Addrs) > MaxAddrs {
		return codeErr("%d addresses, at most %d", len(c.Addrs), MaxAddrs)
	}
	for i, a := range c.Addrs {
		if len(a) == 0 || len(a) > MaxAddrLen {
			return codeErr("address %d is %d bytes, must be 1…%d", i, len(a), MaxAddrLen)
		}
	}
	if c.Expires.Unix() < 0 {
		return codeErr("expiry before 1970")
	}
	if c.Account == (identity.PublicKey{}) || c.Device == (identity.PublicKey{}) || c.Account == c.Device {
		return codeErr("the account and the device must be two keys, not zero")
	}
	return nil
}

// Parse decodes a code's text form. It accepts lower case and ignores
// whitespace, so a code wrapped by a terminal still reads.
func Parse(s string) (Code, error) {
	b, err := text.Decode(s)
	if err != nil {
		return Code{}, err
	}
	var v codeBody
	if err := decMode.Unmarshal(b, &v); err != nil {
		return Code{}, codeErr("body: %v", err)
	}
	if again, err := encMode.Marshal(v); err != nil || !bytes.Equal(again, b) {
		return Code{}, codeErr("body is not canonical CBOR")
	}
	if v.Version != 1 {
		return Code{}, codeErr("version %d, this node reads version 1", v.Version)
	}
	if len(v.Account) != 32 || len(v.Device) != 32 || len(v.ID) != IDSize || len(v.Secret) != SecretSize {
		return Code{}, codeErr("account and device must be 32 bytes, id %d and secret %d", IDSize, SecretSize)
	}
	if v.Expires > 1<<62 {
		return Code{}, codeErr("expiry out of range")
	}
	c := Code{Addrs: v.Addrs, Expires: time.Unix(int64(v.Expires), 0).UTC()}
	copy(c.Account[:], v.Account)
	copy(c.Device[:], v.Device)
	copy(c.ID[:], v.ID)
	copy(c.Secret[:], v.Secret)
	if err := c.validate(); err != nil {
		return Code{}, err
	}
	return c, nil
}
