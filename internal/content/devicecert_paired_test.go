package content

import (
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

func TestNewPairedDeviceCert(t *testing.T) {
	acc, _ := identity.GenerateKey(nil)
	dev, _ := identity.GenerateKey(nil)
	sig := dev.Sign(DeviceCertInput(acc.Public(), dev.Public()))
	e, err := NewPairedDeviceCert(acc, dev.Public(), sig, "phone", 1000)
	if err != nil {
		t.Fatal(err)
	}
	// It is the certificate NewDeviceCert makes, but for "paired".
	p, err := Decode(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	add := p.(*DeviceAdd)
	if !add.Paired || add.Name != "phone" || add.Device != dev.Public().Device() || add.Account != acc.Public().Account() {
		t.Fatalf("paired certificate %+v", add)
	}
	add.Paired = false
	payload, err := Encode(add)
	if err != nil {
		t.Fatal(err)
	}
	want, err := NewDeviceCert(acc, dev, "phone", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if string(payload) != string(want.Payload) {
		t.Fatalf("paired certificate without \"paired\" %x differs from the one NewDeviceCert makes, %x", payload, want.Payload)
	}
	other, _ := identity.GenerateKey(nil)
	bad := dev.Sign(DeviceCertInput(other.Public(), dev.Public()))
	if _, err := NewPairedDeviceCert(acc, dev.Public(), bad, "", 1000); err == nil {
		t.Fatal("a signature for another account was accepted")
	}
	if _, err := NewPairedDeviceCert(acc, dev.Public(), sig, "\u202eenohp", 1000); err == nil {
		t.Fatal("a name with a bidi control was accepted")
	}
}
