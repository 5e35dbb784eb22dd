package content

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// TestDeviceAddPairedFalseRefused: "paired" is present only when true; a
// certificate that spells false has a second encoding of one meaning and
// is refused, and a value that is not a boolean says so.
func TestDeviceAddPairedFalseRefused(t *testing.T) {
	add := &DeviceAdd{Account: acc("ada"), Device: identity.DeviceID(acc("watch")), Paired: true}
	for _, c := range []struct {
		value any
		want  string
	}{
		{false, "device.add: field paired: false must be omitted"},
		{1, "device.add: field paired: want a boolean, got an unsigned integer"},
	} {
		m := map[string]any{"type": TypeDeviceAdd, "account": add.Account[:], "device": add.Device[:], "device_sig": add.DeviceSig[:], "paired": c.value}
		b, err := encMode.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("paired %v: %v, want %q", c.value, err, c.want)
		}
	}
	b, err := Encode(add)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(b)
	if err != nil || !p.(*DeviceAdd).Paired {
		t.Fatalf("paired true: %+v, %v", p, err)
	}
}
