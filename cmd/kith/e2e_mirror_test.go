package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
)

// accountDevices makes one account with a device in each home: the first
// by 'kith init --name', the others restored from its phrase with their
// own names. It returns the recovery phrase.
func accountDevices(t *testing.T, homes, names []string) string {
	t.Helper()
	var created struct {
		Account        string `json:"account"`
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, homes[0], "", "init", "--name", names[0]), &created); err != nil || created.RecoveryPhrase == "" {
		t.Fatalf("init %s: %+v %v", names[0], created, err)
	}
	for i, h := range homes[1:] {
		var restored struct {
			Account string `json:"account"`
		}
		if err := json.Unmarshal(kithIn(t, h, created.RecoveryPhrase+"\n", "init", "--restore", "--name", names[i+1]), &restored); err != nil || restored.Account != created.Account {
			t.Fatalf("restore %s: %+v %v, want account %s", names[i+1], restored, err, created.Account)
		}
	}
	return created.RecoveryPhrase
}

// status runs 'kith status --json'.
func (p *proc) status() wire.Status {
	p.t.Helper()
	var st wire.Status
	if err := json.Unmarshal(p.kith("status"), &st); err != nil {
		p.t.Fatalf("%s: status: %v", p.name, err)
	}
	return st
}

// TestMirrorThreeDevices (issue 12, item 5): three devices of one account
// mirror each other. The laptop alone is configured to replicate E's log
// explicitly and alone is connected to E; the tablet alone is connected
// to D. A post, a follow of D and a village vote made on the laptop reach
// the phone and the tablet; D's posts, which only the tablet can fetch,
// reach all three once the laptop's follow arrives there; and E's posts,
// which only the laptop wants by its own scope, reach the other two.
func TestMirrorThreeDevices(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	homes := []string{filepath.Join(dir, "laptop"), filepath.Join(dir, "phone"), filepath.Join(dir, "tablet")}
	accountDevices(t, homes, []string{"laptop", "phone", "tablet"})
	e := startNode(t, "e", filepath.Join(dir, "e"))
	e.post("from E, explicitly")
	cfg := "logs = [\"" + e.Device + "/" + entry.PublicLog.String() + "\"]\n"
	if err := os.WriteFile(filepath.Join(homes[0], "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	laptop := startNode(t, "laptop", homes[0])
	phone := startNode(t, "phone", homes[1])
	tablet := startNode(t, "tablet", homes[2])
	d := startNode(t, "d", filepath.Join(dir, "d"))
	villageConnect(laptop, phone, tablet)
	laptop.kith("peer", "add", e.addr())
	tablet.kith("peer", "add", d.addr())
	d.kith("follow", laptop.Account)
	d.post("from D")
	mine := []*proc{laptop, phone, tablet}

	laptop.post("from the laptop")
	for _, p := range mine[1:] {
		waitFor(t, syncTimeout, p.name+" to hold the laptop's post", func() bool {
			return slices.Contains(p.posts(laptop.Account), "from the laptop")
		})
	}
	laptop.kith("follow", d.Account)
	for _, p := range mine {
		waitFor(t, syncTimeout, p.name+" to hold D's post after the laptop followed D", func() bool {
			return p.hasPosts(d.Account, []string{"from D"})
		})
	}
	for _, p := range mine {
		waitFor(t, syncTimeout, p.name+" to hold E's post, which only the laptop replicates by its own scope", func() bool {
			return p.hasPosts(e.Device, []string{"from E, explicitly"})
		})
	}
	e.post("E, live")
	for _, p := range mine {
		waitFor(t, syncTimeout, p.name+" to hold E's live post", func() bool {
			return p.hasPosts(e.Device, []string{"from E, explicitly", "E, live"})
		})
	}

	var founded wire.VillageEntry
	if err := json.Unmarshal(laptop.kith("village", "found", "Elm street", "--with", d.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{d}, vid, "D to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(d, "accept", vid)
	stranger := strings.Repeat("cd", 64)
	vote := villageEntryOf(laptop, "vote", vid, stranger, "veto")
	villageWait(t, mine, vid, "the laptop's veto on all three devices", func(v wire.Village) bool {
		s := villageStranger(v, stranger)
		return v.Founded && s.Standing == "vetoed" && slices.Equal(s.Vetoers, []string{laptop.Account}) && villageVoteOf(s, laptop.Account).Entry == vote
	})
}
