package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// hubPeer is what 'kith peers --json' says of one peer, for the hub tests.
type hubPeer struct {
	Device    string `json:"device"`
	Addr      string `json:"addr"`
	Transport string `json:"transport"`
	Direct    string `json:"direct"`
	Services  []struct {
		Name   string            `json:"name"`
		Limits map[string]uint64 `json:"limits"`
	} `json:"services"`
	Sync *struct {
		Phase string `json:"phase"`
	} `json:"sync"`
}

func (p *proc) hubPeers() []hubPeer {
	var peers []hubPeer
	if err := json.Unmarshal(p.kith("peers"), &peers); err != nil {
		p.t.Fatalf("%s: peers: %v", p.name, err)
	}
	return peers
}

// TestSyncThroughHub: three processes on loopback. H is a hub
// ('kith serve --hub'); B listens on no address of its own (only
// /p2p-circuit) and holds a slot at H ('--use-hub'); A is given only B's
// address through H. A syncs B's log through the relay, lists B as
// relayed, and sees that H offers it the relay with kith's limits.
func TestSyncThroughHub(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "hub"), "--hub")
	b := &proc{t: t, name: "b", home: filepath.Join(dir, "b"), listen: "/p2p-circuit", extra: []string{"--use-hub", h.addr()}}
	b.start()
	t.Cleanup(b.stop)
	// 60 posts of 4 KiB: more than libp2p's default relay limit of 128
	// KiB, so the sync passes only within kith's limits.
	posts := numbered(strings.Repeat("x", 4096)+" behind the hub", 60)
	for _, text := range posts {
		b.post(text)
	}
	var circuit string
	waitFor(t, syncTimeout, "B to announce its address through the hub", func() bool {
		var st struct {
			Addrs []string `json:"addrs"`
		}
		if err := json.Unmarshal(b.kith("status"), &st); err != nil {
			t.Fatal(err)
		}
		for _, a := range st.Addrs {
			if strings.HasPrefix(a, h.addr()+"/p2p-circuit/p2p/") {
				circuit = a
			}
			if !strings.Contains(a, "/p2p-circuit/") {
				t.Fatalf("B has an address of its own, %s: the test needs B reachable through the hub only", a)
			}
		}
		return circuit != ""
	})

	// A has no address of its own either: otherwise B, learning it over
	// the relayed connection, would dial A directly (the upgrade).
	var bst, hst struct {
		Hub      bool     `json:"hub"`
		HubSlots []string `json:"hub_slots"`
	}
	if err := json.Unmarshal(b.kith("status"), &bst); err != nil || bst.Hub || len(bst.HubSlots) != 1 || bst.HubSlots[0] != h.Device {
		t.Fatalf("B's status %+v (%v): want a relay slot at the hub %s, no hub itself", bst, err, h.Device)
	}
	if err := json.Unmarshal(h.kith("status"), &hst); err != nil || !hst.Hub || len(hst.HubSlots) != 0 {
		t.Fatalf("the hub's status %+v (%v): want it a hub, with no slot elsewhere", hst, err)
	}
	a := &proc{t: t, name: "a", home: filepath.Join(dir, "a"), listen: "/p2p-circuit", extra: []string{"--use-hub", h.addr()}}
	a.start()
	t.Cleanup(a.stop)
	a.kith("follow", b.Account)
	a.kith("peer", "add", circuit)
	waitFor(t, syncTimeout, "A to hold B's posts, synced through the hub", func() bool { return a.hasPosts(b.Account, posts) })

	var sawB, sawHub bool
	for _, p := range a.hubPeers() {
		switch p.Device {
		case b.Device:
			sawB = true
			if p.Transport != "relay" || !strings.Contains(p.Addr, "/p2p-circuit") {
				t.Errorf("A lists B as %+v: want it relayed", p)
			}
			if p.Services == nil || len(p.Services) != 0 {
				t.Errorf("B announced %+v to A: want nothing (it is no hub)", p.Services)
			}
		case h.Device:
			sawHub = true
			if len(p.Services) != 4 || p.Services[0].Name != "dropbox" || p.Services[0].Limits["seconds"] != 14*24*3600 || p.Services[0].Limits["letters"] != 64 ||
				p.Services[1].Name != "heads" || p.Services[1].Limits["logs"] != 1024 ||
				p.Services[2].Name != "presence" || p.Services[2].Limits["bytes"] != 1024 || p.Services[2].Limits["messages"] != 20 ||
				p.Services[3].Name != "relay" ||
				p.Services[3].Limits["seconds"] != 3600 || p.Services[3].Limits["bytes"] != 1<<30 || p.Services[3].Limits["connections"] != 16 {
				t.Errorf("the hub announced %+v to A: want the dropbox (14 days, 64 strangers' letters), heads, 1,024 logs a request, presence, messages of 1,024 bytes, 20 a minute, and relay, 3600 s, 1 GiB, 16 connections", p.Services)
			}
		}
	}
	if !sawB || !sawHub {
		t.Fatalf("A's peers %+v: want B (relayed) and the hub", a.hubPeers())
	}
	if out := string(a.kithText("peers")); !strings.Contains(out, "offers   dropbox (14 days, letters of 32 KiB, 4 entries, letters 64); heads (1024 logs a request); presence (messages of 1024 bytes, 20 messages a minute, 64 heads, 1024 keys watched); relay (60 min, 1024 MiB each way, 16 connections)") || !strings.Contains(out, "outbound relay") {
		t.Errorf("kith peers prints:\n%s\nwant the hub's relay and B's relayed connection", out)
	}
}

