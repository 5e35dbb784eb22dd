package content

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/hdevalence/ed25519consensus"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// DeviceCertContext is the domain separator of device certificates: the 19
// ASCII bytes "kith-device-cert-v1" and one zero byte.
const DeviceCertContext = "kith-device-cert-v1\x00"

// DeviceCertLog returns the id of the log, in the account's logs, that
// certifies device: SHA-256(DeviceCertContext ‖ device key). Its seq 1 is
// the device.add entry; a device.revoke may follow.
func DeviceCertLog(device identity.PublicKey) entry.LogID {
	h := sha256.New()
	h.Write([]byte(DeviceCertContext))
	h.Write(device[:])
	var id entry.LogID
	h.Sum(id[:0])
	return id
}

// DeviceCertInput returns the bytes the device signs to agree to belong to
// the account: DeviceCertContext ‖ account key ‖ device key (84 bytes).
func DeviceCertInput(account, device identity.PublicKey) []byte {
	b := make([]byte, 0, len(DeviceCertContext)+64)
	b = append(b, DeviceCertContext...)
	b = append(b, account[:]...)
	return append(b, device[:]...)
}

// VerifyDeviceSig reports whether d.DeviceSig is the device's valid (ZIP-215)
// signature over DeviceCertInput(d.Account, d.Device).
func (d *DeviceAdd) VerifyDeviceSig() bool {
	dev := identity.PublicKey(d.Device)
	return ed25519consensus.Verify(ed25519.PublicKey(dev[:]), DeviceCertInput(identity.PublicKey(d.Account), dev), d.DeviceSig[:])
}

// NewDeviceCert builds the device.add entry by which account admits device:
// seq 1 of the log DeviceCertLog(device), authored and signed by the account
// key, counter-signed by the device key. name is optional ("" for none);
// timestamp is in ms since the epoch.
func NewDeviceCert(account identity.PrivateKey, device identity.PrivateKey, name string, timestamp uint64) (*entry.Entry, error) {
	if account.IsZero() || device.IsZero() {
		return nil, errors.New("device.add: unset account or device key")
	}
	acc, dev := account.Public(), device.Public()
	add := &DeviceAdd{
		Account:   acc.Account(),
		Device:    dev.Device(),
		Name:      name,
		DeviceSig: device.Sign(DeviceCertInput(acc, dev)),
	}
	payload, err := Encode(add)
	if err != nil {
		return nil, err
	}
	e, err := entry.Sign(account, entry.Draft{LogID: DeviceCertLog(dev), Seq: 1, Timestamp: timestamp, Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("device.add: %w", err)
	}
	if err := Validate(&e.Header, add); err != nil {
		return nil, err // unreachable unless the rules and this builder disagree
	}
	return e, nil
}

// NewDeviceRevoke builds the device.revoke entry that withdraws the
// certificate cert (the device.add entry, with its payload): seq 2 of the
// same log, authored and signed by account, with the end-of-log flag set, so
// the revocation is final. reason is optional ("" for none). keep names the
// heads of the device's logs whose entries stay valid, each with its log and
// seq (payloads.md §5; any order, sorted here by id; one per log); none
// keeps nothing.
func NewDeviceRevoke(account identity.PrivateKey, cert *entry.Entry, reason string, keep []KeptHead, timestamp uint64) (*entry.Entry, error) {
	if account.IsZero() {
		return nil, errors.New("device.revoke: unset account key")
	}
	if cert == nil || cert.Payload == nil {
		return nil, errors.New("device.revoke: need the device certificate entry with its payload")
	}
	if cert.Header.Author != account.Public() {
		return nil, fmt.Errorf("device.revoke: the certificate was authored by %s, not by account %s", cert.Header.Author.Account(), account.Public().Account())
	}
	p, err := Decode(cert.Payload)
	if err != nil {
		return nil, fmt.Errorf("device.revoke: certificate payload: %w", err)
	}
	add, ok := p.(*DeviceAdd)
	if !ok {
		return nil, fmt.Errorf("device.revoke: the given entry is a %q, not a %q certificate", p.Type(), TypeDeviceAdd)
	}
	if err := entry.CheckPayload(&cert.Header, cert.Payload); err != nil {
		return nil, fmt.Errorf("device.revoke: certificate: %w", err)
	}
	if err := Validate(&cert.Header, add); err != nil {
		return nil, fmt.Errorf("device.revoke: certificate: %w", err)
	}
	keep = slices.Clone(keep)
	slices.SortFunc(keep, func(a, b KeptHead) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	keep = slices.Compact(keep)
	rev := &DeviceRevoke{Device: add.Device, Reason: reason}
	for _, k := range keep {
		rev.Keep = append(rev.Keep, k.ID)
		rev.KeepAt = append(rev.KeepAt, k.KeptAt)
	}
	payload, err := Encode(rev)
	if err != nil {
		return nil, err
	}
	e, err := entry.Sign(account, entry.Draft{
		LogID:     cert.Header.LogID,
		Seq:       cert.Header.Seq + 1,
		Backlink:  cert.ID,
		Timestamp: timestamp,
		Flags:     entry.FlagEndOfLog,
		Payload:   payload,
	})
	if err != nil {
		return nil, fmt.Errorf("device.revoke: %w", err)
	}
	return e, nil
}
