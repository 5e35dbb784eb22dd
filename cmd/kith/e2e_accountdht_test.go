package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode/hostile"
	"github.com/kithnet/kith/internal/scope"
)

// TestFollowByAccountIDAlone (issue 12 item 8): two nodes that share only a
// DHT bootstrap node H, which follows nobody and holds nothing of theirs,
// and have never met: C follows A by its account id alone and receives A's
// posts, live. A's device announces A's account key in the DHT; C looks the
// key up, dials the provider, checks its certificate (signed by A's
// account) and replicates. A and C are DHT clients, in no routing table,
// so nothing else makes them dial each other: before the account
// rendezvous, C never got A's post. A forger announces itself under A's
// key too, with a valid certificate of its own throwaway account: C dials
// it, sees it is not A's device, says so and does not dial it again, and
// gets A's posts all the same.
func TestFollowByAccountIDAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	a := startNode(t, "a", filepath.Join(dir, "a"), "--bootstrap", h.addr(), "--log-level", "info")
	c := startNode(t, "c", filepath.Join(dir, "c"), "--bootstrap", h.addr(), "--log-level", "info")
	a.post("hello from a")

	forger, err := hostile.NewAttacker()
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	if err := forger.Listen(); err != nil {
		t.Fatal(err)
	}
	target, err := hostile.ParseTarget(h.addr())
	if err != nil {
		t.Fatal(err)
	}
	acc, err := identity.ParseAccount(a.Account)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := forger.Announce(ctx, target, scope.AccountRendezvousKey(acc.Key())); err != nil {
		t.Fatal(err)
	}

	if slices.Contains(villagePeers(c), a.Device) {
		t.Fatal("C is connected to A before following it")
	}
	c.kith("follow", a.Account)
	waitFor(t, syncTimeout, "C to get A's post by its account id alone", func() bool { return c.hasPosts(a.Account, []string{"hello from a"}) })
	if !strings.Contains(c.stderr.String(), "connected to a device found under its account's key") {
		t.Errorf("C's log does not say how it found A:\n%s", c.stderr.String())
	}
	forged := "a peer announced under an account's key is not its device; ignored"
	waitFor(t, syncTimeout, "C to refuse the forger", func() bool {
		return strings.Contains(c.stderr.String(), forged) && strings.Contains(c.stderr.String(), forger.Key().Device().String())
	})
	a.post("and again")
	waitFor(t, syncTimeout, "C to get A's next post", func() bool { return c.hasPosts(a.Account, []string{"hello from a", "and again"}) })
	if h.hasPosts(a.Account, []string{"hello from a"}) {
		t.Error("the bootstrap node holds A's post; it follows nobody")
	}
	if n := strings.Count(c.stderr.String(), forged); n != 1 {
		t.Errorf("C refused the forger %d times, want once (it is not dialled again)", n)
	}
}

// TestFollowByAccountIDStaleDevice (issue 12 item 8): a stale pointer is
// refused. A's two devices, laptop and phone, find each other under their
// account's key (they share only the DHT bootstrap node H, as C does); the
// laptop revokes the phone, which learns it and stops announcing the key.
// H still holds the phone's old announcement when C follows A by its id
// alone: C gets A's posts, the phone's from before its revocation
// included, and the revocation with them; the phone's post after it
// reaches nobody, and once C holds the revocation it does not take the
// phone for A's device.
func TestFollowByAccountIDStaleDevice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	hl, hp := filepath.Join(dir, "laptop"), filepath.Join(dir, "phone")
	var created struct {
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, hl, "", "init", "--name", "laptop"), &created); err != nil {
		t.Fatal(err)
	}
	kithIn(t, hp, created.RecoveryPhrase+"\n", "init", "--restore", "--name", "phone")
	laptop := startNode(t, "laptop", hl, "--bootstrap", h.addr(), "--log-level", "info")
	phone := startNode(t, "phone", hp, "--bootstrap", h.addr(), "--log-level", "info")
	laptop.post("from the laptop")
	phone.post("from the phone, before")
	waitFor(t, syncTimeout, "the laptop to find its phone under the account's key and get its post", func() bool {
		return slices.Contains(laptop.posts(laptop.Account), "from the phone, before")
	})

	var revoked struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(laptop.kith("device", "revoke", phone.Device, "--reason", "sold"), &revoked); err != nil || revoked.ID == "" {
		t.Fatalf("revoke: %+v %v", revoked, err)
	}
	waitFor(t, syncTimeout, "the phone to stop announcing the account's key", func() bool {
		return strings.Contains(phone.stderr.String(), "this device was revoked: it no longer announces its account's key")
	})
	if _, err := phone.try("post", "from the phone, after"); err == nil {
		t.Fatal("the revoked phone posted")
	}

	c := startNode(t, "c", filepath.Join(dir, "c"), "--bootstrap", h.addr(), "--log-level", "info")
	c.kith("follow", laptop.Account)
	want := []string{"from the laptop", "from the phone, before"}
	waitFor(t, syncTimeout, "C to get A's posts by its account id alone", func() bool {
		return slices.Equal(slices.Sorted(slices.Values(c.posts(laptop.Account))), want)
	})
	waitFor(t, syncTimeout, "C to hold the phone's revocation", func() bool {
		_, err := c.try("show", revoked.ID)
		return err == nil
	})
	// C reaches the laptop itself (under A's key, or by its key once the
	// phone, whose old pointer C may have followed first, gave C A's
	// certificate logs: the revocation among them).
	waitFor(t, syncTimeout, "C to connect to the laptop", func() bool {
		return slices.Contains(villagePeers(c), laptop.Device)
	})
	// The phone's later post never existed anywhere: it could not write.
	if got := slices.Sorted(slices.Values(c.posts(laptop.Account))); !slices.Equal(got, want) {
		t.Errorf("C holds A's posts %q, want %q", got, want)
	}
}
