package content

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// fields reads the typed fields of a payload that passed checkStrictTop,
// straight from its bytes: top says where each field's value starts. The
// first error sticks; later reads return zero values. It enforces what only
// the encoded form can break (field types, presence, the canonical
// spelling of absent values); check enforces the limits that Encode shares.
type fields struct {
	typ  string
	b    []byte // the payload
	top  topLevel
	used int // known keys present, counting "type"
	err  error
}

// value is one data item of the payload.
type value struct {
	head
	str []byte // a string's content; nil for other items
	end int    // where a string ends; after the head for other items
}

// describe names the item's CBOR type for messages.
func (v value) describe() string { return article(describeHead(v.head)) }

// at reads the item that starts at off. The payload passed checkStrict, so
// the item is whole; a failure here would be a bug in checkStrict, and is
// reported as an encoding error rather than a panic.
func (r *fields) at(off int) (value, bool) {
	s := scanner{b: r.b, off: off}
	h, err := s.head()
	if err != nil {
		r.err = typeErr(r.typ, ErrEncoding, "invalid encoding: %v", err)
		return value{}, false
	}
	v := value{head: h, end: s.off}
	if h.major == majorBytes || h.major == majorText {
		if h.indefinite || uint64(len(r.b)-s.off) < h.arg {
			r.err = typeErr(r.typ, ErrEncoding, "invalid encoding: bad %s at byte %d", majorNames[h.major], off)
			return value{}, false
		}
		v.end += int(h.arg)
		v.str = r.b[s.off:v.end]
	}
	return v, true
}

// get returns the value of the field name, which must be one of the type's
// fieldNames.
func (r *fields) get(name string, required bool) (value, bool) {
	if r.err != nil {
		return value{}, false
	}
	off := r.top.find(name)
	if off == 0 {
		if required {
			r.err = fieldErr(r.typ, name, "missing")
		}
		return value{}, false
	}
	v, ok := r.at(off)
	if ok {
		r.used++
	}
	return v, ok
}

func (r *fields) wrongType(name string, v value, want string) {
	r.err = fieldErr(r.typ, name, "want %s, got %s", want, v.describe())
}

// text reads a text field. An optional text that is present must not be
// empty: absence is spelled by omitting the key.
func (r *fields) text(name string, required bool) string {
	v, ok := r.get(name, required)
	if !ok {
		return ""
	}
	if v.major != majorText {
		r.wrongType(name, v, "a text string")
		return ""
	}
	if !required && len(v.str) == 0 {
		r.err = fieldErr(r.typ, name, "empty text must be omitted")
	}
	return string(v.str)
}

func (r *fields) boolean(name string) bool {
	v, ok := r.get(name, true)
	if !ok {
		return false
	}
	if v.major != majorSimple || (v.ai != 20 && v.ai != 21) {
		r.wrongType(name, v, "a boolean")
		return false
	}
	return v.ai == 21
}

// bytesN reads a byte string of exactly n bytes.
func (r *fields) bytesN(name string, n int, required bool) []byte {
	v, ok := r.get(name, required)
	if !ok {
		return nil
	}
	return r.fixed(name, -1, v, n)
}

// fixed checks that v, element elem of the field or the field itself when
// elem is -1, is a byte string of exactly n bytes, not all zero when it is
// a 32-byte id, and returns its content.
func (r *fields) fixed(name string, elem int, v value, n int) []byte {
	if v.major != majorBytes {
		r.err = fieldErr(r.typ, name, "%swant a %d-byte string, got %s", element(elem), n, v.describe())
		return nil
	}
	if len(v.str) != n {
		r.err = fieldErr(r.typ, name, "%swant a %d-byte string, got %d bytes", element(elem), n, len(v.str))
		return nil
	}
	if n == 32 && isZero(v.str) {
		r.err = fieldErr(r.typ, name, "%sall-zero id is not allowed", element(elem))
		return nil
	}
	return v.str
}

// element prefixes a message about element i of an array field; -1 is the
// field itself.
func element(i int) string {
	if i < 0 {
		return ""
	}
	return "element " + strconv.Itoa(i) + ": "
}

// id32 reads a 32-byte id or key; all zero is refused, as zero means absent.
func (r *fields) id32(name string, required bool) (out [32]byte) {
	if b := r.bytesN(name, 32, required); b != nil {
		copy(out[:], b)
	}
	return out
}

// idArray reads the field name of r: a non-empty array of at most max
// 32-byte ids.
func idArray[T ~[32]byte](r *fields, name string, max int) []T {
	v, ok := r.get(name, false)
	if !ok {
		return nil
	}
	if v.major != majorArray {
		r.wrongType(name, v, "an array")
		return nil
	}
	if v.arg == 0 {
		r.err = fieldErr(r.typ, name, "empty array must be omitted")
		return nil
	}
	if v.arg > uint64(max) {
		r.err = fieldErr(r.typ, name, "%d elements exceed the limit of %d", v.arg, max)
		return nil
	}
	out := make([]T, v.arg)
	off := v.end
	for i := range out {
		e, ok := r.at(off)
		if !ok {
			return nil
		}
		b := r.fixed(name, i, e, 32)
		if b == nil {
			return nil
		}
		copy(out[i][:], b)
		off = e.end
	}
	return out
}

