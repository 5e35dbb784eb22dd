package content

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

const ts = 1700000000000

func newCert(t *testing.T) (account, device identity.PrivateKey, cert *entry.Entry, add *DeviceAdd) {
	t.Helper()
	account, device = key(t, 1), key(t, 2)
	cert, err := NewDeviceCert(account, device, "laptop", ts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(cert.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return account, device, cert, p.(*DeviceAdd)
}

func TestDeviceCertInputs(t *testing.T) {
	a, d := key(t, 1).Public(), key(t, 2).Public()
	in := DeviceCertInput(a, d)
	if len(in) != 84 || string(in[:20]) != "kith-device-cert-v1\x00" || !bytes.Equal(in[20:52], a[:]) || !bytes.Equal(in[52:], d[:]) {
		t.Fatalf("DeviceCertInput = %x", in)
	}
	want := sha256.Sum256(append([]byte("kith-device-cert-v1\x00"), d[:]...))
	if got := DeviceCertLog(d); got != entry.LogID(want) {
		t.Fatalf("DeviceCertLog = %x", got)
	}
	if DeviceCertLog(a) == DeviceCertLog(d) || DeviceCertLog(d) == entry.PublicLog {
		t.Fatal("log ids collide")
	}
}

func TestDeviceCertValid(t *testing.T) {
	account, device, cert, add := newCert(t)
	if !cert.Verify() {
		t.Fatal("entry signature")
	}
	h := cert.Header
	if h.Author != account.Public() || h.LogID != DeviceCertLog(device.Public()) || h.Seq != 1 || h.Flags != 0 || h.Timestamp != ts {
		t.Fatalf("header %+v", h)
	}
	if add.Account != account.Public().Account() || add.Device != device.Public().Device() || add.Name != "laptop" {
		t.Fatalf("payload %+v", add)
	}
	if err := Validate(&h, add); err != nil {
		t.Fatal(err)
	}
	if !add.VerifyDeviceSig() {
		t.Fatal("VerifyDeviceSig")
	}
	unnamed, err := NewDeviceCert(account, device, "", ts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Decode(unnamed.Payload)
	if err := Validate(&unnamed.Header, p); err != nil || p.(*DeviceAdd).Name != "" {
		t.Fatalf("unnamed: %v %+v", err, p)
	}
	if _, err := NewDeviceCert(account, account, "", ts); err == nil {
		t.Fatal("device = account accepted")
	}
	if _, err := NewDeviceCert(identity.PrivateKey{}, device, "", ts); err == nil {
		t.Fatal("unset key accepted")
	}
	_, err = NewDeviceCert(account, device, string(make([]byte, 101)), ts)
	wantErr(t, err, "device.add: field name: 101 bytes exceeds the limit of 100")
}

func TestDeviceCertInvalid(t *testing.T) {
	account, device, cert, add := newCert(t)
	other := key(t, 3)
	devID := device.Public().Device()
	wantLog := DeviceCertLog(device.Public())

	// a wrong device signature
	bad := *add
	bad.DeviceSig[0] ^= 1
	wantErr(t, Validate(&cert.Header, &bad), fmt.Sprintf("device.add: field device_sig: not a valid signature by device %s over DeviceCertInput(account, device)", devID))

	// signed by another device key than the one named
	forged := *add
	forged.DeviceSig = other.Sign(DeviceCertInput(account.Public(), device.Public()))
	wantErr(t, Validate(&cert.Header, &forged), fmt.Sprintf("device.add: field device_sig: not a valid signature by device %s over DeviceCertInput(account, device)", devID))

	// signed over another account
	swapped := *add
	swapped.DeviceSig = device.Sign(DeviceCertInput(other.Public(), device.Public()))
	wantErr(t, Validate(&cert.Header, &swapped), fmt.Sprintf("device.add: field device_sig: not a valid signature by device %s over DeviceCertInput(account, device)", devID))

	// author ≠ account
	h := cert.Header
	h.Author = other.Public()
	wantErr(t, Validate(&h, add), fmt.Sprintf("device.add: field account: %s is not the entry author %s; the account key signs its device certificates", account.Public().Account(), other.Public().Account()))

	// wrong log id
	h = cert.Header
	h.LogID = entry.PublicLog
	wantErr(t, Validate(&h, add), fmt.Sprintf("device.add: entry log_id %s is not DeviceCertLog(device) = %s", entry.PublicLog, wantLog))
	h.LogID = DeviceCertLog(other.Public())
	wantErr(t, Validate(&h, add), fmt.Sprintf("device.add: entry log_id %s is not DeviceCertLog(device) = %s", DeviceCertLog(other.Public()), wantLog))

	// seq 2
	h = cert.Header
	h.Seq, h.Backlink = 2, eid("x")
	wantErr(t, Validate(&h, add), "device.add: entry seq is 2, want 1: a device certificate opens its log")

	// end of log
	h = cert.Header
	h.Flags = entry.FlagEndOfLog
	wantErr(t, Validate(&h, add), "device.add: entry has the end-of-log flag, so the device could never be revoked")

	// an entry signed by the device instead of the account
	e, err := entry.Sign(device, entry.Draft{LogID: wantLog, Seq: 1, Timestamp: ts, Payload: cert.Payload})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, Validate(&e.Header, add), fmt.Sprintf("device.add: field account: %s is not the entry author %s; the account key signs its device certificates", account.Public().Account(), device.Public().Account()))

	if err := Validate(nil, add); err == nil {
		t.Fatal("nil header accepted")
	}
}

func TestDeviceRevoke(t *testing.T) {
	account, device, cert, _ := newCert(t)
	rev, err := NewDeviceRevoke(account, cert, "lost on a train", nil, ts+1)
	if err != nil {
		t.Fatal(err)
	}
	if !rev.Verify() {
		t.Fatal("signature")
	}
	if err := entry.CheckNext(&cert.Header, cert.ID, &rev.Header); err != nil {
		t.Fatal(err)
	}
	if rev.Header.Seq != 2 || rev.Header.Flags != entry.FlagEndOfLog || rev.Header.LogID != cert.Header.LogID {
		t.Fatalf("header %+v", rev.Header)
	}
	p, err := Decode(rev.Payload)
	if err != nil {
		t.Fatal(err)
	}
	r := p.(*DeviceRevoke)
	if r.Device != device.Public().Device() || r.Reason != "lost on a train" {
		t.Fatalf("payload %+v", r)
	}
	if err := Validate(&rev.Header, r); err != nil {
		t.Fatal(err)
	}

	h := rev.Header
	h.Seq = 1
	wantErr(t, Validate(&h, r), "device.revoke: entry seq is 1, want at least 2: a revocation follows the certificate in its log")
	h = rev.Header
	h.LogID = entry.PublicLog
	wantErr(t, Validate(&h, r), fmt.Sprintf("device.revoke: entry log_id %s is not DeviceCertLog(device) = %s", entry.PublicLog, cert.Header.LogID))

	// builder refusals
	other := key(t, 3)
	_, err = NewDeviceRevoke(other, cert, "", nil, ts)
	wantErr(t, err, fmt.Sprintf("device.revoke: the certificate was authored by %s, not by account %s", account.Public().Account(), other.Public().Account()))
	_, err = NewDeviceRevoke(account, rev, "", nil, ts)
	wantErr(t, err, `device.revoke: the given entry is a "device.revoke", not a "device.add" certificate`)
	headerOnly := *cert
	headerOnly.Payload = nil
	_, err = NewDeviceRevoke(account, &headerOnly, "", nil, ts)
	wantErr(t, err, "device.revoke: need the device certificate entry with its payload")
	tampered := *cert
	tampered.Payload = append([]byte(nil), cert.Payload...)
	tampered.Payload[len(tampered.Payload)-1] ^= 1 // breaks device_sig, and the payload hash
	_, err = NewDeviceRevoke(account, &tampered, "", nil, ts)
	wantErr(t, err, "device.revoke: certificate: entry payload: SHA-256 does not match the header's payload_hash")
}

func TestCheckDelete(t *testing.T) {
	dev, other := key(t, 4), key(t, 5)
	post, _ := Encode(&Post{Text: "oops"})
	target, err := entry.Sign(dev, entry.Draft{Seq: 1, Timestamp: ts, Payload: post})
	if err != nil {
		t.Fatal(err)
	}
	d := &Delete{Target: target.ID}
	payload, _ := Encode(d)
	del, err := entry.Sign(dev, entry.Draft{Seq: 2, Backlink: target.ID, Timestamp: ts, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(&del.Header, d); err != nil {
		t.Fatal(err)
	}
	if err := CheckDelete(&del.Header, d, &target.Header, TypePost); err != nil {
		t.Fatal(err)
	}
	if err := CheckDelete(&del.Header, d, &target.Header, ""); err != nil {
		t.Fatal(err)
	}
	otherDel, _ := entry.Sign(other, entry.Draft{Seq: 1, Timestamp: ts, Payload: payload})
	wantErr(t, CheckDelete(&otherDel.Header, d, &target.Header, TypePost),
		fmt.Sprintf("delete: field target: %s was written by %s, not by the deleting author %s", target.ID, dev.Public().Device(), other.Public().Device()))
	wrong := &Delete{Target: eid("elsewhere")}
	wantErr(t, CheckDelete(&del.Header, wrong, &target.Header, TypePost),
		fmt.Sprintf("delete: field target: names %s, but the given target entry is %s", wrong.Target, target.ID))
	wantErr(t, CheckDelete(&del.Header, d, &target.Header, TypeDelete),
		fmt.Sprintf("delete: field target: %s is a delete, which cannot be deleted", target.ID))
	wantErr(t, CheckDelete(&del.Header, d, &target.Header, TypeDeviceAdd),
		fmt.Sprintf("delete: field target: %s is a device.add, which cannot be deleted; revoke the device instead", target.ID))
	if CheckDelete(nil, d, &target.Header, "") == nil {
		t.Fatal("nil header accepted")
	}
}

// The header-free types carry no log rule (see Validate).
func TestValidateOtherTypes(t *testing.T) {
	h := &entry.Header{Version: 1, Seq: 7, LogID: entry.LogID(eid("village"))}
	for _, c := range typedCases() {
		if c.p.Type() == TypeDeviceAdd || c.p.Type() == TypeDeviceRevoke {
			continue
		}
		if err := Validate(h, c.p); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	if err := Validate(h, &Unknown{TypeName: "village.found"}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, Validate(h, &Post{Text: "\xff"}), "post: field text: not valid UTF-8")
}
