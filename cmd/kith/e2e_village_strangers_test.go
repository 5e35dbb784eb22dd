package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// strangerTimeout bounds each wait for a request or a vote to spread.
const strangerTimeout = 20 * time.Second

// strangerRequest sends a stranger's request from s through the local at
// to (a device id or a multiaddr) and returns the request's entry id.
func strangerRequest(s *proc, vid, to, text string, extra ...string) string {
	s.t.Helper()
	args := append([]string{"village", "request", vid, "--to", to}, extra...)
	args = append(args, text)
	var e wire.VillageEntry
	if err := json.Unmarshal(s.kith(args...), &e); err != nil || e.ID == "" {
		s.t.Fatalf("%s: village request: %+v %v", s.name, e, err)
	}
	return e.ID
}

// strangerRefused sends a request that the local must refuse as vetoed:
// the CLI exits non-zero and says so.
func strangerRefused(t *testing.T, s *proc, vid, to, text string) {
	t.Helper()
	out, err := s.try("village", "request", vid, "--to", to, text)
	if err == nil {
		t.Fatalf("%s: a vetoed stranger's request through %s was taken: %s", s.name, to, out)
	}
	if !strings.Contains(err.Error(), "vetoes") {
		t.Fatalf("%s: the refusal through %s does not say the village vetoes it: %v", s.name, to, err)
	}
}

// strangerOf returns the stranger one of whose requests is the entry req.
func strangerOf(v wire.Village, req string) (wire.VillageStranger, bool) {
	for _, s := range v.Strangers {
		for _, r := range s.Requests {
			if r.Entry == req {
				return s, true
			}
		}
	}
	return wire.VillageStranger{}, false
}

// strangerByID returns the stranger with the given id.
func strangerByID(v wire.Village, id string) (wire.VillageStranger, bool) {
	for _, s := range v.Strangers {
		if s.ID == id {
			return s, true
		}
	}
	return wire.VillageStranger{}, false
}

// strangerWait waits until cond holds on every local for the stranger
// who sent the request req, and returns that stranger as the last local
// shows it.
func strangerWait(t *testing.T, locals []*proc, vid, req, what string, cond func(s wire.VillageStranger) bool) wire.VillageStranger {
	t.Helper()
	var got wire.VillageStranger
	for _, p := range locals {
		waitFor(t, strangerTimeout, what+" on "+p.name, func() bool {
			v, ok := villageShow(p, vid)
			if !ok {
				return false
			}
			s, ok := strangerOf(v, req)
			if ok && cond(s) {
				got = s
				return true
			}
			return false
		})
	}
	return got
}

// strangerCounts is, per local, how many strangers are in its inbox and
// how many requests it holds in all.
func strangerCounts(t *testing.T, locals []*proc, vid string) map[string][2]int {
	t.Helper()
	out := map[string][2]int{}
	for _, p := range locals {
		v, ok := villageShow(p, vid)
		if !ok {
			t.Fatalf("%s does not hold the village", p.name)
		}
		var inbox, requests int
		for _, s := range v.Strangers {
			if s.Pending {
				inbox++
			}
			requests += len(s.Requests)
		}
		out[p.name] = [2]int{inbox, requests}
	}
	return out
}

