package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/node"
)

// Issue 14, item 5 (services.md §8.3): a hub that kept a copy of a letter
// bob ignored hands it over again; bob's node does not show it again,
// after a restart too, and names it as received so the hub drops it. The
// id is remembered 30 days by bob's own clock: past them, a replay is
// shown again (the bound on what ignoring costs bob's disk).
func TestDropboxIgnoredLetterNotReplayed(t *testing.T) {
	defer node.SetDropboxTimers(200*time.Millisecond, time.Second)()
	ctx := t.Context()
	hubHome := t.TempDir()
	hub, _, err := node.Init(hubHome, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	serveHub(t, hub, node.HubConfig{On: true})
	hubAddr := hub.Addrs()[0]
	listen := hubAddr[:strings.Index(hubAddr, "/p2p/")]

	clock := &hubClock{t: time.Now()}
	bobHome := t.TempDir()
	bob, _, err := node.Init(bobHome, node.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := initNode(t, node.Options{})
	serveLoopback(t, bob)
	serveLoopback(t, alice)
	publishDropbox(t, hub, hubHome, bob, alice)
	sent, err := alice.SendLetter(ctx, bob.Account().Key(), "buy my course")
	if err != nil {
		t.Fatal(err)
	}
	// The hub keeps a copy of the letter's file.
	letterPath := filepath.Join(hubHome, "dropbox", "letters", sent.ID)
	copyOf, err := os.ReadFile(letterPath)
	if err != nil {
		t.Fatal(err)
	}
	evs, cancel := bob.Subscribe(64)
	defer cancel()
	serveLoopback(t, bob)
	eventually(t, "bob to collect the letter and the hub to drop it", func() bool {
		reqs, err := bob.Requests(ctx)
		return err == nil && len(reqs) == 1 && reqs[0].ID == sent.ID && letterFiles(t, hubHome) == 0
	})
	id, err := bob.ParseRequestID(sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := bob.IgnoreRequest(ctx, id); err != nil {
		t.Fatal(err)
	}
	// The subscribers heard of the request when it came and went.
	var changes []string
	for len(changes) < 2 {
		select {
		case ev := <-evs:
			if ev.Kind == node.EventRequest && ev.Request == sent.ID {
				changes = append(changes, ev.RequestChange)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("request events %v, want new then ignored", changes)
		}
	}
	if changes[0] != "new" || changes[1] != "ignored" {
		t.Fatalf("request events %v, want new then ignored", changes)
	}
	cancel()

	// Bob's node restarts; the hub restarts with the copy on its disk.
	if err := bob.StopNetwork(); err != nil {
		t.Fatal(err)
	}
	if err := bob.Close(); err != nil {
		t.Fatal(err)
	}
	bob, err = node.Open(bobHome, node.Options{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bob.Close() })
	replay := func() {
		t.Helper()
		if err := hub.StopNetwork(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(letterPath, copyOf, 0o600); err != nil {
			t.Fatal(err)
		}
		serveLoopbackWith(t, hub, func(c *node.Config) {
			c.Hub = node.HubConfig{On: true}
			c.Listen = []string{listen}
		})
	}
	replay()
	serveLoopback(t, bob)
	eventually(t, "bob's node to take the replayed letter and the hub to drop it", func() bool { return letterFiles(t, hubHome) == 0 })
	if reqs, err := bob.Requests(ctx); err != nil || len(reqs) != 0 {
		t.Fatalf("after the replay, bob holds %d requests (%v); want none (he ignored it)", len(reqs), err)
	}

	// 31 days later by bob's clock the id is forgotten: a replay then is
	// shown again.
	clock.set(clock.now().Add(31 * 24 * time.Hour))
	replay()
	eventually(t, "a replay after 31 days to be shown again", func() bool {
		reqs, err := bob.Requests(ctx)
		return err == nil && len(reqs) == 1 && reqs[0].ID == sent.ID
	})
}
