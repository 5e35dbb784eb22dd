package content

// The decoder as it was before Decode read payload bytes directly: the
// strict scanner, then the CBOR library's generic decoding into Go values
// and a deterministic re-encoding compared byte for byte, then typed
// readers over the decoded map. It is kept here as an independent oracle:
// oracle_compare_test.go checks that Decode agrees with it.

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// oracleDecode is decode by way of the CBOR library.
func oracleDecode(payload []byte) (Payload, int, error) {
	typ, err := PeekType(payload)
	if err != nil {
		return nil, 0, err
	}
	m, err := decodeCanonical(typ, payload)
	if err != nil {
		return nil, 0, err
	}
	r := &mapFields{typ: typ, m: m, used: 1}
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
		p = &Custody{AccountKey: r.boolean("account_key")}
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

// mapFields reads the typed fields of a decoded top-level map. The first
// error sticks; later reads return zero values.
type mapFields struct {
	typ  string
	m    map[string]any
	used int // known keys present, counting "type"
	err  error
}

func (r *mapFields) get(name string, required bool) (any, bool) {
	if r.err != nil {
		return nil, false
	}
	v, ok := r.m[name]
	if !ok {
		if required {
			r.err = fieldErr(r.typ, name, "missing")
		}
		return nil, false
	}
	r.used++
	return v, true
}

func (r *mapFields) wrongType(name string, v any, want string) {
	r.err = fieldErr(r.typ, name, "want %s, got %s", want, article(describeValue(v)))
}

// text reads a text field. An optional text that is present must not be
// empty: absence is spelled by omitting the key.
func (r *mapFields) text(name string, required bool) string {
	v, ok := r.get(name, required)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.wrongType(name, v, "a text string")
		return ""
	}
	if !required && s == "" {
		r.err = fieldErr(r.typ, name, "empty text must be omitted")
	}
	return s
}

func (r *mapFields) boolean(name string) bool {
	v, ok := r.get(name, true)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		r.wrongType(name, v, "a boolean")
	}
	return b
}

// bytesN reads a byte string of exactly n bytes.
func (r *mapFields) bytesN(name string, n int, required bool) []byte {
	v, ok := r.get(name, required)
	if !ok {
		return nil
	}
	return r.fixed(name, "", v, n)
}

func (r *mapFields) fixed(name, elem string, v any, n int) []byte {
	b, ok := v.([]byte)
	if !ok {
		r.err = fieldErr(r.typ, name, "%swant a %d-byte string, got %s", elem, n, article(describeValue(v)))
		return nil
	}
	if len(b) != n {
		r.err = fieldErr(r.typ, name, "%swant a %d-byte string, got %d bytes", elem, n, len(b))
		return nil
	}
	if n == 32 && isZero(b) {
		r.err = fieldErr(r.typ, name, "%sall-zero id is not allowed", elem)
		return nil
	}
	return b
}

// id32 reads a 32-byte id or key; all zero is refused, as zero means absent.
func (r *mapFields) id32(name string, required bool) (out [32]byte) {
	if b := r.bytesN(name, 32, required); b != nil {
		copy(out[:], b)
	}
	return out
}

// idArray reads a non-empty array of at most max 32-byte ids.
func (r *mapFields) idArray(name string, max int) [][32]byte {
	v, ok := r.get(name, false)
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		r.wrongType(name, v, "an array")
		return nil
	}
	if len(arr) == 0 {
		r.err = fieldErr(r.typ, name, "empty array must be omitted")
		return nil
	}
	if len(arr) > max {
		r.err = fieldErr(r.typ, name, "%d elements exceed the limit of %d", len(arr), max)
		return nil
	}
	out := make([][32]byte, len(arr))
	for i, e := range arr {
		b := r.fixed(name, "element "+strconv.Itoa(i)+": ", e, 32)
		if b == nil {
			return nil
		}
		copy(out[i][:], b)
	}
	return out
}

func (r *mapFields) profile() *Profile {
	p := &Profile{}
	p.Name = r.text("name", true)
	p.About = r.text("about", true)
	p.Image = blob.ID(r.id32("image", false))
	return p
}

func (r *mapFields) post() *Post {
	p := &Post{}
	p.Text = r.text("text", true)
	if imgs := r.idArray("images", MaxPostImages); imgs != nil {
		p.Images = make([]blob.ID, len(imgs))
		for i := range imgs {
			p.Images[i] = blob.ID(imgs[i])
		}
	}
	p.ReplyTo = entry.ID(r.id32("reply_to", false))
	p.Root = entry.ID(r.id32("root", false))
	if r.err == nil && !p.Root.IsZero() {
		switch {
		case p.ReplyTo.IsZero():
			r.err = fieldErr(r.typ, "root", "set without reply_to")
		case p.Root == p.ReplyTo:
			r.err = fieldErr(r.typ, "root", "must be omitted when it equals reply_to")
		}
	}
	return p
}

func (r *mapFields) follow() *Follow {
	f := &Follow{}
	f.Account = identity.AccountID(r.id32("account", true))
	f.Following = r.boolean("following")
	return f
}

func (r *mapFields) block() *Block {
	b := &Block{}
	b.Account = identity.AccountID(r.id32("account", true))
	b.Blocking = r.boolean("blocking")
	return b
}

func (r *mapFields) delete() *Delete {
	return &Delete{Target: entry.ID(r.id32("target", true))}
}

func (r *mapFields) deviceAdd() *DeviceAdd {
	d := &DeviceAdd{}
	d.Account = identity.AccountID(r.id32("account", true))
	d.Device = identity.DeviceID(r.id32("device", true))
	d.Name = r.text("name", false)
	if sig := r.bytesN("device_sig", 64, true); sig != nil {
		copy(d.DeviceSig[:], sig)
	}
	if v, ok := r.get("paired", false); ok {
		switch b, isBool := v.(bool); {
		case !isBool:
			r.wrongType("paired", v, "a boolean")
		case !b:
			r.err = fieldErr(r.typ, "paired", "false must be omitted")
		default:
			d.Paired = true
		}
	}
	return d
}

func (r *mapFields) deviceRevoke() *DeviceRevoke {
	d := &DeviceRevoke{}
	d.Device = identity.DeviceID(r.id32("device", true))
	d.Reason = r.text("reason", false)
	for _, id := range r.idArray("keep", MaxRevokeKeep) {
		d.Keep = append(d.Keep, entry.ID(id))
	}
	if v, ok := r.get("keep_at", false); ok {
		arr, isArr := v.([]any)
		switch {
		case !isArr:
			r.wrongType("keep_at", v, "an array")
		case len(arr) == 0:
			r.err = fieldErr(r.typ, "keep_at", "empty array must be omitted")
		case len(arr) > MaxRevokeKeep:
			r.err = fieldErr(r.typ, "keep_at", "%d elements exceed the limit of %d", len(arr), MaxRevokeKeep)
		default:
			for i, e := range arr {
				b := r.fixed("keep_at", "element "+strconv.Itoa(i)+": ", e, KeptAtSize)
				if b == nil {
					break
				}
				var k KeptAt
				copy(k.LogID[:], b[:32])
				for _, c := range b[32:] {
					k.Seq = k.Seq<<8 | uint64(c)
				}
				d.KeepAt = append(d.KeepAt, k)
			}
		}
	}
	return d
}
