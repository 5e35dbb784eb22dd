package content

import (
	"crypto/sha256"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Validate checks the rules that tie a payload to the header of the entry
// carrying it, and that need nothing else:
//
//   - device.add: the author is the account key ("account"), the log id is
//     DeviceCertLog(device), the seq is 1, the entry does not end its log (it
//     could then never be revoked), and "device_sig" is the device's valid
//     signature over DeviceCertInput(account, device);
//   - device.revoke: the log id is DeviceCertLog(device) and the seq is at
//     least 2 (the author, being the author of that log, is the account that
//     certified the device);
//   - profile, post, follow, block, delete, device.custody and unknown
//     types: no header rule.
//     They belong in the author's public log (entry.PublicLog), but a log id
//     that is not the public log names a context this package does not know
//     (a village or space log, say), and it is that context's rules that say
//     which types its logs admit.
//
// It does not check the entry's signature or chain (see package entry), nor
// the rules that need other entries (see CheckDelete).
func Validate(h *entry.Header, p Payload) error {
	if h == nil {
		return &Error{Type: "payload", Msg: "nil header"}
	}
	if err := check(p); err != nil {
		if u, ok := p.(*Unknown); ok && u != nil {
			return nil // unknown types have no rules here
		}
		return err
	}
	switch v := p.(type) {
	case *DeviceAdd:
		if h.Author != identity.PublicKey(v.Account) {
			return fieldErr(TypeDeviceAdd, "account", "%s is not the entry author %s; the account key signs its device certificates", v.Account, h.Author.Account())
		}
		if want := DeviceCertLog([32]byte(v.Device)); h.LogID != want {
			return ctxErr(TypeDeviceAdd, "entry log_id %s is not DeviceCertLog(device) = %s", h.LogID, want)
		}
		if h.Seq != 1 {
			return ctxErr(TypeDeviceAdd, "entry seq is %d, want 1: a device certificate opens its log", h.Seq)
		}
		if h.Flags&entry.FlagEndOfLog != 0 {
			return ctxErr(TypeDeviceAdd, "entry has the end-of-log flag, so the device could never be revoked")
		}
		if !v.VerifyDeviceSig() {
			return fieldErr(TypeDeviceAdd, "device_sig", "not a valid signature by device %s over DeviceCertInput(account, device)", v.Device)
		}
	case *DeviceRevoke:
		if want := DeviceCertLog([32]byte(v.Device)); h.LogID != want {
			return ctxErr(TypeDeviceRevoke, "entry log_id %s is not DeviceCertLog(device) = %s", h.LogID, want)
		}
		if h.Seq < 2 {
			return ctxErr(TypeDeviceRevoke, "entry seq is %d, want at least 2: a revocation follows the certificate in its log", h.Seq)
		}
	}
	return nil
}

// CheckDelete checks the rules of a delete that need its target, which only
// a store holding both entries can apply. h is the delete's header, d its
// payload; target is the header of the entry d.Target names, and targetType
// the target's payload type, or "" when its payload is not held (withheld,
// already dropped or opaque). The rules:
//
//   - target is the entry d.Target names (its id matches);
//   - the target has the same author as the delete: a device deletes only
//     what it wrote, not what other devices of the same account wrote;
//   - the target is not itself a delete (deleting a delete would undo it
//     where it has not arrived yet) nor a device certificate or revocation
//     (those are revoked, not deleted).
//
// When it passes, the store drops the target's payload and keeps its header.
// When the target is not held yet, the store keeps the delete and applies it
// when the target arrives.
func CheckDelete(h *entry.Header, d *Delete, target *entry.Header, targetType string) error {
	if h == nil || d == nil || target == nil {
		return &Error{Type: TypeDelete, Msg: "nil header, payload or target"}
	}
	if id := entry.ID(sha256.Sum256(target.AppendSigned(nil))); id != d.Target {
		return fieldErr(TypeDelete, "target", "names %s, but the given target entry is %s", d.Target, id)
	}
	if target.Author != h.Author {
		return fieldErr(TypeDelete, "target", "%s was written by %s, not by the deleting author %s", d.Target, target.Author.Device(), h.Author.Device())
	}
	switch targetType {
	case TypeDelete:
		return fieldErr(TypeDelete, "target", "%s is a delete, which cannot be deleted", d.Target)
	case TypeDeviceAdd, TypeDeviceRevoke:
		return fieldErr(TypeDelete, "target", "%s is a %s, which cannot be deleted; revoke the device instead", d.Target, targetType)
	}
	return nil
}

func ctxErr(typ, format string, args ...any) error {
	return &Error{Type: typ, Msg: fmt.Sprintf(format, args...)}
}
