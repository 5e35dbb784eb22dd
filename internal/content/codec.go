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
	m, err := decodeCanonical(typ, payload)
	if err != nil {
		return nil, 0, err
	}
	r := &fields{typ: typ, m: m, used: 1}
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
	default:
		return &Unknown{TypeName: typ, Raw: bytes.Clone(payload)}, 0, nil
	}
	if r.err != nil {
		return nil, 0, r.err
	}
	if err := check(p); err != nil {
		return nil, 0, err
	}
	return p, len(m) - r.used, nil
}

// decodeCanonical decodes payload generically, checks that it lies in the
// data model of payloads.md and that it is in deterministic encoding (by
// re-encoding it and comparing bytes), and returns its top-level map.
func decodeCanonical(typ string, payload []byte) (map[string]any, error) {
	if err := checkStrict(payload); err != nil {
		return nil, typeErr(typ, ErrEncoding, "invalid encoding: %v", err)
	}
	var v any
	if err := decMode.Unmarshal(payload, &v); err != nil {
		return nil, typeErr(typ, ErrEncoding, "invalid encoding: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	again, err := encMode.Marshal(v)
	if err != nil {
		return nil, typeErr(typ, ErrEncoding, "cannot re-encode: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	if !bytes.Equal(again, payload) {
		return nil, typeErr(typ, ErrEncoding, "not in deterministic encoding (RFC 8949 §4.2.1): first difference at byte %d", firstDiff(again, payload))
	}
	top, ok := v.(map[any]any)
	if !ok { // PeekType saw a map; be safe anyway
		return nil, typeErr(typ, ErrNotCBORMap, "not a map")
	}
	m := make(map[string]any, len(top))
	for k, val := range top {
		ks, ok := k.(string)
		if !ok {
			return nil, typeErr(typ, ErrEncoding, "top-level map key is %s, not a text string", article(describeValue(k)))
		}
		m[ks] = val
	}
	return m, nil
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// describeValue names the CBOR type of a generically decoded value.
func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case uint64:
		return "unsigned integer"
	case int64, big.Int, *big.Int:
		return "negative integer"
	case []byte, cbor.ByteString:
		return "byte string"
	case string:
		return "text string"
	case []any:
		return "array"
	case map[any]any:
		return "map"
	case float32, float64:
		return "float"
	}
	return fmt.Sprintf("%T", v)
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
	case *DeviceRevoke:
		m["device"] = v.Device[:]
		if v.Reason != "" {
			m["reason"] = v.Reason
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
