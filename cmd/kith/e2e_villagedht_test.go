package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestVillageDHTRendezvous: locals who share no follow and no configured
// peer find each other through the DHT under the village's rendezvous key
// and keep their sync sessions. Four processes with a real kad-dht on
// loopback: H, a DHT server that takes part in nothing, is the only
// bootstrap peer of A, B and C, DHT clients. Village entries reach a newcomer only on a
// bundle (a USB stick): B imports A's bundle with the found entry, C one
// with its invitation. From then on A, B and C connect to each other
// through the DHT only: under the rendezvous key (a node logs the peers it
// found so), and by a lookup of the device keys of the locals it keeps
// connected. B's acceptance, C's join and B's endorsement spread by sync, a
// locals' connection dropped by a restart comes back, and H, which knows
// no village id, holds no village entry. Checked by mutation: with either
// way alone the scenario passes; with neither, A never sees the founding.
func TestVillageDHTRendezvous(t *testing.T) {
	t.Parallel()
	start := time.Now()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "h"), "--dht-server")
	// A, B and C are DHT clients (as nodes behind NAT are): they query
	// H and are in no routing table, so nothing but the rendezvous makes
	// them dial each other.
	a := startNode(t, "a", filepath.Join(dir, "a"), "--bootstrap", h.addr(), "--log-level", "info")
	b := startNode(t, "b", filepath.Join(dir, "b"), "--bootstrap", h.addr(), "--log-level", "info")
	c := startNode(t, "c", filepath.Join(dir, "c"), "--bootstrap", h.addr(), "--log-level", "info")
	connectedTo := func(p, q *proc) bool { return slices.Contains(villagePeers(p), q.Device) }
	for _, p := range []*proc{a, b, c} {
		for _, q := range []*proc{a, b, c} {
			if p != q && connectedTo(p, q) {
				t.Fatalf("%s is connected to %s before any village", p.name, q.name)
			}
		}
	}

	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	carry := func(from, to *proc, name string) {
		t.Helper()
		path := filepath.Join(dir, name+".kithbundle")
		from.kith("export", "--out", path)
		to.kith("import", path)
	}
	carry(a, b, "found")
	villageWait(t, []*proc{b}, vid, "B to hold the found entry from the bundle", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(b, "accept", vid)
	// A learns of B's acceptance only by sync: A and B must find each
	// other under the rendezvous key.
	villageWait(t, []*proc{a, b}, vid, "the founding, on A through the rendezvous", func(v wire.Village) bool { return v.Founded })
	if !connectedTo(a, b) {
		t.Fatal("A holds B's acceptance but is not connected to B")
	}
	// Who dialled whom under the rendezvous key depends on timing (B
	// also keeps A connected as a local, found by a DHT lookup of A's
	// key); at least one of them found the other as a provider.
	rendezvous := func(p, q *proc) bool {
		return strings.Contains(p.stderr.String(), `found under the rendezvous key" peer=`+q.Device)
	}
	waitFor(t, villageTimeout, "A or B to log a peer found under the rendezvous key", func() bool { return rendezvous(a, b) || rendezvous(b, a) })
	t.Logf("A and B met through the DHT %v after the start", time.Since(start).Round(time.Millisecond))

	villageEntryOf(a, "invite", vid, c.Account)
	carry(a, c, "invite")
	villageWait(t, []*proc{c}, vid, "C to hold its invitation", func(v wire.Village) bool {
		return len(v.Invitations) == 1 && v.Invitations[0].Invitee == c.Account
	})
	villageEntryOf(c, "join", vid)
	villageEntryOf(b, "invite", vid, c.Account) // majority of {A, B}: both
	villageWait(t, []*proc{a, b, c}, vid, "C a local on every node", func(v wire.Village) bool {
		return villageLocal(v, c.Account).Status == "local"
	})
	for _, p := range []*proc{a, b, c} {
		for _, q := range []*proc{a, b, c} {
			if p != q {
				waitFor(t, villageTimeout, p.name+" connected to the local "+q.name, func() bool { return connectedTo(p, q) })
			}
		}
	}
	t.Logf("three locals connected %v after the start", time.Since(start).Round(time.Millisecond))

	// B restarts on a new port: A and C find it again (kept connected as
	// locals, its new address through the DHT) and B's next entry
	// reaches them.
	b.stop()
	b.start()
	villageEntryOf(b, "userspec", vid, "--mode", "active", "--name", "bea")
	villageWait(t, []*proc{a, c}, vid, "B's userspec after its restart", func(v wire.Village) bool {
		return villageLocal(v, b.Account).Name == "bea"
	})
	waitFor(t, villageTimeout, "A and C connected to the restarted B", func() bool { return connectedTo(a, b) && connectedTo(c, b) })

	// H took part in nothing: it holds no village (not even the found entry).
	if _, ok := villageShow(h, vid); ok {
		t.Fatal("the DHT node H holds the village")
	}
	var list struct {
		Villages []json.RawMessage `json:"villages"`
	}
	if err := json.Unmarshal(h.kith("village", "list"), &list); err != nil || list.Villages == nil || len(list.Villages) != 0 {
		t.Fatalf("H's villages: %s %v", h.kith("village", "list"), err)
	}
	t.Logf("done after %v", time.Since(start).Round(time.Millisecond))
}
