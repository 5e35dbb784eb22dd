package content

import (
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/fxamacker/cbor/v2"
)

// ToJSON returns a view of p made of maps, slices, strings, booleans and
// integers, for encoding/json and for people: the CLI prints it. Keys are the
// payload's CBOR keys; ids and keys are in their text forms ("acc_…",
// "dev_…", "ent_…", "blob_…"); signatures are lowercase hex. A post that
// replies has "root" set to its effective thread root (see Post.ThreadRoot).
// An *Unknown becomes {"type": name, "fields": {...}} with the other keys
// of its payload decoded generically (byte strings as "h'…'" hex, map keys
// as text), or just {"type": name} when Raw does not decode. A nil payload
// gives nil.
func ToJSON(p Payload) map[string]any {
	switch v := p.(type) {
	case *Profile:
		if v == nil {
			return nil
		}
		m := map[string]any{"type": TypeProfile, "name": v.Name, "about": v.About}
		if !v.Image.IsZero() {
			m["image"] = v.Image.String()
		}
		return m
	case *Post:
		if v == nil {
			return nil
		}
		m := map[string]any{"type": TypePost, "text": v.Text}
		if len(v.Images) > 0 {
			imgs := make([]any, len(v.Images))
			for i, id := range v.Images {
				imgs[i] = id.String()
			}
			m["images"] = imgs
		}
		if !v.ReplyTo.IsZero() {
			m["reply_to"] = v.ReplyTo.String()
			m["root"] = v.ThreadRoot().String()
		}
		return m
	case *Follow:
		if v == nil {
			return nil
		}
		return map[string]any{"type": TypeFollow, "account": v.Account.String(), "following": v.Following}
	case *Block:
		if v == nil {
			return nil
		}
		return map[string]any{"type": TypeBlock, "account": v.Account.String(), "blocking": v.Blocking}
	case *Delete:
		if v == nil {
			return nil
		}
		return map[string]any{"type": TypeDelete, "target": v.Target.String()}
	case *DeviceAdd:
		if v == nil {
			return nil
		}
		m := map[string]any{
			"type":       TypeDeviceAdd,
			"account":    v.Account.String(),
			"device":     v.Device.String(),
			"device_sig": hex.EncodeToString(v.DeviceSig[:]),
		}
		if v.Name != "" {
			m["name"] = v.Name
		}
		if v.Paired {
			m["paired"] = true
		}
		return m
	case *Custody:
		if v == nil {
			return nil
		}
		return map[string]any{"type": TypeCustody, "account_key": v.AccountKey}
	case *DeviceRevoke:
		if v == nil {
			return nil
		}
		m := map[string]any{"type": TypeDeviceRevoke, "device": v.Device.String()}
		if v.Reason != "" {
			m["reason"] = v.Reason
		}
		if len(v.Keep) > 0 {
			keep := make([]string, len(v.Keep))
			for i, id := range v.Keep {
				keep[i] = id.String()
			}
			m["keep"] = keep
		}
		if len(v.KeepAt) > 0 {
			at := make([]map[string]any, len(v.KeepAt))
			for i, k := range v.KeepAt {
				at[i] = map[string]any{"log_id": k.LogID.String(), "seq": k.Seq}
			}
			m["keep_at"] = at
		}
		return m
	case *Unknown:
		if v == nil {
			return nil
		}
		m := map[string]any{"type": v.TypeName}
		var raw any
		if len(v.Raw) <= MaxPayloadSize && decMode.Unmarshal(v.Raw, &raw) == nil {
			if top, ok := raw.(map[any]any); ok {
				fields := make(map[string]any, len(top))
				for k, e := range top {
					if k == "type" {
						continue
					}
					fields[keyString(k)] = genericJSON(e)
				}
				m["fields"] = fields
			}
		}
		return m
	}
	if p != nil {
		if d := registered(p.Type()); d != nil {
			return d.json(p)
		}
	}
	return nil
}

// genericJSON turns a generically decoded CBOR value into a JSON-friendly
// one.
func genericJSON(v any) any {
	switch x := v.(type) {
	case []byte:
		return "h'" + hex.EncodeToString(x) + "'"
	case cbor.ByteString:
		return "h'" + hex.EncodeToString([]byte(x)) + "'"
	case big.Int:
		return x.String()
	case *big.Int:
		return x.String()
	case float32, float64:
		return fmt.Sprint(x) // NaN and ±Inf have no JSON number
	case cbor.SimpleValue:
		return fmt.Sprintf("simple(%d)", uint8(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = genericJSON(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[keyString(k)] = genericJSON(e)
		}
		return out
	}
	return v // nil, bool, uint64, int64, string
}
