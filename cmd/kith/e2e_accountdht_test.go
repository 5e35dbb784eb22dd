package main

import (
	"context"
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
