package content

import (
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The payload types this version knows. The type name is the value of a
// payload's "type" key.
const (
	TypeProfile      = "profile"
	TypePost         = "post"
	TypeFollow       = "follow"
	TypeBlock        = "block"
	TypeDelete       = "delete"
	TypeDeviceAdd    = "device.add"
	TypeDeviceRevoke = "device.revoke"
	TypeCustody      = "device.custody"
)

// Field limits, in bytes of UTF-8 for text and in elements for arrays. See
// doc/protocol/payloads.md.
const (
	MaxProfileName  = 100   // profile "name"
	MaxProfileAbout = 2000  // profile "about"
	MaxPostText     = 10000 // post "text"
	MaxPostImages   = 16    // post "images"
	MaxDeviceName   = 100   // device.add "name"
	MaxRevokeReason = 1000  // device.revoke "reason"
	MaxRevokeKeep   = 200   // device.revoke "keep": heads of the revoked device's logs; 200 with their keep_at and the longest reason fit in MaxPayloadSize
)

// Encoding limits that apply to every payload, whatever its type.
const (
	// MaxPayloadSize is the largest payload, the same as entry.MaxPayloadSize.
	MaxPayloadSize = entry.MaxPayloadSize
	// MaxTypeName bounds the length of a type name.
	MaxTypeName = 64
	// MaxDepth bounds the nesting of arrays and maps; the payload map itself
	// is at depth 1.
	MaxDepth = 16
	// MaxItems bounds the number of elements of any one array and the number
	// of pairs of any one map.
	MaxItems = 4096
)

// Payload is a decoded payload. Its dynamic type is one of *Profile, *Post,
// *Follow, *Block, *Delete, *DeviceAdd, *DeviceRevoke, *Custody or *Unknown.
type Payload interface {
	// Type returns the payload's type name, the value of its "type" key.
	Type() string
}

// Profile describes the person behind a device: type "profile".
type Profile struct {
	Name  string  // "name": display name, at most MaxProfileName bytes; may be empty
	About string  // "about": free text, at most MaxProfileAbout bytes; may be empty
	Image blob.ID // "image": optional avatar; zero means none
}

// Post is a public note, possibly a reply: type "post".
type Post struct {
	Text    string    // "text": valid UTF-8, at most MaxPostText bytes; may be empty
	Images  []blob.ID // "images": optional, at most MaxPostImages, none zero
	ReplyTo entry.ID  // "reply_to": optional entry this post answers; zero means none
	// Root is the "root" field: the first post of the thread, set only when
	// it differs from ReplyTo. Zero means "same as ReplyTo" (or no thread
	// when ReplyTo is zero too). Use ThreadRoot for the effective value.
	Root entry.ID
}

// ThreadRoot returns the id of the post that starts the thread this post
// belongs to: Root when set, else ReplyTo, else zero (the post starts a
// thread of its own, whose root is the id of its entry).
func (p *Post) ThreadRoot() entry.ID {
	if !p.Root.IsZero() {
		return p.Root
	}
	return p.ReplyTo
}

// Follow announces that the author follows (or stops following) an account:
// type "follow".
type Follow struct {
	Account   identity.AccountID // "account": the followed account's key
	Following bool               // "following": false means unfollow
}

// Block announces that the author blocks (or unblocks) an account: type
// "block".
type Block struct {
	Account  identity.AccountID // "account": the blocked account's key
	Blocking bool               // "blocking": false means unblock
}

// Delete asks every holder to drop the payload of an earlier entry by the
// same author; the target's header stays. Type "delete".
type Delete struct {
	Target entry.ID // "target": the entry whose payload is dropped
}

// DeviceAdd is a device certificate: the account admits a device, and the
// device agrees, by counter-signing, to belong to the account. It is the
// first entry (seq 1) of the log DeviceCertLog(Device), authored by the
// account key. Type "device.add".
type DeviceAdd struct {
	Account   identity.AccountID // "account": must equal the entry author
	Device    identity.DeviceID  // "device": the admitted device's key
	Name      string             // "name": optional, e.g. "laptop", at most MaxDeviceName bytes
	DeviceSig [64]byte           // "device_sig": the device's signature over DeviceCertInput(Account, Device)
	// Paired ("paired", optional, true when present) says that the device
	// was certified by pairing and never received the account key.
	Paired bool
}

// DeviceRevoke withdraws the account's vouching for a device. It follows the
// certificate in the log DeviceCertLog(Device) (seq ≥ 2), authored by the
// account key. Entries the device wrote are still valid entries; what the
// store does with them is its policy. Type "device.revoke".
type DeviceRevoke struct {
	Device identity.DeviceID // "device": the revoked device's key
	Reason string            // "reason": optional, at most MaxRevokeReason bytes
	// Keep ("keep", optional) names the revoked device's entries that
	// stay valid: each id is a head, and the entries it reaches by
	// backlinks stay valid with it; every other entry of the device is
	// invalid (payloads.md §5). Sorted ascending, no repeats, at most
	// MaxRevokeKeep.
	Keep []entry.ID
	// KeepAt ("keep_at", present exactly when Keep is) says where each
	// kept head is: KeepAt[i] is the log and seq of Keep[i]. One kept head
	// per log: no log id appears twice. A store uses it to decide an
	// entry of the device before the kept head itself has arrived.
	KeepAt []KeptAt
}

// KeptAt is the position of a kept head of a revocation: the log of the
// revoked device it is in and its seq there. It is encoded as 40 bytes,
// the log id then the seq as an unsigned 64-bit big-endian integer.
type KeptAt struct {
	LogID entry.LogID
	Seq   uint64
}

// KeptAtSize is the encoded size of a KeptAt.
const KeptAtSize = 40

// KeptHead is a kept head with its position, for NewDeviceRevoke.
type KeptHead struct {
	ID entry.ID
	KeptAt
}

// Custody is a device's statement of whether it holds its account's key
// (the key that certifies and revokes devices), in the device's public log.
// The one with the highest seq there is current. It is the device's own
// word, shown to the account's other devices so that their person knows
// where the key is; no rule depends on it. Type "device.custody".
type Custody struct {
	AccountKey bool // "account_key": true while the device holds the account key
}

// Unknown is a well-formed payload whose type this version does not know.
// Such payloads are stored and replicated, not rejected; they cannot be
// encoded (pass Raw on instead).
type Unknown struct {
	TypeName string // the value of the "type" key
	Raw      []byte // the payload bytes, exactly as decoded
}

// Type returns TypeProfile.
func (*Profile) Type() string { return TypeProfile }

// Type returns TypePost.
func (*Post) Type() string { return TypePost }

// Type returns TypeFollow.
func (*Follow) Type() string { return TypeFollow }

// Type returns TypeBlock.
func (*Block) Type() string { return TypeBlock }

// Type returns TypeDelete.
func (*Delete) Type() string { return TypeDelete }

// Type returns TypeDeviceAdd.
func (*DeviceAdd) Type() string { return TypeDeviceAdd }

// Type returns TypeDeviceRevoke.
func (*DeviceRevoke) Type() string { return TypeDeviceRevoke }

// Type returns TypeCustody.
func (*Custody) Type() string { return TypeCustody }

// Type returns the type name found in the payload.
func (u *Unknown) Type() string { return u.TypeName }

// Known reports whether typ is a type this version decodes into a typed
// value (rather than *Unknown).
func Known(typ string) bool {
	switch typ {
	case TypeProfile, TypePost, TypeFollow, TypeBlock, TypeDelete, TypeDeviceAdd, TypeDeviceRevoke, TypeCustody:
		return true
	}
	return registered(typ) != nil
}
