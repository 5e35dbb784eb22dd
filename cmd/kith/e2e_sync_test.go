package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const syncTimeout = 60 * time.Second

func (p *proc) inviteCode() string {
	var inv struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(p.kith("invite"), &inv); err != nil || inv.Code == "" {
		p.t.Fatalf("%s: invite: %v", p.name, err)
	}
	return inv.Code
}

func (p *proc) post(text string) {
	p.kith("post", text)
}

// hasPosts reports whether p holds exactly the given posts of account, in order.
func (p *proc) hasPosts(account string, want []string) bool {
	return slices.Equal(p.posts(account), want)
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i+1)
	}
	return out
}

// TestTwoNodesInviteAndSync: two processes; B joins A's invite, both follow
// each other, posts flow both ways live.
func TestTwoNodesInviteAndSync(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	a.post("before the invite")
	var joined struct {
		Account string `json:"account"`
		Mutual  bool   `json:"mutual"`
	}
	if err := json.Unmarshal(b.kith("join", a.inviteCode()), &joined); err != nil {
		t.Fatal(err)
	}
	if joined.Account != a.Account || !joined.Mutual {
		t.Fatalf("join: %+v, want account %s and mutual", joined, a.Account)
	}
	waitFor(t, syncTimeout, "B to hold A's post", func() bool { return b.hasPosts(a.Account, []string{"before the invite"}) })
	b.post("hello from b")
	waitFor(t, syncTimeout, "A to hold B's post", func() bool { return a.hasPosts(b.Account, []string{"hello from b"}) })
	a.post("live")
	waitFor(t, syncTimeout, "B to get A's live post", func() bool { return b.hasPosts(a.Account, []string{"before the invite", "live"}) })

	var peers []struct {
		Device string `json:"device"`
		Addr   string `json:"addr"`
		Sync   *struct {
			Phase string `json:"phase"`
		} `json:"sync"`
	}
	if err := json.Unmarshal(a.kith("peers"), &peers); err != nil {
		t.Fatal(err)
	}
	if len(peers) != 1 || peers[0].Device != b.Device || !strings.HasPrefix(peers[0].Addr, "/ip4/127.0.0.1/") {
		t.Fatalf("A's peers: %+v, want B on loopback", peers)
	}
	if peers[0].Sync == nil || peers[0].Sync.Phase != "live" {
		t.Fatalf("A's session with B: %+v, want live", peers[0].Sync)
	}
}

// connectAndFollow makes every node follow every other and links them as
// the edges say (i dials j).
func connectAndFollow(t *testing.T, nodes []*proc, edges [][2]int) {
	for _, p := range nodes {
		for _, q := range nodes {
			if p != q {
				p.kith("follow", q.Account)
			}
		}
	}
	for _, e := range edges {
		nodes[e[0]].kith("peer", "add", nodes[e[1]].addr())
	}
}

// TestChainOfFiveConverges: five nodes in a line, each connected to its
// neighbours only; everyone's posts reach everyone through the chain.
func TestChainOfFiveConverges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var nodes []*proc
	for i := 0; i < 5; i++ {
		nodes = append(nodes, startNode(t, fmt.Sprintf("n%d", i), filepath.Join(dir, fmt.Sprint(i))))
	}
	connectAndFollow(t, nodes, [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}})
	for i, p := range nodes {
		for k := 0; k < 3; k++ {
			p.post(fmt.Sprintf("n%d post %d", i, k+1))
		}
	}
	for _, p := range nodes {
		for i, q := range nodes {
			want := numbered(fmt.Sprintf("n%d post", i), 3)
			waitFor(t, syncTimeout, fmt.Sprintf("%s to hold n%d's posts", p.name, i), func() bool { return p.hasPosts(q.Account, want) })
		}
	}
}

// TestOfflineNodeCatchesUp: B is stopped while A writes; after B restarts
// (on a new port) it reconnects to the kept peer A and catches up.
func TestOfflineNodeCatchesUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	connectAndFollow(t, []*proc{a, b}, [][2]int{{1, 0}})
	a.post("a 1")
	waitFor(t, syncTimeout, "B to get the first post", func() bool { return b.hasPosts(a.Account, []string{"a 1"}) })
	b.stop()
	want := numbered("a", 50)
	for _, s := range want[1:] {
		a.post(s)
	}
	b.start()
	waitFor(t, syncTimeout, "B to catch up after restart", func() bool { return b.hasPosts(a.Account, want) })
}

// TestPartitionHeals: {A,B} and {C,D} write apart, then one link joins the
// halves and all four converge.
func TestPartitionHeals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var n []*proc
	for i, name := range []string{"a", "b", "c", "d"} {
		n = append(n, startNode(t, name, filepath.Join(dir, fmt.Sprint(i))))
	}
	connectAndFollow(t, n, [][2]int{{0, 1}, {2, 3}})
	var wg sync.WaitGroup
	for i, p := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 1; k <= 5; k++ {
				p.post(fmt.Sprintf("%s %d", p.name, k))
			}
		}()
		_ = i
	}
	wg.Wait()
	waitFor(t, syncTimeout, "B to hold A's posts inside its half", func() bool { return n[1].hasPosts(n[0].Account, numbered("a", 5)) })
	if got := n[2].posts(n[0].Account); len(got) != 0 {
		t.Fatalf("C holds A's posts across the partition: %v", got)
	}
	n[1].kith("peer", "add", n[2].addr())
	for _, p := range n {
		for _, q := range n {
			want := numbered(q.name, 5)
			waitFor(t, syncTimeout, fmt.Sprintf("%s to hold %s's posts after the heal", p.name, q.name), func() bool { return p.hasPosts(q.Account, want) })
		}
	}
}
