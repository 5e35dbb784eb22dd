package content

import (
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// TypeMute is the type of an account's list of muted accounts. It is
// never written in plaintext: its payload travels only sealed to the
// account's own devices (payloads.md §11), so nobody else learns whom, or
// whether, the account mutes.
const TypeMute = "mute"

// Limits of a mute list.
const (
	MaxMuted       = 256 // "accounts"
	MaxMuteDevices = 32  // "devices": the devices it was sealed to
)

// Mute is the whole list of accounts an account mutes: their entries are
// shown nowhere on the account's devices and notify nothing. Each mute
// list replaces the account's earlier ones (Replaces, and seq within a
// device's log). Type "mute".
type Mute struct {
	// Accounts ("accounts", optional: absent mutes no one) is sorted
	// ascending without repeats, at most MaxMuted.
	Accounts []identity.AccountID
	// Replaces ("replaces", optional) names the mute lists of the
	// account's other devices this one supersedes, as for Reaction.
	Replaces []entry.ID
	// Devices ("devices", optional) are the devices the list was sealed
	// to, sorted ascending without repeats, at most MaxMuteDevices: a
	// device that finds a current device of its account missing seals
	// the list again.
	Devices []identity.PublicKey
}

// Type returns TypeMute.
func (*Mute) Type() string { return TypeMute }

func init() {
	register(TypeMute, &typeDef{
		fields: fieldNames{"devices", "accounts", "replaces"},
		read: func(r *fields) Payload {
			p := &Mute{}
			p.Accounts = idArray[identity.AccountID](r, "accounts", MaxMuted)
			p.Replaces = idArray[entry.ID](r, "replaces", MaxReplaces)
			p.Devices = idArray[identity.PublicKey](r, "devices", MaxMuteDevices)
			return p
		},
		check: func(p Payload) error {
			v := p.(*Mute)
			if v == nil {
				return nilErr(TypeMute)
			}
			if err := checkSortedIDs(TypeMute, "accounts", v.Accounts, MaxMuted); err != nil {
				return err
			}
			if err := checkSortedIDs(TypeMute, "replaces", v.Replaces, MaxReplaces); err != nil {
				return err
			}
			return checkSortedIDs(TypeMute, "devices", v.Devices, MaxMuteDevices)
		},
		marshal: func(p Payload) map[string]any {
			v := p.(*Mute)
			m := map[string]any{}
			if len(v.Accounts) > 0 {
				m["accounts"] = idList(v.Accounts)
			}
			if len(v.Replaces) > 0 {
				m["replaces"] = idList(v.Replaces)
			}
			if len(v.Devices) > 0 {
				m["devices"] = idList(v.Devices)
			}
			return m
		},
		json: func(p Payload) map[string]any {
			v := p.(*Mute)
			if v == nil {
				return nil
			}
			m := map[string]any{"type": TypeMute}
			if len(v.Accounts) > 0 {
				m["accounts"] = idStrings(v.Accounts)
			}
			if len(v.Replaces) > 0 {
				m["replaces"] = idStrings(v.Replaces)
			}
			if len(v.Devices) > 0 {
				devs := make([]string, len(v.Devices))
				for i, d := range v.Devices {
					devs[i] = d.Device().String()
				}
				m["devices"] = devs
			}
			return m
		},
	})
}
