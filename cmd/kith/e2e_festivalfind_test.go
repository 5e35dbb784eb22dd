package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFestivalOpenMidSession: A and B are connected and their sync
// session is live, about nothing in common; B opens A's festival and
// gets it in that same session, without reconnecting. Then A adds a
// resource, and it reaches B live.
func TestFestivalOpenMidSession(t *testing.T) {
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	var fe struct {
		Festival string `json:"festival"`
		Ref      string `json:"ref"`
	}
	if err := json.Unmarshal(a.kith("festival", "create", "Lakeside"), &fe); err != nil || fe.Ref == "" {
		t.Fatalf("create: %+v %v", fe, err)
	}
	a.kith("festival", "resource", fe.Festival, "Main stage", "--kind", "stage")
	b.kith("peer", "add", a.addr())
	waitFor(t, syncTimeout, "B's session with A to be live", func() bool { return sessionLive(b, a) && sessionLive(a, b) })
	sessions := sessionStarts(b)
	start := time.Now()
	b.kith("festival", "open", fe.Ref)
	waitFor(t, syncTimeout, "B to hold the festival and its stage", func() bool {
		v, ok := b.festival(fe.Festival)
		return ok && len(v.Resources) == 1 && v.Resources[0].Name == "Main stage"
	})
	t.Logf("opened mid-session: held %v later", time.Since(start).Round(time.Millisecond))
	a.kith("festival", "resource", fe.Festival, "Tent", "--kind", "room")
	waitFor(t, syncTimeout, "B to hold the tent, live", func() bool {
		v, ok := b.festival(fe.Festival)
		return ok && len(v.Resources) == 2
	})
	// C, connected to A only, opens the festival and writes in it: its
	// first entry reaches B through A, and B learns whose it is (C's
	// certificate, wanted from then on) in the same session.
	c := startNode(t, "c", filepath.Join(dir, "c"))
	c.kith("festival", "open", fe.Ref)
	c.kith("peer", "add", a.addr())
	waitFor(t, syncTimeout, "C to hold the festival", func() bool { v, ok := c.festival(fe.Festival); return ok && len(v.Resources) == 2 })
	c.kith("festival", "resource", fe.Festival, "Piano", "--kind", "equipment")
	waitFor(t, syncTimeout, "B to hold C's piano, owned by C's account", func() bool {
		return resourceOwner(b, fe.Festival, "Piano") == c.Account
	})
	if got := sessionStarts(b); !slices.Equal(got, sessions) {
		t.Fatalf("B's sessions started %v, then %v: the festival came by a new session", sessions, got)
	}
}

// resourceOwner is the account owning p's resource of that name, "" when
// none is held.
func resourceOwner(p *proc, f, name string) string {
	var v struct {
		Resources []struct {
			Name  string `json:"name"`
			Owner struct {
				Account string `json:"account"`
			} `json:"owner"`
		} `json:"resources"`
	}
	out, err := p.try("festival", "show", f)
	if err != nil || json.Unmarshal(out, &v) != nil {
		return ""
	}
	for _, r := range v.Resources {
		if r.Name == name {
			return r.Owner.Account
		}
	}
	return ""
}

type peerSync struct {
	Device string `json:"device"`
	Since  string `json:"since"`
	Sync   *struct {
		Phase string `json:"phase"`
	} `json:"sync"`
}

func peersOf(p *proc) []peerSync {
	var ps []peerSync
	if err := json.Unmarshal(p.kith("peers"), &ps); err != nil {
		p.t.Fatalf("%s: peers: %v", p.name, err)
	}
	return ps
}

func sessionLive(p, q *proc) bool {
	for _, x := range peersOf(p) {
		if x.Device == q.Device && x.Sync != nil && x.Sync.Phase == "live" {
			return true
		}
	}
	return false
}

// sessionStarts lists p's connections by device and since.
func sessionStarts(p *proc) []string {
	var out []string
	for _, x := range peersOf(p) {
		out = append(out, x.Device+"@"+x.Since)
	}
	slices.Sort(out)
	return out
}

// TestFestivalDHTRendezvous: B knows only the id of A's public festival
// (not A's device, no follow, no common village, no configured peer); B
// opens it and finds A under the festival's rendezvous key in the DHT,
// and gets the festival, its founding included, and its resource.
func TestFestivalDHTRendezvous(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	a := startNode(t, "a", filepath.Join(dir, "a"), "--bootstrap", h.addr(), "--log-level", "info")
	b := startNode(t, "b", filepath.Join(dir, "b"), "--bootstrap", h.addr(), "--log-level", "info")
	var fe struct {
		Festival string `json:"festival"`
		Ref      string `json:"ref"`
	}
	if err := json.Unmarshal(a.kith("festival", "create", "Lakeside"), &fe); err != nil || fe.Ref == "" {
		t.Fatalf("create: %+v %v", fe, err)
	}
	a.kith("festival", "resource", fe.Festival, "Main stage", "--kind", "stage")
	if slices.Contains(villagePeers(b), a.Device) {
		t.Fatal("B is connected to A before opening the festival")
	}
	b.kith("festival", "open", fe.Festival) // the id alone
	waitFor(t, villageTimeout, "B to hold the festival, found through the DHT", func() bool {
		v, ok := b.festival(fe.Festival)
		return ok && len(v.Resources) == 1 && v.Resources[0].Name == "Main stage"
	})
	t.Logf("B held the festival %v after the start", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(a.stderr.String()+b.stderr.String(), "found under the festival rendezvous key") {
		t.Fatal("neither A nor B logged a peer found under the festival rendezvous key")
	}
	var list struct {
		Festivals []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Ref  string `json:"ref"`
		} `json:"festivals"`
	}
	if err := json.Unmarshal(b.kith("festival", "list"), &list); err != nil || len(list.Festivals) != 1 ||
		list.Festivals[0].Name != "Lakeside" || list.Festivals[0].Ref != fe.Ref {
		t.Fatalf("B's list: %+v %v", list, err)
	}
	// H only relayed the rendezvous: it holds no festival.
	if _, ok := h.festival(fe.Festival); ok {
		t.Fatal("the DHT node H holds the festival")
	}
}
