package api_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// twoDevices opens a node A and makes a second device B of its account
// (restored from the same phrase), whose certificate A then holds.
func twoDevices(t *testing.T) (a *fixture, b identity.DeviceID) {
	t.Helper()
	homeA := t.TempDir()
	na, phrase, err := node.Init(homeA, node.Options{DeviceName: "old"})
	if err != nil {
		t.Fatal(err)
	}
	// Opened again, as a running node would be: the account key is read
	// from its file when needed.
	na.Close()
	if na, err = node.Open(homeA, node.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { na.Close() })
	nb, err := node.Restore(t.TempDir(), phrase, node.Options{DeviceName: "new"})
	if err != nil {
		t.Fatal(err)
	}
	var bundle bytes.Buffer
	if _, err := nb.Export(t.Context(), &bundle, nil, nil); err != nil {
		t.Fatal(err)
	}
	b = nb.Device()
	nb.Close()
	if _, err := na.Import(t.Context(), &bundle, nil); err != nil {
		t.Fatal(err)
	}
	return serveNode(t, na), b
}

func TestDevices(t *testing.T) {
	f, other := twoDevices(t)
	var list wire.DeviceList
	f.call("GET", "/api/v1/devices", nil, &list)
	if list.Account != f.n.Account().String() || len(list.Devices) != 2 {
		t.Fatalf("devices = %+v", list)
	}
	for _, d := range list.Devices {
		this := d.ID == f.n.Device().String()
		name := map[bool]string{true: "old", false: "new"}[this]
		if (!this && d.ID != other.String()) || d.ThisDevice != this || d.Name != name || d.Revoked || d.RevokedBy != "" || !strings.HasPrefix(d.Cert, "ent_") {
			t.Errorf("device %+v", d)
		}
	}

	f.expectError("POST", "/api/v1/devices/"+other.String()+"/revoke", `{"reason":"`+strings.Repeat("r", 1001)+`"}`, 400, wire.CodeBadRequest, "device.revoke: field reason")
	var rev wire.Revoked
	f.call("POST", "/api/v1/devices/"+other.String()+"/revoke", wire.RevokeRequest{Reason: "lost"}, &rev)
	if rev.Device != other.String() || !rev.Revoked || !strings.HasPrefix(rev.ID, "ent_") {
		t.Errorf("revoke = %+v", rev)
	}
	f.call("GET", "/api/v1/devices", nil, &list)
	for _, d := range list.Devices {
		if (d.ID == other.String()) != d.Revoked || (d.Revoked && d.RevokedBy != rev.ID) {
			t.Errorf("after revoke: %+v", d)
		}
	}
	var e wire.Entry
	f.call("GET", "/api/v1/entries/"+rev.ID, nil, &e)
	if *e.Type != "device.revoke" || e.Payload["reason"] != "lost" {
		t.Errorf("revocation entry %+v", e)
	}

	stranger, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	strangerDev := stranger.Device().String()
	stranger.Close()
	for _, c := range []struct {
		device, body string
		status       int
		code, want   string
	}{
		{other.String(), `{}`, 409, wire.CodeConflict, "is already revoked"},
		{f.n.Device().String(), ``, 409, wire.CodeConflict, "this is the device you are using; revoke it from another device"},
		{strangerDev, `{"reason":"x"}`, 404, wire.CodeNotFound, "device " + strangerDev + " is not known here"},
		{f.n.Account().String(), `{}`, 400, wire.CodeBadRequest, "device: expected a device id (dev_…), got an account id (acc_…)"},
		{other.String(), `{"why":"x"}`, 400, wire.CodeBadRequest, `unknown field "why"`},
	} {
		f.expectError("POST", "/api/v1/devices/"+c.device+"/revoke", c.body, c.status, c.code, c.want)
	}
}

func TestRevokeWithoutAccountKey(t *testing.T) {
	f, other := twoDevices(t)
	if err := os.Remove(filepath.Join(f.n.Home(), "keys", "account.key")); err != nil {
		t.Fatal(err)
	}
	f.expectError("POST", "/api/v1/devices/"+other.String()+"/revoke", "", 409, wire.CodeNoAccountKey, "this device does not hold the account key")
}
