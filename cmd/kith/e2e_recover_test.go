package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// writePNG writes a small PNG image and returns its bytes.
func writePNG(t *testing.T, path string, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for x := 0; x < 24; x++ {
		img.Set(x, x%16, color.RGBA{R: shade, G: uint8(x * 9), B: 90, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRecoverFromFriend (issue 12, item 7): every device of an account is
// lost with its home. A friend who followed the account holds its posts
// and their images. On a new machine, 'kith init --restore' and dialling
// the friend bring back every entry of both lost devices and the image;
// the node names the lost devices and how to revoke them; the new device
// (a new key) writes on without forking anything, and the friend gets it.
func TestRecoverFromFriend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	homes := []string{filepath.Join(dir, "laptop"), filepath.Join(dir, "phone")}
	phrase := accountDevices(t, homes, []string{"laptop", "phone"})
	laptop := startNode(t, "laptop", homes[0])
	phone := startNode(t, "phone", homes[1])
	friend := startNode(t, "friend", filepath.Join(dir, "friend"))
	villageConnect(laptop, phone, friend)
	friend.kith("follow", laptop.Account)

	photo := writePNG(t, filepath.Join(dir, "photo.png"), 200)
	var posted struct {
		Images []string `json:"images"`
	}
	if err := json.Unmarshal(laptop.kith("post", "a photo from the laptop", "--image", filepath.Join(dir, "photo.png")), &posted); err != nil || len(posted.Images) != 1 {
		t.Fatalf("post: %+v %v", posted, err)
	}
	phone.post("from the phone")
	laptopEntries, phoneEntries := laptop.entryCount(laptop.Device), phone.entryCount(phone.Device)
	waitFor(t, syncTimeout, "the friend to hold both devices' entries and the photo", func() bool {
		_, err := friend.try("blob", "get", posted.Images[0], "--out", filepath.Join(dir, "friend.png"))
		return err == nil && friend.entryCount(laptop.Device) == laptopEntries && friend.entryCount(phone.Device) == phoneEntries
	})
	waitFor(t, syncTimeout, "the phone to hold the laptop's entries", func() bool {
		return phone.entryCount(laptop.Device) == laptopEntries
	})

	// Both devices are lost with their homes.
	laptop.stop()
	phone.stop()
	for _, h := range homes {
		if err := os.RemoveAll(h); err != nil {
			t.Fatal(err)
		}
	}

	// A new machine: restore from the phrase, dial the friend.
	deskHome := filepath.Join(dir, "desk")
	var restored struct {
		Account string `json:"account"`
	}
	if err := json.Unmarshal(kithIn(t, deskHome, phrase+"\n", "init", "--restore", "--name", "desk"), &restored); err != nil || restored.Account != laptop.Account {
		t.Fatalf("restore: %+v %v", restored, err)
	}
	desk := startNode(t, "desk", deskHome)
	if desk.Device == laptop.Device || desk.Device == phone.Device {
		t.Fatalf("the restored device reuses a lost device's key %s", desk.Device)
	}
	desk.kith("peer", "add", friend.addr())
	waitFor(t, syncTimeout, "the desk to hold every entry of both lost devices", func() bool {
		return desk.entryCount(laptop.Device) == laptopEntries && desk.entryCount(phone.Device) == phoneEntries
	})
	if got := desk.posts(laptop.Account); !slices.Contains(got, "a photo from the laptop") || !slices.Contains(got, "from the phone") {
		t.Fatalf("the desk's posts of the account: %q", got)
	}
	got := filepath.Join(dir, "desk.png")
	waitFor(t, syncTimeout, "the desk to fetch the photo of its own post from the friend", func() bool {
		_, err := desk.try("blob", "get", posted.Images[0], "--out", got)
		return err == nil
	})
	if b, err := os.ReadFile(got); err != nil || !bytes.Equal(b, photo) {
		t.Fatalf("the desk's copy of the photo differs (%v)", err)
	}

	// The node names the lost devices and how to revoke them.
	waitFor(t, syncTimeout, "the desk to name the laptop and the phone as never synced", func() bool {
		var names []string
		for _, d := range desk.status().Copies.Unsynced {
			names = append(names, d.Name)
		}
		slices.Sort(names)
		return slices.Equal(names, []string{"laptop", "phone"})
	})
	s := desk.statusText()
	for _, d := range []*proc{laptop, phone} {
		name := map[*proc]string{laptop: "laptop", phone: "phone"}[d]
		if !strings.Contains(s, name+" has not synced with this device; if it is lost, revoke it: kith device revoke "+d.Device+"\n") {
			t.Fatalf("the desk's status does not tell how to revoke the %s:\n%s", name, s)
		}
	}
	desk.kith("device", "revoke", laptop.Device, "--reason", "lost")
	desk.kith("device", "revoke", phone.Device, "--reason", "lost")
	// The desk's own log holds one entry, on this device only: the
	// encryption key its first start published.
	waitFor(t, syncTimeout, "the desk to count one copy, the lost devices revoked", func() bool {
		st := desk.status()
		return len(st.Copies.Unsynced) == 0 && copiesAre(st, []string{"this device"},
			"laptop>this device="+itoa(uint64(laptopEntries)), "phone>this device="+itoa(uint64(phoneEntries)), "this device>this device=1")
	})

	// The desk writes on; the friend takes it, and no log forked anywhere.
	desk.post("back on a new machine")
	waitFor(t, syncTimeout, "the friend to hold the desk's post", func() bool {
		return slices.Contains(friend.posts(laptop.Account), "back on a new machine")
	})
	for _, p := range []*proc{desk, friend} {
		var peers []wire.Peer
		if err := json.Unmarshal(p.kith("peers"), &peers); err != nil {
			t.Fatal(err)
		}
		for _, q := range peers {
			if q.Sync != nil && q.Sync.Forks != 0 {
				t.Fatalf("%s saw %d forks with %s", p.name, q.Sync.Forks, q.Device)
			}
		}
	}
}
