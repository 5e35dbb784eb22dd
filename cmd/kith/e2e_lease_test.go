package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLeaseCLI: two real processes on loopback. A hub with [hub] lease =
// true; a client asks it (kith lease) and holds a lease, listed by kith
// leases and among its copies in kith status; the hub lists the lease it
// keeps, and holds the client's posts.
func TestLeaseCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	hubHome := filepath.Join(dir, "hub")
	if err := os.MkdirAll(hubHome, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hubHome, "config.toml"), []byte("[hub]\non = true\nlease = true\nlease_mb = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startNode(t, "hub", hubHome)
	c := startNode(t, "client", filepath.Join(dir, "client"))
	var post struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.kith("post", "kept at the hub"), &post); err != nil {
		t.Fatal(err)
	}
	type held struct {
		Holder  string `json:"holder"`
		State   string `json:"state"`
		Bytes   uint64 `json:"bytes"`
		Seconds uint64 `json:"seconds"`
	}
	var got held
	if err := json.Unmarshal(c.kith("lease", h.addr()), &got); err != nil {
		t.Fatal(err)
	}
	if got.Holder != h.Device || got.State != "held" || got.Bytes != 5<<20 || got.Seconds != 30*24*3600 {
		t.Fatalf("kith lease: %+v, want held by %s, 5 MiB, 30 days", got, h.Device)
	}
	var ls struct {
		Held    []held `json:"held"`
		Granted []struct {
			Account string `json:"account"`
			Asker   string `json:"asker"`
		} `json:"granted"`
	}
	if err := json.Unmarshal(c.kith("leases"), &ls); err != nil {
		t.Fatal(err)
	}
	if len(ls.Held) != 1 || ls.Held[0] != got || len(ls.Granted) != 0 {
		t.Fatalf("kith leases on the client: %+v", ls)
	}
	var st struct {
		Copies struct {
			Leases []held `json:"leases"`
		} `json:"copies"`
	}
	if err := json.Unmarshal(c.kith("status"), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Copies.Leases) != 1 || st.Copies.Leases[0] != got {
		t.Fatalf("kith status copies' leases: %+v", st.Copies.Leases)
	}
	if out := string(c.kithText("leases")); !strings.HasPrefix(out, "leased at "+h.Device+"  ends in 30 days, renewed in 15 days; up to 5 MiB") {
		t.Errorf("kith leases prints:\n%s", out)
	}
	if err := json.Unmarshal(h.kith("leases"), &ls); err != nil {
		t.Fatal(err)
	}
	if len(ls.Granted) != 1 || ls.Granted[0].Account != c.Account || ls.Granted[0].Asker != c.Device {
		t.Fatalf("kith leases on the hub: %+v, want the client's", ls.Granted)
	}
	for deadline := time.Now().Add(syncTimeout); ; time.Sleep(100 * time.Millisecond) {
		if _, err := h.try("show", post.ID); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hub does not hold the client's post")
		}
	}
	// Stopped, the holder is no longer asked; stopping again says so.
	if err := json.Unmarshal(c.kith("lease", "--stop", h.Device), &ls); err != nil {
		t.Fatal(err)
	}
	if len(ls.Held) != 0 {
		t.Fatalf("after kith lease --stop: %+v, want no holder", ls.Held)
	}
	if out, err := c.try("lease", "--stop", h.Device); err == nil || !strings.Contains(err.Error(), "does not ask that holder") {
		t.Fatalf("kith lease --stop again: %s, %v; want refused as not asked", out, err)
	}
}
