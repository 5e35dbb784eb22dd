package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRevokedDeviceOffline: an account with two devices, A (which holds
// the account key) and B, and a friend F following the account. B goes
// offline and writes; A revokes B, keeping what A holds of B's logs; F
// gets the revocation. When B reconnects, its posts written after the
// revocation reach neither A nor F, its earlier posts stay visible, and
// B's node says it was revoked and refuses to post (payloads.md §6.1).
func TestRevokedDeviceOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := twoDeviceNodes(t, dir)
	f := startNode(t, "f", filepath.Join(dir, "f"))
	f.kith("follow", a.Account)
	villageConnect(a, b, f)
	b.post("b before")
	for _, p := range []*proc{a, f} {
		waitFor(t, syncTimeout, p.name+" to hold B's first post", func() bool { return p.hasPosts(a.Account, []string{"b before"}) })
	}

	b.stop()
	var revoked struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.kith("device", "revoke", b.Device), &revoked); err != nil || revoked.ID == "" {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	waitFor(t, syncTimeout, "F to hold the revocation", func() bool {
		_, err := f.try("show", revoked.ID)
		return err == nil
	})
	// Offline and unaware, B writes on.
	b.post("b after 1")
	b.post("b after 2")
	b.start()
	villageConnect(a, b, f)

	// B learns it was revoked and drops what it wrote after.
	waitFor(t, syncTimeout, "B to know it was revoked", func() bool {
		var st struct {
			Revoked *struct {
				By      string `json:"by"`
				Message string `json:"message"`
			} `json:"revoked"`
		}
		out, err := b.try("status")
		return err == nil && json.Unmarshal(out, &st) == nil && st.Revoked != nil && st.Revoked.By == revoked.ID
	})
	waitFor(t, syncTimeout, "B to hold only its kept post", func() bool { return b.hasPosts(a.Account, []string{"b before"}) })
	// Both sides' sessions with B were live after B got the revocation,
	// so B offered A and F everything it had: none of it was taken.
	for _, p := range []*proc{a, f} {
		waitFor(t, syncTimeout, p.name+" and B caught up", func() bool { return liveWith(p, b.Device) })
		if got := p.posts(a.Account); len(got) != 1 || got[0] != "b before" {
			t.Fatalf("%s holds the account's posts %q, want only %q", p.name, got, "b before")
		}
	}
	out, err := b.try("post", "b once more")
	if err == nil || !strings.Contains(err.Error(), "revoked") || !strings.Contains(err.Error(), revoked.ID) || !strings.Contains(err.Error(), "kith init --pair") {
		t.Fatalf("B posted after learning of its revocation: %s %v", out, err)
	}
	human := b.plain("status")
	if !strings.Contains(human, "REVOKED") || !strings.Contains(human, revoked.ID) {
		t.Fatalf("B's status does not say it was revoked:\n%s", human)
	}
	// A, which holds the account key, writes on.
	a.post("a still here")
	waitFor(t, syncTimeout, "F to get A's post", func() bool {
		got := f.posts(a.Account)
		t.Logf("F holds %q; A holds %q", got, a.posts(a.Account))
		return slices.Contains(got, "a still here") && slices.Contains(got, "b before") && len(got) == 2
	})
}

// twoDeviceNodes starts two nodes in dir, a and b, of one account: b's
// home is restored from a's recovery phrase.
func twoDeviceNodes(t *testing.T, dir string) (a, b *proc) {
	t.Helper()
	ha, hb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	var created struct {
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, ha, "", "init"), &created); err != nil || created.RecoveryPhrase == "" {
		t.Fatalf("init A: %+v %v", created, err)
	}
	kithIn(t, hb, created.RecoveryPhrase+"\n", "init", "--restore")
	a, b = startNode(t, "a", ha), startNode(t, "b", hb)
	if a.Account != b.Account || a.Device == b.Device {
		t.Fatalf("A %s/%s and B %s/%s: want one account, two devices", a.Account, a.Device, b.Account, b.Device)
	}
	return a, b
}

// liveWith reports whether p's sync session with device is live.
func liveWith(p *proc, device string) bool {
	var peers []struct {
		Device string `json:"device"`
		Sync   *struct {
			Phase string `json:"phase"`
		} `json:"sync"`
	}
	out, err := p.try("peers")
	if err != nil || json.Unmarshal(out, &peers) != nil {
		return false
	}
	for _, q := range peers {
		if q.Device == device && q.Sync != nil && q.Sync.Phase == "live" {
			return true
		}
	}
	return false
}

// plain runs a CLI command on the node's home without --json and returns
// its stdout, as a person reads it.
func (p *proc) plain(args ...string) string {
	p.t.Helper()
	cmd := exec.Command(kithBin, append([]string{"--home", p.home}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+p.home)
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("%s: kith %s: %v", p.name, strings.Join(args, " "), err)
	}
	return string(out)
}
