package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

type hubsJSON struct {
	Hubs []struct {
		Hub     string `json:"hub"`
		Dropbox bool   `json:"dropbox"`
	} `json:"hubs"`
}

func (p *proc) hubsOf(account string) hubsJSON {
	var v hubsJSON
	args := []string{"requests", "dropbox"}
	if account != "" {
		args = append(args, "--of", account)
	}
	out, err := p.try(args...)
	if err == nil {
		err = json.Unmarshal(out, &v)
	}
	if err != nil {
		p.t.Fatalf("%s: requests dropbox: %v", p.name, err)
	}
	return v
}

type requestJSON struct {
	ID   string `json:"id"`
	From string `json:"from"`
	Text string `json:"text"`
}

func (p *proc) requests() []requestJSON {
	var v struct {
		Requests []requestJSON `json:"requests"`
	}
	if err := json.Unmarshal(p.kith("requests"), &v); err != nil {
		p.t.Fatalf("%s: requests: %v", p.name, err)
	}
	return v.Requests
}

// TestDropboxCLI: three real processes on loopback. Bob names a hub as his
// dropbox (kith requests dropbox); Alice, whom he does not follow, leaves
// a letter there while his node is stopped (kith requests send); Bob's
// node, started again, dials the hub and collects it; Bob reads it (kith
// requests) and answers (kith requests answer); the answer reaches Alice
// as a private message, and nothing reached her before.
func TestDropboxCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hubHome := filepath.Join(dir, "hub")
	h := startNode(t, "hub", hubHome, "--hub")
	bob := startNode(t, "bob", filepath.Join(dir, "bob"))
	alice := startNode(t, "alice", filepath.Join(dir, "alice"))

	bob.kith("requests", "dropbox", h.addr())
	bobKey, err := identity.ParseAccount(bob.Account)
	if err != nil {
		t.Fatal(err)
	}
	enrolled := filepath.Join(hubHome, "dropbox", "follows", hex.EncodeToString(bobKey[:]))
	waitFor(t, 30*time.Second, "bob's node to collect at the hub once", func() bool {
		_, err := os.Stat(enrolled)
		return err == nil
	})
	if hs := bob.hubsOf(""); len(hs.Hubs) != 1 || hs.Hubs[0].Hub != h.Device || !hs.Hubs[0].Dropbox {
		t.Fatalf("bob's dropboxes: %+v", hs)
	}
	alice.kith("follow", bob.Account)
	alice.kith("peer", "add", bob.addr())
	waitFor(t, 30*time.Second, "alice to hold bob's dropbox", func() bool {
		hs := alice.hubsOf(bob.Account)
		return len(hs.Hubs) == 1 && hs.Hubs[0].Hub == h.Device
	})
	bob.stop()

	var sent struct {
		Hub      string `json:"hub"`
		Followed bool   `json:"followed"`
	}
	if err := json.Unmarshal(alice.kith("requests", "send", bob.Account, "hello bob, it is alice from the market"), &sent); err != nil {
		t.Fatal(err)
	}
	if sent.Hub != h.Device || sent.Followed {
		t.Fatalf("sent %+v", sent)
	}
	bob.start()
	var reqs []requestJSON
	waitFor(t, 60*time.Second, "bob's node to collect alice's letter", func() bool {
		reqs = bob.requests()
		return len(reqs) == 1
	})
	if reqs[0].From != alice.Account || reqs[0].Text != "hello bob, it is alice from the market" {
		t.Fatalf("bob's request: %+v", reqs[0])
	}
	if out := string(bob.kithText("requests")); !strings.Contains(out, alice.Account+"  hello bob, it is alice from the market") {
		t.Errorf("kith requests prints %q", out)
	}
	if cs := alice.conversations(); len(cs) != 0 {
		t.Fatalf("alice has %d conversations before bob answers", len(cs))
	}
	var answered struct {
		Conversation string `json:"conversation"`
	}
	if err := json.Unmarshal(bob.kith("requests", "answer", reqs[0].ID[:12], "hi alice, nice to hear from you"), &answered); err != nil {
		t.Fatal(err)
	}
	alice.kith("peer", "add", bob.addr())
	waitFor(t, 60*time.Second, "alice to read bob's answer", func() bool {
		for _, c := range alice.conversations() {
			if c.ID == answered.Conversation {
				for _, m := range alice.conversation(c.ID).Thread {
					if m.Text == "hi alice, nice to hear from you" {
						return true
					}
				}
			}
		}
		return false
	})
}
