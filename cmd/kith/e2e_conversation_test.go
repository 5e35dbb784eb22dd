package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// decisionShow returns the conversation as p reduces it, or false while p
// does not hold it.
func decisionShow(p *proc, id string) (wire.Decision, bool) {
	out, err := p.try("conversation", "show", id)
	if err != nil {
		return wire.Decision{}, false
	}
	var d wire.Decision
	if err := json.Unmarshal(out, &d); err != nil {
		p.t.Fatalf("%s: conversation show: %v\n%s", p.name, err, out)
	}
	return d, true
}

// decisionWait waits until cond holds for the conversation on every node.
func decisionWait(t *testing.T, nodes []*proc, id, what string, cond func(d wire.Decision) bool) map[string]wire.Decision {
	t.Helper()
	out := map[string]wire.Decision{}
	for _, p := range nodes {
		var last wire.Decision
		deadline := time.Now().Add(villageTimeout)
		for {
			d, ok := decisionShow(p, id)
			if ok && cond(d) {
				out[p.name] = d
				break
			}
			last = d
			if time.Now().After(deadline) {
				b, _ := json.MarshalIndent(last, "", "  ")
				t.Fatalf("timed out after %v waiting for %s on %s; it shows:\n%s", villageTimeout, what, p.name, b)
			}
			time.Sleep(150 * time.Millisecond)
		}
	}
	return out
}

func decisionEntry(p *proc, args ...string) string {
	p.t.Helper()
	var e wire.ConversationEntry
	if err := json.Unmarshal(p.kith(append([]string{"conversation"}, args...)...), &e); err != nil || e.ID == "" {
		p.t.Fatalf("%s: conversation %s: %+v %v", p.name, strings.Join(args, " "), e, err)
	}
	return e.ID
}

// TestConversationFiveNodesPartition: five kith processes found a village
// (all five its locals); A starts a proposal whose rule is an expression
// (three fifths agree, no block). E is stopped (partitioned away) once it
// holds the start; A, B and C agree and D disagrees: the four running
// nodes reach the same outcome at the same entry. E comes back, links to
// the others and agrees on the outcome; its node then refuses E's block
// (the conversation is closed), and a later message from E is kept
// without changing the outcome on every node.
func TestConversationFiveNodesPartition(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dir := t.TempDir()
	var all []*proc
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		all = append(all, startNode(t, n, filepath.Join(dir, n)))
	}
	a, b, c, d, e := all[0], all[1], all[2], all[3], all[4]
	villageConnect(all...)
	args := []string{"village", "found", "Elm street"}
	for _, p := range all[1:] {
		p.kith("follow", a.Account)
		args = append(args, "--with", p.Account)
	}
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith(args...), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, all[1:], vid, "the found entry", func(v wire.Village) bool { return v.Name == "Elm street" })
	for _, p := range all[1:] {
		villageEntryOf(p, "accept", vid)
	}
	villageWait(t, all, vid, "the founding", func(v wire.Village) bool { return v.Founded && len(v.Locals) == 5 })
	t.Logf("founded after %v", time.Since(start).Round(time.Millisecond))

	var started wire.ConversationEntry
	if err := json.Unmarshal(a.kith("conversation", "start", "Paint the gate", "--village", vid, "--text", "Paint it blue",
		"--expr", "agree * 5 >= participants * 3 && block == 0"), &started); err != nil || started.Conversation == "" {
		t.Fatalf("start: %+v %v", started, err)
	}
	id := started.Conversation
	decisionWait(t, all, id, "the start", func(d wire.Decision) bool {
		return d.Topic == "Paint the gate" && d.Tally.Participants == 5 && d.Needed == "the expression to hold"
	})
	t.Logf("the start reached all five after %v", time.Since(start).Round(time.Millisecond))

	// E is partitioned away; the others decide.
	e.stop()
	decisionEntry(b, "position", id, "agree")
	decisionEntry(c, "position", id, "agree", "blue is calm")
	decisionEntry(d, "position", id, "disagree", "I like green")
	decisionWait(t, all[:4], id, "three answers", func(d wire.Decision) bool { return d.Tally.Answered == 3 && !d.Closed })
	last := decisionEntry(a, "position", id, "agree")
	views := decisionWait(t, all[:4], id, "the outcome", func(d wire.Decision) bool { return d.Closed })
	for name, v := range views {
		if v.Outcome == nil || v.Outcome.At != last || v.Outcome.Text != "Paint it blue" || len(v.Outcome.Agreed) != 3 || v.Tally.Agree != 3 || v.Tally.Disagree != 1 {
			t.Fatalf("%s: outcome %+v, tally %+v", name, v.Outcome, v.Tally)
		}
	}
	t.Logf("decided without E after %v", time.Since(start).Round(time.Millisecond))

	// E comes back and hears of it.
	e.start()
	villageConnect(all...)
	views = decisionWait(t, []*proc{e}, id, "E to agree on the outcome", func(d wire.Decision) bool { return d.Closed })
	if v := views["e"]; v.Outcome == nil || v.Outcome.At != last || v.Outcome.Summary != views["e"].Outcome.Summary || len(v.Outcome.Agreed) != 3 {
		t.Fatalf("e: outcome %+v", v.Outcome)
	}
	if out, err := e.try("conversation", "position", id, "block", "too fast"); err == nil || !strings.Contains(err.Error(), "the conversation is closed") {
		t.Fatalf("E's block after the outcome: %s %v", out, err)
	}
	said := decisionEntry(e, "say", id, "fine, blue it is")
	views = decisionWait(t, all, id, "E's message", func(d wire.Decision) bool {
		for _, h := range d.History {
			if h.ID == said {
				return h.Applied
			}
		}
		return false
	})
	want := views["a"]
	for name, v := range views {
		if v.Outcome == nil || v.Outcome.At != last || v.Outcome.Summary != want.Outcome.Summary || len(v.History) != len(want.History) || v.Tally != want.Tally {
			t.Fatalf("%s differs from a: %+v / %+v", name, v.Outcome, v.Tally)
		}
	}
	t.Logf("E agrees after %v; outcome: %s", time.Since(start).Round(time.Millisecond), want.Outcome.Summary)
}
