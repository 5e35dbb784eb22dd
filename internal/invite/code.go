package invite

import (
	"bytes"
	"errors"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/kithnet/kith/internal/codetext"
	"github.com/kithnet/kith/internal/identity"
)

// Limits of the code, from doc/protocol/invite.md.
const (
	Prefix     = "KITH1:"
	MaxAddrs   = 8
	MaxAddrLen = 200
	SecretSize = 16
	MaxCodeLen = 2048
)

// Code is what an invitation carries.
type Code struct {
	Account identity.PublicKey
	Device  identity.PublicKey
	Addrs   []string // multiaddrs without /p2p/
	Secret  [SecretSize]byte
	Expires time.Time // second precision
}

// body is the CBOR form of a Code.
type body struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	Account []byte
	Device  []byte
	Addrs   []string
	Secret  []byte
	Expires uint64
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

// text is the text form of an invite code.
var text = codetext.Form{
	Prefix: Prefix, Context: "kith-invite-v1", MaxLen: MaxCodeLen, Err: ErrCode,
	Others: map[string]string{"KITHPAIR1:": "this is a pairing code (for 'kith init --pair' on a new device of the account that shows it), not an invite code"},
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
		MaxArrayElements: 64,
		MaxNestedLevels:  4,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// ErrCode is wrapped by every error of Parse.
var ErrCode = errors.New("not a valid invite code")

func codeErr(format string, args ...any) error { return text.Errorf(format, args...) }

// String encodes the code as text; it fails on a code outside the limits.
func (c Code) String() string {
	s, err := c.Encode()
	if err != nil {
		return "invalid invite: " + err.Error()
	}
	return s
}

// Encode returns the text form, "KITH1:" and upper-case base32.
func (c Code) Encode() (string, error) {
	if err := c.validate(); err != nil {
		return "", err
	}
	b, err := encMode.Marshal(body{
		Version: 1,
		Account: c.Account[:],
		Device:  c.Device[:],
		Addrs:   nonNil(c.Addrs),
		Secret:  c.Secret[:],
		Expires: uint64(c.Expires.Unix()),
	})
	if err != nil {
		return "", err
	}
	return text.Encode(b), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
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
	return nil
}

// Parse decodes a code's text form. It accepts lower case and ignores
// whitespace, so a code wrapped by a terminal still reads.
func Parse(s string) (Code, error) {
	b, err := text.Decode(s)
	if err != nil {
		return Code{}, err
	}
	var v body
	if err := decMode.Unmarshal(b, &v); err != nil {
		return Code{}, codeErr("body: %v", err)
	}
	if again, err := encMode.Marshal(v); err != nil || !bytes.Equal(again, b) {
		return Code{}, codeErr("body is not canonical CBOR")
	}
	if v.Version != 1 {
		return Code{}, codeErr("version %d, this node reads version 1", v.Version)
	}
	if len(v.Account) != 32 || len(v.Device) != 32 || len(v.Secret) != SecretSize {
		return Code{}, codeErr("account and device must be 32 bytes and secret %d", SecretSize)
	}
	if v.Expires > 1<<62 {
		return Code{}, codeErr("expiry out of range")
	}
	c := Code{Addrs: v.Addrs, Expires: time.Unix(int64(v.Expires), 0).UTC()}
	copy(c.Account[:], v.Account)
	copy(c.Device[:], v.Device)
	copy(c.Secret[:], v.Secret)
	if err := c.validate(); err != nil {
		return Code{}, err
	}
	return c, nil
}
