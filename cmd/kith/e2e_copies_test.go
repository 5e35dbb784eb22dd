package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// statusText runs 'kith status' without --json.
func (p *proc) statusText() string {
	p.t.Helper()
	cmd := exec.Command(kithBin, "--home", p.home, "status")
	cmd.Env = append(os.Environ(), "HOME="+p.home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("%s: kith status: %v: %s", p.name, err, stderr.String())
	}
	return string(out)
}

// entryCount is the number of entries of an account or device p holds.
func (p *proc) entryCount(who string) int {
	p.t.Helper()
	out, err := p.try("log", who)
	if err != nil && strings.Contains(err.Error(), "are held here") {
		return 0 // none of who's entries arrived yet
	} else if err != nil {
		p.t.Fatalf("%s: log %s: %v", p.name, who, err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	n := 0
	for dec.More() {
		var e wire.Entry
		if err := dec.Decode(&e); err != nil {
			p.t.Fatalf("%s: log: %v", p.name, err)
		}
		n++
	}
	return n
}

// copiesAre reports whether st's copies are exactly the complete copies
// named (this device as "this device") with the single copies given as
// "AUTHOR>HOLDER=N".
func copiesAre(st wire.Status, complete []string, single ...string) bool {
	name := func(d wire.CopyDevice) string {
		if d.ThisDevice {
			return "this device"
		}
		return d.Name
	}
	if st.Copies.Count != len(complete) || len(st.Copies.Complete) != len(complete) || len(st.Copies.Single) != len(single) {
		return false
	}
	for i, d := range st.Copies.Complete {
		if name(d) != complete[i] {
			return false
		}
	}
	got := map[string]bool{}
	for _, s := range st.Copies.Single {
		got[name(s.Author)+">"+name(s.Holder)+"="+itoa(s.Entries)] = true
	}
	for _, s := range single {
		if !got[s] {
			return false
		}
	}
	return true
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestCopiesTwoDevices (issue 12, item 6): a laptop and a phone of one
// account sync and each says the account's data has two copies. While
// the phone is away, the laptop's new posts are in one place only, and
// the laptop says so by name; when the phone is back and catches up, two
// copies again. Then the phone's home is deleted: once the laptop revokes
// the phone, it says there is one copy, and it holds every entry the
// phone had written.
func TestCopiesTwoDevices(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	homes := []string{filepath.Join(dir, "laptop"), filepath.Join(dir, "phone")}
	accountDevices(t, homes, []string{"laptop", "phone"})
	laptop := startNode(t, "laptop", homes[0])
	phone := startNode(t, "phone", homes[1])
	laptop.kith("peer", "add", phone.addr())
	laptop.post("laptop 1")
	phone.post("phone 1")
	phone.post("phone 2")
	for _, p := range []*proc{laptop, phone} {
		other := "phone"
		if p == phone {
			other = "laptop"
		}
		waitFor(t, syncTimeout, p.name+" to count two copies", func() bool {
			return copiesAre(p.status(), []string{"this device", other})
		})
	}
	if s := laptop.statusText(); !strings.Contains(s, "your data  2 copies (this device, phone)\n") {
		t.Fatalf("laptop's status:\n%s", s)
	}

	// The phone is away: what the laptop writes now is in one place.
	phone.stop()
	laptop.post("laptop 2")
	laptop.post("laptop 3")
	waitFor(t, syncTimeout, "the laptop to count one copy of its two new posts", func() bool {
		st := laptop.status()
		return copiesAre(st, []string{"this device"}, "this device>this device=2") && len(st.Copies.Devices) == 2 && st.Copies.Devices[1].Missing == 2
	})
	if s := laptop.statusText(); !strings.Contains(s, "your data  1 copy (this device)\n           2 entries of your log on this device are only on this device\n") {
		t.Fatalf("laptop's status:\n%s", s)
	}
	// Back, the phone catches up, and the count goes back to two, live.
	phone.start()
	laptop.kith("peer", "add", phone.addr())
	waitFor(t, syncTimeout, "the laptop to count two copies again", func() bool {
		return copiesAre(laptop.status(), []string{"this device", "phone"})
	})
	waitFor(t, syncTimeout, "the phone to count two copies", func() bool {
		return copiesAre(phone.status(), []string{"this device", "laptop"})
	})
	phoneEntries := phone.entryCount(phone.Device)
	if phoneEntries == 0 {
		t.Fatal("the phone wrote nothing")
	}

	// The phone is lost with its home.
	phone.stop()
	if err := os.RemoveAll(homes[1]); err != nil {
		t.Fatal(err)
	}
	if !copiesAre(laptop.status(), []string{"this device", "phone"}) {
		t.Fatalf("before the revocation the laptop counts %+v, want the phone's last known copy", laptop.status().Copies)
	}
	laptop.kith("device", "revoke", phone.Device, "--reason", "lost")
	lone := "phone>this device=" + itoa(uint64(phoneEntries))
	laptopEntries := laptop.entryCount(laptop.Device)
	waitFor(t, syncTimeout, "the laptop to count one copy after revoking the phone", func() bool {
		return copiesAre(laptop.status(), []string{"this device"}, lone, "this device>this device="+itoa(uint64(laptopEntries)))
	})
	if s := laptop.statusText(); !strings.Contains(s, "your data  1 copy (this device)\n") ||
		!strings.Contains(s, itoa(uint64(phoneEntries))+" entries of your log on phone are only on this device\n") {
		t.Fatalf("laptop's status:\n%s", s)
	}
	// Nothing was lost: every entry of the phone is on the laptop.
	if n := laptop.entryCount(phone.Device); n != phoneEntries {
		t.Fatalf("the laptop holds %d of the phone's entries, want %d", n, phoneEntries)
	}
	if !laptop.hasPosts(phone.Device, []string{"phone 1", "phone 2"}) {
		t.Fatalf("the phone's posts on the laptop: %q", laptop.posts(phone.Device))
	}
}
