package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// spaceTimeout bounds each wait for a space's entries and keys to spread.
const spaceTimeout = 60 * time.Second

type spaceShown struct {
	wire.Space
	Messages []wire.SpaceMessage `json:"messages"`
}

func spaceShow(p *proc, id string) (spaceShown, bool) {
	out, err := p.try("space", "show", id)
	if err != nil {
		return spaceShown{}, false
	}
	var s spaceShown
	if err := json.Unmarshal(out, &s); err != nil {
		p.t.Fatalf("%s: space show: %v\n%s", p.name, err, out)
	}
	return s, true
}

func spaceWait(t *testing.T, p *proc, id, what string, cond func(s spaceShown) bool) {
	t.Helper()
	var last spaceShown
	deadline := time.Now().Add(spaceTimeout)
	for {
		s, ok := spaceShow(p, id)
		if ok && cond(s) {
			return
		}
		last = s
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(last, "", "  ")
			t.Fatalf("timed out after %v waiting for %s on %s; it shows:\n%s", spaceTimeout, what, p.name, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s spaceShown) status(text string) string {
	for _, m := range s.Messages {
		if m.Text == text {
			return m.Status
		}
	}
	return ""
}

func (s spaceShown) count(status string) int {
	n := 0
	for _, m := range s.Messages {
		if m.Status == status {
			n++
		}
	}
	return n
}

func (s spaceShown) member(account string) bool {
	return slices.ContainsFunc(s.Members, func(m wire.SpaceMember) bool { return m.Account == account })
}

// TestSpaceRemovedWhilePartitioned (issue 13, item 4): five real nodes
// share a space; one is removed while it is stopped (partitioned away).
// The others learn of the removal and seal only under a new epoch; the
// time from the removal until every writer does is seed 002's kσ, logged
// here. When the removed node comes back it receives and stores the new
// entries but decrypts none, and still reads what it could before.
func TestSpaceRemovedWhilePartitioned(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	names := []string{"ana", "ben", "cai", "dee", "eli"}
	var ps []*proc
	for _, n := range names {
		ps = append(ps, startNode(t, n, dir+"/"+n))
	}
	a, e := ps[0], ps[4]
	for _, p := range ps {
		for _, q := range ps {
			if p != q {
				p.kith("follow", q.Account)
			}
		}
	}
	for _, p := range ps[1:] {
		p.kith("peer", "add", a.addr())
	}
	ps[1].kith("peer", "add", ps[2].addr())
	ps[2].kith("peer", "add", ps[3].addr())

	var created wire.SpaceEntry
	args := []string{"space", "create", "Festival crew"}
	for _, p := range ps[1:] {
		args = append(args, "--with", p.Account)
	}
	if err := json.Unmarshal(a.kith(args...), &created); err != nil || created.Space == "" {
		t.Fatalf("space create: %+v %v", created, err)
	}
	id := created.Space
	for _, p := range ps {
		spaceWait(t, p, id, "the space's key", func(s spaceShown) bool { return s.CanWrite })
	}
	e.kith("space", "post", id, "eli: before the partition")
	for _, p := range ps {
		spaceWait(t, p, id, "eli's post", func(s spaceShown) bool { return s.status("eli: before the partition") == "readable" })
	}

	// Partition: eli's node stops; ana removes eli.
	e.stop()
	start := time.Now()
	a.kith("space", "remove", id, e.Account)
	// kσ: until every writer holds a key made after the removal (from
	// then on it seals nothing eli holds).
	kσ := map[string]time.Duration{}
	for _, p := range ps[:4] {
		spaceWait(t, p, id, "the removal and a new key", func(s spaceShown) bool {
			return !s.member(e.Account) && s.CanWrite
		})
		kσ[p.name] = time.Since(start)
	}
	var worst time.Duration
	for _, d := range kσ {
		worst = max(worst, d)
	}
	t.Logf("kσ (removal to every writer sealing under a new epoch, polled every 100 ms): %v; per node %v", worst, kσ)

	var after []string
	for _, p := range ps[1:4] {
		text := fmt.Sprintf("%s: after eli's removal", p.name)
		p.kith("space", "post", id, text)
		after = append(after, text)
	}
	for _, p := range ps[:4] {
		spaceWait(t, p, id, "the posts after the removal", func(s spaceShown) bool {
			for _, text := range after {
				if s.status(text) != "readable" {
					return false
				}
			}
			return true
		})
	}

	// Eli's node comes back: it stores the new posts, reads none.
	e.start()
	spaceWait(t, e, id, "the posts after the removal, stored sealed", func(s spaceShown) bool {
		return s.count("sealed") == len(after) && !s.member(e.Account)
	})
	s, _ := spaceShow(e, id)
	for _, text := range after {
		if s.status(text) != "" {
			t.Fatalf("the removed node read %q", text)
		}
	}
	if s.status("eli: before the partition") != "readable" {
		t.Fatalf("the removed node lost what it could read: %+v", s.Messages)
	}
	if s.CanWrite || s.Role != "none" {
		t.Fatalf("the removed node may write: %+v", s.Space)
	}
	if _, err := e.try("space", "post", id, "eli: am I still here?"); err == nil {
		t.Fatal("the removed node sealed a post")
	}
}
