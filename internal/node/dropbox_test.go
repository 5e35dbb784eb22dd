package node_test

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/services"
)

// hubClock is a hub's clock a test moves.
type hubClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *hubClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *hubClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// letterFiles counts the letters a hub keeps on disk.
func letterFiles(t *testing.T, home string) int {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(home, "dropbox", "letters"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// enrolled reports whether bob's node has collected at the hub whose home
// is hubHome (the hub keeps a dropbox only for such accounts).
func enrolled(hubHome string, bob *node.Node) bool {
	a := bob.Account().Key()
	_, err := os.Stat(filepath.Join(hubHome, "dropbox", "follows", hex.EncodeToString(a[:])))
	return err == nil
}

// publishDropbox makes bob name hub as its dropbox (his node dials it and
// collects once) and lets sender hold bob's logs (sender follows bob and
// syncs with him), then takes bob offline.
func publishDropbox(t *testing.T, hub *node.Node, hubHome string, bob *node.Node, senders ...*node.Node) {
	t.Helper()
	ctx := t.Context()
	if _, err := bob.PublishHubs(ctx, []node.HubAddr{{Addr: hub.Addrs()[0], Dropbox: true}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob's node to collect at its dropbox once", func() bool { return enrolled(hubHome, bob) })
	for _, s := range senders {
		follow(t, s, bob)
		if _, err := s.AddPeer(ctx, bob.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the sender to hold bob's dropbox", func() bool {
			hs, err := s.AccountHubs(ctx, bob.Account().Key())
			return err == nil && len(hs) == 1 && hs[0].Dropbox && identity.PublicKey(hs[0].Device).Device() == hub.Device()
		})
	}
	if err := bob.StopNetwork(); err != nil {
		t.Fatal(err)
	}
}

// Issue 14, item 5: a sender bob does not follow leaves a letter at bob's
// dropbox while bob is offline; bob's node collects it when it comes
// online (dialling the dropbox its account names), bob reads it and
// answers; the answer reaches the sender as a private message, and the
// sender had nothing from bob before.
func TestDropboxLetterAnswered(t *testing.T) {
	defer node.SetDropboxTimers(200*time.Millisecond, time.Second)()
	ctx := t.Context()
	hubHome := t.TempDir()
	hub, _, err := node.Init(hubHome, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	serveHub(t, hub, node.HubConfig{On: true})
	bob, _ := initNode(t, node.Options{})
	alice, _ := initNode(t, node.Options{})
	serveLoopback(t, bob)
	serveLoopback(t, alice)
	if _, err := bob.AddPeer(ctx, hub.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "bob to hear the hub's dropbox and its limits", func() bool {
		for _, p := range bob.Peers() {
			for _, s := range p.Services {
				if p.Device == hub.Device() && s.Name == dropbox.Service {
					secs, _ := s.Limit(services.LimitSeconds)
					per, _ := s.Limit(services.LimitEntries)
					strangers, _ := s.Limit(dropbox.LimitLetters)
					return secs == 14*24*3600 && per == 4 && strangers == 64
				}
			}
		}
		return false
	})
	publishDropbox(t, hub, hubHome, bob, alice)

	sent, err := alice.SendLetter(ctx, bob.Account().Key(), "hello bob, we met at the market")
	if err != nil {
		t.Fatal(err)
	}
	if sent.Hub != hub.Device() || sent.Followed {
		t.Fatalf("sent %+v, want left at the hub under a throwaway key", sent)
	}
	if got := letterFiles(t, hubHome); got != 1 {
		t.Fatalf("the hub keeps %d letters on disk, want 1", got)
	}
	// Bob comes online: his node dials its dropbox and collects.
	serveLoopback(t, bob)
	var reqs []node.Request
	eventually(t, "bob to collect the letter", func() bool {
		reqs, err = bob.Requests(ctx)
		return err == nil && len(reqs) == 1
	})
	r := reqs[0]
	if r.Text != "hello bob, we met at the market" || r.From != alice.Account() || r.Device != alice.Device() || r.Following || r.Answered != "" {
		t.Fatalf("request %+v", r)
	}
	eventually(t, "the hub to drop the letter bob kept", func() bool { return letterFiles(t, hubHome) == 0 })
	// No receipt: alice holds nothing from bob.
	if cs, err := alice.Conversations(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("alice's conversations before bob answers: %d, %v", len(cs), err)
	}
	id, err := bob.ParseRequestID(r.ID[:10])
	if err != nil {
		t.Fatal(err)
	}
	conv, err := bob.AnswerRequest(ctx, id, "hi alice, good to hear from you")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := bob.GetRequest(ctx, id); err != nil || r.Answered == "" {
		t.Fatalf("the request after the answer: %+v %v", r, err)
	}
	// The answer reaches alice by messages' replication.
	if _, err := alice.AddPeer(ctx, bob.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, "alice to read bob's answer", func() bool {
		p, err := alice.ConversationPage(ctx, conv, node.ConversationQuery{})
		if err != nil || p.View == nil {
			return false
		}
		for _, m := range p.View.Thread {
			if m.Text == "hi alice, good to hear from you" {
				return true
			}
		}
		return false
	})
	// Accept follows alice; ignore forgets the request.
	if err := bob.AcceptRequest(ctx, id); err != nil {
		t.Fatal(err)
	}
	if r, err := bob.GetRequest(ctx, id); err != nil || !r.Accepted || !r.Following {
		t.Fatalf("the request after accepting: %+v %v", r, err)
	}
	if err := bob.IgnoreRequest(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.GetRequest(ctx, id); !errors.Is(err, node.ErrNoRequest) {
		t.Fatalf("an ignored request: %v, want ErrNoRequest", err)
	}
}