// kithText runs a CLI command on the node's home without --json and
// returns its stdout.
func (p *proc) kithText(args ...string) []byte {
	p.t.Helper()
	cmd := p.command(context.Background(), append([]string{"--home", p.home}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+p.home)
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("%s: kith %s: %v", p.name, strings.Join(args, " "), err)
	}
	return out
}

// circuitAddr returns the node's address through a hub, if it announces
// one.
func (p *proc) circuitAddr() string {
	var st struct {
		Addrs []string `json:"addrs"`
	}
	if err := json.Unmarshal(p.kith("status"), &st); err != nil {
		p.t.Fatal(err)
	}
	for _, a := range st.Addrs {
		if strings.Contains(a, "/p2p-circuit/") {
			return a
		}
	}
	return ""
}

// servicesOf returns what p lists peer as offering, and whether peer
// announced anything yet.
func (p *proc) servicesOf(peer string) ([]string, bool) {
	for _, q := range p.hubPeers() {
		if q.Device == peer && q.Services != nil {
			var names []string
			for _, s := range q.Services {
				names = append(names, s.Name)
			}
			return names, true
		}
	}
	return nil, false
}

// TestHubServesListedAccounts: a hub with serve = "accounts" gives a relay
// slot to, and announces the relay to, the listed account's device only;
// another device connected to it hears that it offers nothing and gets no
// slot.
func TestHubServesListedAccounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	homeA, homeH := filepath.Join(dir, "a"), filepath.Join(dir, "hub")
	var created struct {
		Account string `json:"account"`
	}
	if err := json.Unmarshal(kithIn(t, homeA, "", "init", "--name", "a"), &created); err != nil || created.Account == "" {
		t.Fatalf("init a: %v", err)
	}
	if err := os.MkdirAll(homeH, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "[hub]\non = true\nserve = \"accounts\"\naccounts = [\"" + created.Account + "\"]\n"
	if err := os.WriteFile(filepath.Join(homeH, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startNode(t, "hub", homeH)
	a := startNode(t, "a", homeA, "--use-hub", h.addr())
	b := startNode(t, "b", filepath.Join(dir, "b"), "--use-hub", h.addr())

	waitFor(t, syncTimeout, "A, whose account the hub serves, to hold a slot there", func() bool { return a.circuitAddr() != "" })
	waitFor(t, syncTimeout, "A to hear that the hub offers it the relay", func() bool {
		names, ok := a.servicesOf(h.Device)
		return ok && len(names) == 4 && names[0] == "dropbox" && names[1] == "heads" && names[2] == "presence" && names[3] == "relay"
	})
	waitFor(t, syncTimeout, "B to hear what the hub offers it", func() bool { _, ok := b.servicesOf(h.Device); return ok })
	if names, _ := b.servicesOf(h.Device); len(names) != 0 {
		t.Fatalf("the hub offers B %v: want nothing, B's account is not listed", names)
	}
	if got := b.circuitAddr(); got != "" {
		t.Fatalf("B holds a slot at the hub (%s): want it refused, B's account is not listed", got)
	}
}

// TestSyncThroughHubAcrossNAT: A, B and C each behind its own NAT router
// (Linux masquerade: the mapping keeps the source port when it can, and
// only answers come back in: port-restricted), the hub on the "public"
// segment between them; C's router also forwards everything new to C
// (full cone); D's router maps every connection to a new random port
// (symmetric). No one can dial A, B or D unasked; all hold a slot at the
// hub and announce the address the hub sees them at. A dials B's, C's and
// D's addresses through the hub and syncs their posts. The relayed
// connections to B and C are upgraded to direct ones: C's NAT lets A's
// dial in, and A and B punch through their port-restricted NATs by
// dialling each other at one moment (doc/protocol/services.md §10); D's
// symmetric NAT lets nothing through, so D stays relayed, syncs through
// the hub, and 'kith peers' says that hole punching failed. The hub sees
// every node at its router's address.
func TestSyncThroughHubAcrossNAT(t *testing.T) {
	net := newNATNet(t)
	net.addNATed("r1", "a", 1, fmt.Sprintf(natPublicNet, 11))
	net.addNATed("r2", "b", 2, fmt.Sprintf(natPublicNet, 12))
	net.addNATed("r3", "c", 3, fmt.Sprintf(natPublicNet, 13))
	net.fullCone("r3", "10.3.0.2")
	net.addNATed("r4", "d", 4, fmt.Sprintf(natPublicNet, 14), "--random-fully")
	dir := t.TempDir()
	h := &proc{t: t, name: "hub", home: filepath.Join(dir, "hub"), listen: "/ip4/" + natHubIP + "/tcp/4001", wrap: net.wrap("hub"), extra: []string{"--hub"}}
	h.start()
	t.Cleanup(h.stop)
	hubAddr := "/ip4/" + natHubIP + "/tcp/4001/p2p/" + peerIDIn(t, h.Addrs)
	b := &proc{t: t, name: "b", home: filepath.Join(dir, "b"), listen: "/ip4/0.0.0.0/tcp/4001", wrap: net.wrap("b"), extra: []string{"--use-hub", hubAddr}}
	b.start()
	t.Cleanup(b.stop)
	posts := numbered(strings.Repeat("y", 4096)+" behind a NAT", 40)
	for _, text := range posts {
		b.post(text)
	}
	c := &proc{t: t, name: "c", home: filepath.Join(dir, "c"), listen: "/ip4/0.0.0.0/tcp/4001", wrap: net.wrap("c"), extra: []string{"--use-hub", hubAddr}}
	c.start()
	t.Cleanup(c.stop)
	cPosts := numbered("behind a forwarding NAT", 10)
	for _, text := range cPosts {
		c.post(text)
	}
	d := &proc{t: t, name: "d", home: filepath.Join(dir, "d"), listen: "/ip4/0.0.0.0/tcp/4001", wrap: net.wrap("d"), extra: []string{"--use-hub", hubAddr}}
	d.start()
	t.Cleanup(d.stop)
	d.post("behind a symmetric NAT")
	var circuit, cCircuit string
	waitFor(t, syncTimeout, "B and C to announce their addresses through the hub", func() bool {
		circuit, cCircuit = b.circuitAddr(), c.circuitAddr()
		return strings.HasPrefix(circuit, hubAddr+"/p2p-circuit/p2p/") && strings.HasPrefix(cCircuit, hubAddr+"/p2p-circuit/p2p/")
	})
	waitFor(t, syncTimeout, "B to announce the address the hub sees it at", func() bool {
		return slices.Contains(b.statusAddrs(), fmt.Sprintf("/ip4/%s/tcp/4001/p2p/%s", fmt.Sprintf(natPublicNet, 12), peerIDIn(t, []string{circuit})))
	})
	a := &proc{t: t, name: "a", home: filepath.Join(dir, "a"), listen: "/ip4/0.0.0.0/tcp/4001", wrap: net.wrap("a"), extra: []string{"--use-hub", hubAddr}}
	a.start()
	t.Cleanup(a.stop)
	if _, err := a.try("peer", "add", "/ip4/10.2.0.2/tcp/4001/p2p/"+peerIDIn(t, []string{circuit})); err == nil {
		t.Fatal("A dialled B's private address directly: the NAT does not separate them")
	}
	a.kith("follow", b.Account)
	a.kith("follow", c.Account)
	a.kith("follow", d.Account)
	added := time.Now()
	a.kith("peer", "add", circuit)
	a.kith("peer", "add", cCircuit)
	var dCircuit string
	waitFor(t, syncTimeout, "D to announce its address through the hub", func() bool {
		dCircuit = d.circuitAddr()
		return strings.HasPrefix(dCircuit, hubAddr+"/p2p-circuit/p2p/")
	})
	a.kith("peer", "add", dCircuit)
	waitFor(t, syncTimeout, "A to hold B's posts, synced through the hub across both NATs", func() bool { return a.hasPosts(b.Account, posts) })
	waitFor(t, syncTimeout, "A to hold C's posts", func() bool { return a.hasPosts(c.Account, cPosts) })
	waitFor(t, syncTimeout, "A to hold D's post, through the hub", func() bool { return a.hasPosts(d.Account, []string{"behind a symmetric NAT"}) })
	direct := func(p *proc, ip string) func() bool {
		return func() bool {
			for _, q := range a.hubPeers() {
				if q.Device == p.Device && q.Transport == "tcp" && strings.HasPrefix(q.Addr, "/ip4/"+ip+"/tcp/4001") {
					return true
				}
			}
			return false
		}
	}
	// Bounded: the first punch runs 1 s after the relayed connection is up
	// and takes a round trip and a dial; a lost SYN is sent again after 1 s.
	waitFor(t, 20*time.Second, "A's connection to C (full cone) to be upgraded to a direct one", direct(c, fmt.Sprintf(natPublicNet, 13)))
	t.Logf("C direct %v after A was given its address through the hub", time.Since(added).Round(time.Millisecond))
	waitFor(t, 20*time.Second, "A's connection to B (port-restricted, both sides) to be upgraded to a direct one by a hole punch", direct(b, fmt.Sprintf(natPublicNet, 12)))
	t.Logf("B direct %v after A was given its address through the hub", time.Since(added).Round(time.Millisecond))
	c.post("after the upgrade")
	b.post("after the punch")
	waitFor(t, syncTimeout, "A to get C's post over the direct connection", func() bool {
		return a.hasPosts(c.Account, append(cPosts, "after the upgrade"))
	})
	waitFor(t, syncTimeout, "A to get B's post over the punched connection", func() bool {
		return a.hasPosts(b.Account, append(posts, "after the punch"))
	})
	for _, p := range a.hubPeers() {
		if p.Device == b.Device && p.Transport != "tcp" {
			t.Errorf("A lists B as %+v after the punch: want it direct", p)
		}
	}
	waitFor(t, 20*time.Second, "A to say that hole punching D failed", func() bool {
		for _, p := range a.hubPeers() {
			if p.Device == d.Device {
				if p.Transport != "relay" || !strings.Contains(p.Addr, "/p2p-circuit") {
					t.Fatalf("A lists D as %+v: want it relayed (its symmetric NAT lets no direct connection through)", p)
				}
				return strings.HasPrefix(p.Direct, "hole punching failed")
			}
		}
		return false
	})
	d.post("still through the hub")
	waitFor(t, syncTimeout, "A to get D's second post, through the hub", func() bool {
		return a.hasPosts(d.Account, []string{"behind a symmetric NAT", "still through the hub"})
	})
	if out := string(a.kithText("peers")); !strings.Contains(out, "direct   hole punching failed") {
		t.Errorf("kith peers prints:\n%s\nwant it to say that hole punching D failed", out)
	}
	seen := map[string]string{}
	for _, p := range h.hubPeers() {
		seen[p.Device] = p.Addr
	}
	for _, c := range []struct {
		p  *proc
		ip string
	}{{a, fmt.Sprintf(natPublicNet, 11)}, {b, fmt.Sprintf(natPublicNet, 12)}, {c, fmt.Sprintf(natPublicNet, 13)}} {
		if !strings.HasPrefix(seen[c.p.Device], "/ip4/"+c.ip+"/") {
			t.Errorf("the hub sees %s at %q, want its router's address %s", c.p.name, seen[c.p.Device], c.ip)
		}
	}
}

// statusAddrs returns the addresses 'kith status' lists.
func (p *proc) statusAddrs() []string {
	var st struct {
		Addrs []string `json:"addrs"`
	}
	if err := json.Unmarshal(p.kith("status"), &st); err != nil {
		p.t.Fatal(err)
	}
	return st.Addrs
}

// peerIDIn returns the peer id that ends the first of addrs.
func peerIDIn(t *testing.T, addrs []string) string {
	t.Helper()
	for _, a := range addrs {
		if i := strings.LastIndex(a, "/p2p/"); i >= 0 {
			return a[i+len("/p2p/"):]
		}
	}
	t.Fatalf("no /p2p/ in %v", addrs)
	return ""
}