func (r *fields) profile() *Profile {
	p := &Profile{}
	p.Name = r.text("name", true)
	p.About = r.text("about", true)
	p.Image = blob.ID(r.id32("image", false))
	return p
}

func (r *fields) post() *Post {
	p := &Post{}
	p.Text = r.text("text", true)
	p.Images = idArray[blob.ID](r, "images", MaxPostImages)
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

func (r *fields) follow() *Follow {
	f := &Follow{}
	f.Account = identity.AccountID(r.id32("account", true))
	f.Following = r.boolean("following")
	return f
}

func (r *fields) block() *Block {
	b := &Block{}
	b.Account = identity.AccountID(r.id32("account", true))
	b.Blocking = r.boolean("blocking")
	return b
}

func (r *fields) delete() *Delete {
	return &Delete{Target: entry.ID(r.id32("target", true))}
}

func (r *fields) deviceAdd() *DeviceAdd {
	d := &DeviceAdd{}
	d.Account = identity.AccountID(r.id32("account", true))
	d.Device = identity.DeviceID(r.id32("device", true))
	d.Name = r.text("name", false)
	if sig := r.bytesN("device_sig", 64, true); sig != nil {
		copy(d.DeviceSig[:], sig)
	}
	d.Paired = r.onlyTrue("paired")
	return d
}

// onlyTrue reads an optional boolean that is present only when true: its
// one encoding of false is its absence.
func (r *fields) onlyTrue(name string) bool {
	v, ok := r.get(name, false)
	if !ok {
		return false
	}
	if v.major != majorSimple || (v.ai != 20 && v.ai != 21) {
		r.wrongType(name, v, "a boolean")
		return false
	}
	if v.ai == 20 {
		r.err = fieldErr(r.typ, name, "false must be omitted")
		return false
	}
	return true
}

func (r *fields) deviceRevoke() *DeviceRevoke {
	d := &DeviceRevoke{}
	d.Device = identity.DeviceID(r.id32("device", true))
	d.Reason = r.text("reason", false)
	d.Keep = idArray[entry.ID](r, "keep", MaxRevokeKeep)
	d.KeepAt = r.keptAt("keep_at")
	return d
}

func (r *fields) custody() *Custody {
	return &Custody{AccountKey: r.boolean("account_key")}
}

// keptAt reads the field name of r: a non-empty array of at most
// MaxRevokeKeep 40-byte positions (log id, big-endian seq).
func (r *fields) keptAt(name string) []KeptAt {
	v, ok := r.get(name, false)
	if !ok {
		return nil
	}
	if v.major != majorArray {
		r.wrongType(name, v, "an array")
		return nil
	}
	if v.arg == 0 {
		r.err = fieldErr(r.typ, name, "empty array must be omitted")
		return nil
	}
	if v.arg > MaxRevokeKeep {
		r.err = fieldErr(r.typ, name, "%d elements exceed the limit of %d", v.arg, MaxRevokeKeep)
		return nil
	}
	out := make([]KeptAt, v.arg)
	off := v.end
	for i := range out {
		e, ok := r.at(off)
		if !ok {
			return nil
		}
		b := r.fixed(name, i, e, KeptAtSize)
		if b == nil {
			return nil
		}
		out[i] = decodeKeptAt(b)
		off = e.end
	}
	return out
}

// decodeKeptAt reads a 40-byte kept head position.
func decodeKeptAt(b []byte) KeptAt {
	var k KeptAt
	copy(k.LogID[:], b[:32])
	k.Seq = binary.BigEndian.Uint64(b[32:40])
	return k
}

// Encode returns the 40-byte encoding of k: its log id, then its seq
// big-endian.
func (k KeptAt) Encode() []byte {
	b := make([]byte, KeptAtSize)
	copy(b, k.LogID[:])
	binary.BigEndian.PutUint64(b[32:], k.Seq)
	return b
}

// check enforces the per-field limits of a typed payload. Encode and Decode
// both call it, so that what one writes the other reads.
func check(p Payload) error {
	switch v := p.(type) {
	case nil:
		return &Error{Type: "payload", Msg: "nil payload"}
	case *Profile:
		if v == nil {
			return nilErr(TypeProfile)
		}
		if err := checkName(TypeProfile, "name", v.Name, MaxProfileName); err != nil {
			return err
		}
		return checkText(TypeProfile, "about", v.About, MaxProfileAbout)
	case *Post:
		if v == nil {
			return nilErr(TypePost)
		}
		if err := checkText(TypePost, "text", v.Text, MaxPostText); err != nil {
			return err
		}
		if len(v.Images) > MaxPostImages {
			return fieldErr(TypePost, "images", "%d elements exceed the limit of %d", len(v.Images), MaxPostImages)
		}
		for i, img := range v.Images {
			if img.IsZero() {
				return fieldErr(TypePost, "images", "element %d: all-zero id is not allowed", i)
			}
		}
		if !v.Root.IsZero() && v.ReplyTo.IsZero() {
			return fieldErr(TypePost, "root", "set without reply_to")
		}
		return nil
	case *Follow:
		if v == nil {
			return nilErr(TypeFollow)
		}
		return checkKey(TypeFollow, "account", v.Account)
	case *Block:
		if v == nil {
			return nilErr(TypeBlock)
		}
		return checkKey(TypeBlock, "account", v.Account)
	case *Delete:
		if v == nil {
			return nilErr(TypeDelete)
		}
		return checkKey(TypeDelete, "target", v.Target)
	case *DeviceAdd:
		if v == nil {
			return nilErr(TypeDeviceAdd)
		}
		if err := checkKey(TypeDeviceAdd, "account", v.Account); err != nil {
			return err
		}
		if err := checkKey(TypeDeviceAdd, "device", v.Device); err != nil {
			return err
		}
		if identity.PublicKey(v.Device) == identity.PublicKey(v.Account) {
			return fieldErr(TypeDeviceAdd, "device", "equals the account key; a device needs a key of its own")
		}
		return checkName(TypeDeviceAdd, "name", v.Name, MaxDeviceName)
	case *Custody:
		if v == nil {
			return nilErr(TypeCustody)
		}
		return nil
	case *DeviceRevoke:
		if v == nil {
			return nilErr(TypeDeviceRevoke)
		}
		if err := checkKey(TypeDeviceRevoke, "device", v.Device); err != nil {
			return err
		}
		if len(v.Keep) > MaxRevokeKeep {
			return fieldErr(TypeDeviceRevoke, "keep", "%d elements exceed the limit of %d", len(v.Keep), MaxRevokeKeep)
		}
		for i, id := range v.Keep {
			if id.IsZero() {
				return fieldErr(TypeDeviceRevoke, "keep", "element %d: all-zero id is not allowed", i)
			}
			if i > 0 && bytes.Compare(v.Keep[i-1][:], id[:]) >= 0 {
				return fieldErr(TypeDeviceRevoke, "keep", "element %d is not after element %d: the list is sorted ascending without repeats", i, i-1)
			}
		}
		if len(v.KeepAt) != len(v.Keep) {
			return fieldErr(TypeDeviceRevoke, "keep_at", "%d elements for %d kept heads: it gives the log and seq of each element of keep, in the same order", len(v.KeepAt), len(v.Keep))
		}
		logs := make(map[entry.LogID]int, len(v.KeepAt))
		for i, at := range v.KeepAt {
			if at.Seq == 0 {
				return fieldErr(TypeDeviceRevoke, "keep_at", "element %d: seq 0; seqs start at 1", i)
			}
			if j, dup := logs[at.LogID]; dup {
				return fieldErr(TypeDeviceRevoke, "keep_at", "element %d names the log of element %d again: one kept head per log", i, j)
			}
			logs[at.LogID] = i
		}
		return checkText(TypeDeviceRevoke, "reason", v.Reason, MaxRevokeReason)
	case *Unknown:
		name := "<nil>"
		if v != nil {
			name = v.TypeName
		}
		return &Error{Type: "payload", Field: "type", Msg: "type " + strconv.Quote(name) + " is not known to this version and cannot be encoded; pass its Raw bytes on instead", Err: ErrUnknownType}
	default:
		if d := registered(p.Type()); d != nil {
			return d.check(p)
		}
		return &Error{Type: "payload", Msg: "unsupported payload implementation " + fmt.Sprintf("%T", p)}
	}
}

func nilErr(typ string) error { return &Error{Type: typ, Msg: "nil payload"} }

func checkText(typ, field, s string, limit int) error {
	if len(s) > limit {
		return fieldErr(typ, field, "%d bytes exceeds the limit of %d", len(s), limit)
	}
	if !utf8.ValidString(s) {
		return fieldErr(typ, field, "not valid UTF-8")
	}
	return nil
}

// checkName is checkText for a name: also CheckName.
func checkName(typ, field, s string, limit int) error {
	if err := checkText(typ, field, s, limit); err != nil {
		return err
	}
	if err := CheckName(s); err != nil {
		return fieldErr(typ, field, "%v", err)
	}
	return nil
}

func checkKey[T ~[32]byte](typ, field string, k T) error {
	if k == (T{}) {
		return fieldErr(typ, field, "missing (all zero)")
	}
	return nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