// TestVillageStrangers: the strangers' part of issue 5's scenario, with
// issue 11's rule that an unlisted stranger reaches only the local it
// contacted. Three locals A, B, C; two strangers S1 and S2, each its own
// node, linked to one local only. S1's request, sent through A, stays in
// A's inbox (B and C, in sync with A, do not get it); once B accepts S1
// with proof, S1's request reaches every local, out of the inbox, with its
// standing. S2's request through B stays with B; C vetoes S2; from then on
// every local's node refuses S2's requests (status 3, the CLI fails with
// the vetoed message) and none but B stores any of them.
func TestVillageStrangers(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	s1 := startNode(t, "s1", filepath.Join(dir, "s1"))
	s2 := startNode(t, "s2", filepath.Join(dir, "s2"))
	locals := []*proc{a, b, c}
	villageConnect(locals...)
	s1.kith("peer", "add", a.addr())
	s2.kith("peer", "add", b.addr())
	b.kith("follow", a.Account)
	c.kith("follow", a.Account)

	proof := filepath.Join(dir, "proof.txt")
	if err := os.WriteFile(proof, []byte("met at the bakery, ID card seen\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	attachment := filepath.Join(dir, "letter.txt")
	if err := os.WriteFile(attachment, []byte("a letter of introduction\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// The village: A and B found it, A invites C, B endorses, C joins.
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "B to hold the found entry", func(v wire.Village) bool { return !v.Founded })
	villageEntryOf(b, "accept", vid)
	villageEntryOf(a, "invite", vid, c.Account)
	villageWait(t, []*proc{c}, vid, "C to hold the village", func(v wire.Village) bool { return v.Founded })
	villageEntryOf(c, "join", vid)
	villageEntryOf(b, "invite", vid, c.Account)
	villageWait(t, locals, vid, "C a local", func(v wire.Village) bool {
		return villageLocal(v, c.Account).Status == "local"
	})
	t.Logf("three locals after %v", time.Since(start).Round(time.Millisecond))

	// S1 asks through A only, with a file attached: it stays with A.
	req1 := strangerRequest(s1, vid, a.Device, "may I sell bread at the market?", "--blob", attachment)
	st1 := strangerWait(t, []*proc{a}, vid, req1, "S1's request in A's inbox", func(s wire.VillageStranger) bool {
		return s.Pending && !s.Listed && len(s.Requests) == 1 && s.Requests[0].Blob != ""
	})
	// A's node did not fetch S1's letter by itself; 'kith village file'
	// fetches it (from S1) when A opens it.
	if _, err := a.try("blob", "get", st1.Requests[0].Blob, "--out", filepath.Join(dir, "early.txt")); err == nil {
		t.Error("A's node fetched an unlisted stranger's file nobody opened")
	}
	opened := filepath.Join(dir, "opened.txt")
	a.kith("village", "file", vid, req1, "--out", opened)
	if got, _ := os.ReadFile(opened); string(got) != "a letter of introduction\n" {
		t.Errorf("the opened file holds %q", got)
	}
	// A's userspec, written after, reaching B and C shows they synced
	// with A since: they hold nothing of S1.
	villageEntryOf(a, "userspec", vid, "--mode", "active", "--name", "Ann")
	villageWait(t, []*proc{b, c}, vid, "A's userspec", func(v wire.Village) bool { return villageLocal(v, a.Account).Name == "Ann" })
	for _, p := range []*proc{b, c} {
		if v, _ := villageShow(p, vid); len(v.Strangers) != 0 {
			t.Errorf("%s holds an unlisted stranger's request sent to A: %+v", p.name, v.Strangers)
		}
	}
	if st1.Requests[0].Text != "may I sell bread at the market?" {
		t.Errorf("S1's request reads %q", st1.Requests[0].Text)
	}
	if len(st1.ID) != 128 {
		t.Errorf("S1's stranger id %q", st1.ID)
	}
	t.Logf("S1's request everywhere after %v", time.Since(start).Round(time.Millisecond))

	// B accepts S1 with proof: out of every inbox, listed, acknowledged
	// (one of three active locals accepts), the request still shown.
	villageEntryOf(b, "vote", vid, st1.ID, "accept", "--proof", proof)
	strangerWait(t, locals, vid, req1, "S1 out of the inbox with B's vote", func(s wire.VillageStranger) bool {
		vote := villageVoteOf(s, b.Account)
		return !s.Pending && s.Listed && s.Standing == "acknowledged" && vote.Vote == "accept" && vote.Proof != "" &&
			len(s.Requests) == 1
	})

	// S2 asks through B: only B sees it; C vetoes it (told its id).
	req2 := strangerRequest(s2, vid, b.Device, "may I park my van on the square?")
	st2 := strangerWait(t, []*proc{b}, vid, req2, "S2's request in B's inbox", func(s wire.VillageStranger) bool {
		return s.Pending && len(s.Requests) == 1
	})
	villageEntryOf(c, "vote", vid, st2.ID, "veto")
	for _, p := range locals {
		waitFor(t, strangerTimeout, "S2 vetoed by C on "+p.name, func() bool {
			v, _ := villageShow(p, vid)
			s, ok := strangerByID(v, st2.ID)
			return ok && !s.Pending && s.Standing == "vetoed" && len(s.Vetoers) == 1 && s.Vetoers[0] == c.Account
		})
	}
	t.Logf("S2 vetoed everywhere after %v", time.Since(start).Round(time.Millisecond))
	before := strangerCounts(t, locals, vid)

	// Every local's node refuses S2 now: A (S2 is not linked to it: by
	// address), B (its link), C.
	strangerRefused(t, s2, vid, a.addr(), "please reconsider")
	strangerRefused(t, s2, vid, b.Device, "please reconsider, B")
	strangerRefused(t, s2, vid, c.addr(), "please reconsider, C")

	// None stores the refused requests, not even later by sync: every
	// local follows S2 and is linked to it, and S2's post reaching each
	// bounds the wait (a sync with S2 that brought its post would have
	// brought its village log too, were it wanted); S1's second request
	// through A reaches every local meanwhile.
	for _, p := range locals {
		p.kith("peer", "add", s2.addr())
		p.kith("follow", s2.Account)
	}
	s2.kith("post", "still here")
	req3 := strangerRequest(s1, vid, a.Device, "and on Sundays too?")
	for _, p := range locals {
		waitFor(t, strangerTimeout, "S2's post on "+p.name, func() bool {
			return slices.Contains(p.posts(s2.Account), "still here")
		})
	}
	strangerWait(t, locals, vid, req3, "S1's second request", func(s wire.VillageStranger) bool {
		return len(s.Requests) == 2 && !s.Pending
	})
	after := strangerCounts(t, locals, vid)
	for _, p := range locals {
		bf, af := before[p.name], after[p.name]
		if af[0] != bf[0] || af[1] != bf[1]+1 {
			t.Errorf("%s: inbox %d and %d requests before the refusals, %d and %d after (S1's second request the only new one)",
				p.name, bf[0], bf[1], af[0], af[1])
		}
		v, _ := villageShow(p, vid)
		want := 0
		if p == b {
			want = 1 // the local S2 reached, before the veto
		}
		if s, ok := strangerByID(v, st2.ID); !ok || len(s.Requests) != want || s.Standing != "vetoed" {
			t.Errorf("%s holds S2 as %+v, want vetoed with %d requests", p.name, s, want)
		}
	}
	t.Logf("done after %v", time.Since(start).Round(time.Millisecond))
}
