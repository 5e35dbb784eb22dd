package content

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

var (
	decMode cbor.DecMode
	encMode cbor.EncMode
)

func init() {
	// Simple values other than false, true and null are outside the data
	// model of payloads.md.
	var rejected []func(*cbor.SimpleValueRegistry) error
	for sv := 0; sv < 256; sv++ {
		if (sv < 20 || sv == 23 || sv >= 32) && !(sv >= 24 && sv <= 31) {
			rejected = append(rejected, cbor.WithRejectedSimpleValue(cbor.SimpleValue(sv)))
		}
	}
	simple, err := cbor.NewSimpleValueRegistryFromDefaults(rejected...)
	if err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  MaxDepth,
		MaxArrayElements: MaxItems,
		MaxMapPairs:      MaxItems,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		IntDec:           cbor.IntDecConvertNone,
		MapKeyByteString: cbor.MapKeyByteStringAllowed,
		UTF8:             cbor.UTF8RejectInvalid,
		SimpleValues:     simple,
		BigIntDec:        cbor.BigIntDecodeValue,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
}

// Decode parses a payload. It returns a typed value for the known types,
// *Unknown for any other well-formed payload, and an *Error otherwise:
// wrapping ErrNotCBORMap when the bytes are not a CBOR map with a text
// "type" (see PeekType), ErrTooLarge over MaxPayloadSize, ErrEncoding when
// the CBOR is malformed, non-canonical or outside the data model, and with
// the field named when a field breaks its type's rules. Decode never panics
// and does not keep a reference to payload.
func Decode(payload []byte) (Payload, error) {
	p, _, err := decode(payload)
	return p, err
}

// decode is Decode, also returning the number of keys a known type carried
// beyond the ones it defines.
func decode(payload []byte) (Payload, int, error) {
	typ, err := PeekType(payload)
	if err != nil {
		return nil, 0, err
	}
	top, err := checkStrictTop(payload, fieldsOf(typ))
	if err != nil {
		return nil, 0, typeErr(typ, ErrEncoding, "invalid encoding: %v", err)
	}
	r := fields{typ: typ, b: payload, top: top, used: 1}
	var p Payload
	switch typ {
	case TypeProfile:
		p = r.profile()
	case TypePost:
		p = r.post()
	case TypeFollow:
		p = r.follow()
	case TypeBlock:
		p = r.block()
	case TypeDelete:
		p = r.delete()
	case TypeDeviceAdd:
		p = r.deviceAdd()
	case TypeDeviceRevoke:
		p = r.deviceRevoke()
	case TypeCustody:
		p = r.custody()
	default:
		d := registered(typ)
		if d == nil {
			return &Unknown{TypeName: typ, Raw: bytes.Clone(payload)}, 0, nil
		}
		p = d.read(&r)
	}
	if r.err != nil {
		return nil, 0, r.err
	}
	if err := check(p); err != nil {
		return nil, 0, err
	}
	return p, r.top.pairs - r.used, nil
}

// keyString renders a map key for messages and for ToJSON.
func keyString(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case cbor.ByteString:
		return fmt.Sprintf("h'%x'", string(x))
	case big.Int:
		return x.String()
	}
	return fmt.Sprint(k)
}

// Encode returns the canonical encoding of p after checking every field
// against the limits of its type. It normalises where the data model has
// two spellings of one meaning: an empty optional text or array, and a post
// Root equal to its ReplyTo, are omitted. *Unknown cannot be encoded.
func Encode(p Payload) ([]byte, error) {
	if err := check(p); err != nil {
		return nil, err
	}
	return marshal(p)
}

// marshal encodes a checked payload.
func marshal(p Payload) ([]byte, error) {
	m := map[string]any{"type": p.Type()}
	switch v := p.(type) {
	case *Profile:
		m["name"] = v.Name
		m["about"] = v.About
		if !v.Image.IsZero() {
			m["image"] = v.Image[:]
		}
	case *Post:
		m["text"] = v.Text
		if len(v.Images) > 0 {
			imgs := make([]any, len(v.Images))
			for i := range v.Images {
				imgs[i] = v.Images[i][:]
			}
			m["images"] = imgs
		}
		if !v.ReplyTo.IsZero() {
			m["reply_to"] = v.ReplyTo[:]
			if !v.Root.IsZero() && v.Root != v.ReplyTo {
				m["root"] = v.Root[:]
			}
		}
	case *Follow:
		m["account"] = v.Account[:]
		m["following"] = v.Following
	case *Block:
		m["account"] = v.Account[:]
		m["blocking"] = v.Blocking
	case *Delete:
		m["target"] = v.Target[:]
	case *DeviceAdd:
		m["account"] = v.Account[:]
		m["device"] = v.Device[:]
		if v.Name != "" {
			m["name"] = v.Name
		}
		m["device_sig"] = v.DeviceSig[:]
		if v.Paired {
			m["paired"] = true
		}
	case *Custody:
		m["account_key"] = v.AccountKey
	case *DeviceRevoke:
		m["device"] = v.Device[:]
		if v.Reason != "" {
			m["reason"] = v.Reason
		}
		if len(v.Keep) > 0 {
			keep := make([][]byte, len(v.Keep))
			for i := range v.Keep {
				keep[i] = v.Keep[i][:]
			}
			m["keep"] = keep
		}
		if len(v.KeepAt) > 0 {
			at := make([][]byte, len(v.KeepAt))
			for i, k := range v.KeepAt {
				at[i] = k.Encode()
			}
			m["keep_at"] = at
		}
	default:
		if d := registered(p.Type()); d != nil {
			for k, v := range d.marshal(p) {
				m[k] = v
			}
		}
	}
	b, err := encMode.Marshal(m)
	if err != nil {
		return nil, typeErr(p.Type(), ErrEncoding, "encode: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	if len(b) > MaxPayloadSize {
		return nil, typeErr(p.Type(), ErrTooLarge, "encoded payload of %d bytes exceeds the limit of %d", len(b), MaxPayloadSize)
	}
	return b, nil
}
