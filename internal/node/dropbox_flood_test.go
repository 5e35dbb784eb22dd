package node_test

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/node"
)

// sendLetters has s leave count letters for bob and returns how many the
// hub took and the refusals' texts.
func sendLetters(t *testing.T, s, bob *node.Node, count int) (taken int, refusals []string) {
	t.Helper()
	for i := range count {
		if _, err := s.SendLetter(t.Context(), bob.Account().Key(), strings.Repeat("buy now ", 10+i)); err != nil {
			refusals = append(refusals, err.Error())
			continue
		}
		taken++
	}
	return taken, refusals
}

// Issue 14, item 5, bad input: senders bob does not follow flood his
// dropbox with letters under fresh keys; the hub takes 4 from each
// depositing device and 6 in all for bob (its limits here), refuses the
// rest saying which limit, and still takes the letter of carol, whom bob
// follows; bob then collects every letter taken, carol's among them.
func TestDropboxFloodKeepsFollowed(t *testing.T) {
	defer node.SetDropboxTimers(200*time.Millisecond, time.Second)()
	ctx := t.Context()
	hubHome := t.TempDir()
	hub, _, err := node.Init(hubHome, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	serveHub(t, hub, node.HubConfig{On: true, Dropbox: node.DropboxConfig{Strangers: 6, PerSender: 4}})
	bob, _ := initNode(t, node.Options{})
	carol, _ := initNode(t, node.Options{})
	m1, _ := initNode(t, node.Options{})
	m2, _ := initNode(t, node.Options{})
	for _, n := range []*node.Node{bob, carol, m1, m2} {
		serveLoopback(t, n)
	}
	// Bob follows carol and holds her certificate.
	follow(t, bob, carol)
	if _, err := bob.AddPeer(ctx, carol.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob to hold carol's device", func() bool {
		ds, err := bob.Store().Devices(ctx, carol.Account().Key())
		return err == nil && len(ds) == 1
	})
	// Bob names the hub as his dropbox and collects once: the hub learns
	// whom he follows.
	if _, err := bob.PublishHubs(ctx, []node.HubAddr{{Addr: hub.Addrs()[0], Dropbox: true}}); err != nil {
		t.Fatal(err)
	}
	bobAccount := bob.Account().Key()
	followsFile := filepath.Join(hubHome, "dropbox", "follows", hex.EncodeToString(bobAccount[:]))
	eventually(t, "the hub to hold whom bob follows", func() bool {
		b, err := os.ReadFile(followsFile)
		carolDevice := carol.Device().Key()
		return err == nil && strings.Contains(string(b), hex.EncodeToString(carolDevice[:]))
	})
	publishDropbox(t, hub, hubHome, bob, m1, m2, carol)

	taken, refusals := sendLetters(t, m1, bob, 10)
	if taken != 4 || len(refusals) != 6 || !strings.Contains(refusals[0], "this device has 4 letters waiting for the recipient") {
		t.Fatalf("the first flooder: %d taken, refusals %q", taken, refusals)
	}
	taken, refusals = sendLetters(t, m2, bob, 10)
	if taken != 2 || len(refusals) != 8 || !strings.Contains(refusals[0], "the recipient has 6 letters waiting from people it does not follow") {
		t.Fatalf("the second flooder: %d taken, refusals %q", taken, refusals)
	}
	sent, err := carol.SendLetter(ctx, bob.Account().Key(), "carol here: dinner on friday?")
	if err != nil {
		t.Fatalf("carol's letter after the flood: %v", err)
	}
	if !sent.Followed {
		t.Fatal("carol's letter was not signed as a followed sender's")
	}
	if got := letterFiles(t, hubHome); got != 7 {
		t.Fatalf("the hub keeps %d letters, want 7", got)
	}
	serveLoopback(t, bob)
	var reqs []node.Request
	eventually(t, "bob to collect the 7 letters", func() bool {
		reqs, err = bob.Requests(ctx)
		return err == nil && len(reqs) == 7
	})
	found := false
	for _, r := range reqs {
		if r.From == carol.Account() && r.Text == "carol here: dinner on friday?" && r.Following {
			found = true
		}
	}
	if !found {
		t.Fatalf("carol's letter is not among bob's requests: %+v", reqs)
	}
	eventually(t, "the hub to drop what bob kept", func() bool { return letterFiles(t, hubHome) == 0 })
}

// Issue 14, item 5: a letter is kept for 14 days by the hub's own clock
// from when it arrived, across a restart of the hub; then it is dropped.
func TestDropboxExpiryAndRestart(t *testing.T) {
	defer node.SetDropboxTimers(200*time.Millisecond, 100*time.Millisecond)()
	ctx := t.Context()
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	clock := &hubClock{t: t0}
	hubHome := t.TempDir()
	hub, _, err := node.Init(hubHome, node.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	serveHub(t, hub, node.HubConfig{On: true})
	bob, _ := initNode(t, node.Options{})
	alice, _ := initNode(t, node.Options{})
	serveLoopback(t, bob)
	serveLoopback(t, alice)
	publishDropbox(t, hub, hubHome, bob, alice)
	if _, err := alice.SendLetter(ctx, bob.Account().Key(), "first"); err != nil {
		t.Fatal(err)
	}
	clock.set(t0.Add(10 * 24 * time.Hour))
	if _, err := alice.SendLetter(ctx, bob.Account().Key(), "second"); err != nil {
		t.Fatal(err)
	}
	// The hub restarts.
	if err := hub.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	if err := hub.Close(); err != nil {
		t.Fatal(err)
	}
	clock.set(t0.Add(14*24*time.Hour - time.Second))
	hub, err = node.Open(hubHome, node.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	serveHub(t, hub, node.HubConfig{On: true})
	time.Sleep(300 * time.Millisecond) // expiry rounds run
	if got := letterFiles(t, hubHome); got != 2 {
		t.Fatalf("after the restart, a second before 14 days: %d letters, want 2", got)
	}
	clock.set(t0.Add(14 * 24 * time.Hour))
	eventually(t, "the first letter to expire", func() bool { return letterFiles(t, hubHome) == 1 })
	if got := hub.OpsReport().Expiries; !slices.Contains(got, node.Count{Service: "dropbox", What: "expired", N: 1}) {
		t.Errorf("the hub's expiries %+v, want one dropbox letter", got)
	}
	serveLoopback(t, bob)
	if _, err := bob.AddPeer(ctx, hub.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	var reqs []node.Request
	eventually(t, "bob to collect the second letter", func() bool {
		reqs, err = bob.Requests(ctx)
		return err == nil && len(reqs) == 1
	})
	if reqs[0].Text != "second" {
		t.Fatalf("bob collected %q, want second", reqs[0].Text)
	}
}
