package content

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// TestCheckDeviceCert: a device's own certificate passes; another device's,
// a post, a broken signature and a certificate at the wrong log are refused.
func TestCheckDeviceCert(t *testing.T) {
	acc, dev, other := key(t, 1), key(t, 2), key(t, 3)
	cert, err := NewDeviceCert(acc, dev, "laptop", 5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := CheckDeviceCert(cert.Raw, cert.Payload, dev.Public())
	if err != nil || got.ID != cert.ID {
		t.Fatalf("the good certificate: %v", err)
	}
	if _, err := CheckDeviceCert(cert.Raw, cert.Payload, other.Public()); err == nil {
		t.Fatal("another device's certificate passed")
	}
	broken := bytes.Clone(cert.Raw)
	broken[len(broken)-1] ^= 1
	if _, err := CheckDeviceCert(broken, cert.Payload, dev.Public()); err == nil {
		t.Fatal("a broken signature passed")
	}
	post, err := entry.Sign(acc, entry.Draft{LogID: DeviceCertLog(dev.Public()), Seq: 1, Timestamp: 1, Payload: []byte("\xa2dtextbhidtypedpost")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckDeviceCert(post.Raw, post.Payload, dev.Public()); err == nil {
		t.Fatal("a post passed as a certificate")
	}
	wrongLog, err := entry.Sign(acc, entry.Draft{Seq: 1, Timestamp: 1, Payload: cert.Payload})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CheckDeviceCert(wrongLog.Raw, wrongLog.Payload, dev.Public()); err == nil {
		t.Fatal("a certificate in the public log passed")
	}
}

// FuzzCheckDeviceCert: a peer's /kith/cert/1 answer is untrusted bytes;
// checking it never panics, and what passes is a verified device.add of
// the device at seq 1 of its certificate log.
func FuzzCheckDeviceCert(f *testing.F) {
	acc, dev := key(f, 1), key(f, 2)
	cert, err := NewDeviceCert(acc, dev, "laptop", 5)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cert.Raw, cert.Payload)
	f.Add(cert.Raw[:len(cert.Raw)-1], cert.Payload)
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, h, p []byte) {
		e, err := CheckDeviceCert(h, p, dev.Public())
		if err != nil {
			return
		}
		if e.Header.Seq != 1 || e.Header.LogID != DeviceCertLog(dev.Public()) || !e.Verify() {
			t.Fatalf("passed: %+v", e.Header)
		}
	})
}
