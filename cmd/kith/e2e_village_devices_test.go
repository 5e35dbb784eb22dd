package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// kithIn runs the kith binary on home with stdin and returns its stdout.
func kithIn(t *testing.T, home, stdin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(kithBin, append([]string{"--home", home, "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home, "KITH_PASSPHRASE=")
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kith %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// idWait waits until cond holds on every node for the stranger with id.
func idWait(t *testing.T, nodes []*proc, vid, id, what string, cond func(s wire.VillageStranger) bool) {
	t.Helper()
	villageWait(t, nodes, vid, what, func(v wire.Village) bool {
		i := slices.IndexFunc(v.Strangers, func(st wire.VillageStranger) bool { return st.ID == id })
		return i >= 0 && cond(v.Strangers[i])
	})
}

// TestVillageTwoDevicesOneVoice (issue 11, item 10): a person with two
// devices is one local. A's laptop (A1) founds a village with B; A's
// phone (A2, the same account restored from the phrase) takes part through
// the account, without being invited. A1 vetoes a stranger and A2, later,
// accepts it with proof: B's node counts one vote of A's, the latest, so
// the stranger is acknowledged, then accepted once B accepts, with two
// ballots, not three. Then A2 goes offline, A1 revokes it (keeping what A1
// held of its logs), and A2, still unaware, vetoes the stranger: once the
// three nodes meet again, that veto is held nowhere (its earlier accept
// still does), and A2's node refuses to act for the account any more.
func TestVillageTwoDevicesOneVoice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h1, h2 := filepath.Join(dir, "a1"), filepath.Join(dir, "a2")
	var created struct {
		Account        string `json:"account"`
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, h1, "", "init"), &created); err != nil || created.RecoveryPhrase == "" {
		t.Fatalf("init A1: %+v %v", created, err)
	}
	var restored struct {
		Account string `json:"account"`
	}
	if err := json.Unmarshal(kithIn(t, h2, created.RecoveryPhrase+"\n", "init", "--restore"), &restored); err != nil || restored.Account != created.Account {
		t.Fatalf("restore A2: %+v %v, want account %s", restored, err, created.Account)
	}
	a1 := startNode(t, "a1", h1)
	a2 := startNode(t, "a2", h2)
	b := startNode(t, "b", filepath.Join(dir, "b"))
	if a1.Account != a2.Account || a1.Device == a2.Device {
		t.Fatalf("A1 %s/%s and A2 %s/%s: want one account, two devices", a1.Account, a1.Device, a2.Account, a2.Device)
	}
	villageConnect(a1, a2, b)
	b.kith("follow", a1.Account)

	var founded wire.VillageEntry
	if err := json.Unmarshal(a1.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(b, "accept", vid)
	all := []*proc{a1, a2, b}
	villageWait(t, all, vid, "the founding, on both of A's devices and B's", func(v wire.Village) bool {
		return v.Founded && len(v.Locals) == 2
	})
	for _, p := range []*proc{a1, a2} {
		if v, _ := villageShow(p, vid); v.Me != a1.Account {
			t.Fatalf("%s is in the village as %s, want A's account %s", p.name, v.Me, a1.Account)
		}
	}

	proof := filepath.Join(dir, "proof.txt")
	if err := os.WriteFile(proof, []byte("met at the market\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := strings.Repeat("ab", 64)
	villageEntryOf(a1, "vote", vid, s, "veto")
	idWait(t, all, vid, s, "A's veto from A1", func(st wire.VillageStranger) bool {
		return st.Standing == "vetoed" && slices.Equal(st.Vetoers, []string{a1.Account})
	})
	fromPhone := villageEntryOf(a2, "vote", vid, s, "accept", "--proof", proof)
	idWait(t, all, vid, s, "A's accept from A2 replacing A1's veto", func(st wire.VillageStranger) bool {
		v := villageVoteOf(st, a1.Account)
		return st.Standing == "acknowledged" && len(st.Vetoers) == 0 && len(st.Votes) == 2 && v.Vote == "accept" && v.Entry == fromPhone
	})
	// A's second device cannot endorse what the first did.
	if out, err := a2.try("village", "vote", vid, s, "defer"); err == nil {
		t.Fatalf("A2 set A's vote back to deferred: %s", out)
	}
	villageEntryOf(b, "vote", vid, s, "accept", "--proof", proof)
	idWait(t, all, vid, s, "the stranger accepted by A and B", func(st wire.VillageStranger) bool {
		return st.Standing == "accepted" && len(st.Votes) == 2
	})

	// A2 goes offline; A1 revokes it, keeping what it holds of A2's logs.
	a2.stop()
	a1.kith("device", "revoke", a2.Device)
	// Offline and unaware, A2 vetoes.
	late := villageEntryOf(a2, "vote", vid, s, "veto")
	a2.start()
	villageConnect(a1, a2, b)
	// The late veto reaches no one (payloads.md §6.1): A1 and B refuse it,
	// and A2 drops it once the revocation reaches it. Every node counts
	// A's accept from before the revocation.
	for _, p := range all {
		waitFor(t, villageTimeout, "A2's late veto gone and A's accept counted on "+p.name, func() bool {
			if _, err := p.try("show", late); err == nil {
				return false
			}
			v, ok := villageShow(p, vid)
			if !ok {
				return false
			}
			i := slices.IndexFunc(v.Strangers, func(st wire.VillageStranger) bool { return st.ID == s })
			if i < 0 {
				return false
			}
			st := v.Strangers[i]
			a := villageVoteOf(st, a1.Account)
			return st.Standing == "accepted" && len(st.Votes) == 2 && a.Vote == "accept" && a.Entry == fromPhone
		})
	}
	// A2's node knows it was revoked and no longer writes for A.
	waitFor(t, villageTimeout, "A2 to refuse acting for A", func() bool {
		_, err := a2.try("village", "note", vid, s, "one more")
		return err != nil && strings.Contains(err.Error(), "revoked")
	})
}
