package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

// TestHubHeadsCLI: two real processes on loopback. A client that holds
// nothing of the hub's public log asks the hub (kith heads) and learns
// the hub's seq and id there and that it is behind on it; a log nobody
// holds is answered with seq 0.
func TestHubHeadsCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startNode(t, "hub", filepath.Join(dir, "hub"), "--hub")
	c := startNode(t, "client", filepath.Join(dir, "client"))
	var last struct {
		ID  string `json:"id"`
		Seq uint64 `json:"seq"`
	}
	for _, text := range []string{"one", "two", "three"} {
		if err := json.Unmarshal(h.kith("post", text), &last); err != nil {
			t.Fatal(err)
		}
	}
	c.kith("peer", "add", h.addr())
	publicLog := entry.PublicLog.String()
	public := h.Device + "/" + publicLog
	nobody := c.Device + "/" + publicLog + "x"
	if out, err := c.try("heads", h.Device, public, nobody); err == nil {
		t.Fatalf("kith heads with a malformed log printed %s, want it refused", out)
	}
	nobody = c.Device + "/" + publicLog // the client's public log: the hub holds none of it
	var got struct {
		Hub    string `json:"hub"`
		Behind int    `json:"behind"`
		Heads  []struct {
			Author string `json:"author"`
			HubSeq uint64 `json:"hub_seq"`
			HubID  string `json:"hub_id"`
			Seq    uint64 `json:"seq"`
			Behind bool   `json:"behind"`
		} `json:"heads"`
	}
	if err := json.Unmarshal(c.kith("heads", h.Device, public, nobody), &got); err != nil {
		t.Fatal(err)
	}
	if got.Hub != h.Device || got.Behind != 1 || len(got.Heads) != 2 {
		t.Fatalf("kith heads: %+v, want one log behind of two at %s", got, h.Device)
	}
	for _, g := range got.Heads {
		switch g.Author {
		case h.Device:
			if g.HubSeq < last.Seq || g.HubSeq == last.Seq && g.HubID != last.ID || g.Seq != 0 || !g.Behind {
				t.Errorf("the hub's public log: %+v, want at least seq %d (%s), none here, behind", g, last.Seq, last.ID)
			}
		case c.Device:
			if g.HubSeq != 0 || g.HubID != "" || g.Behind {
				t.Errorf("the client's public log at the hub: %+v, want none held", g)
			}
		default:
			t.Errorf("a head of %s, asked for none", g.Author)
		}
	}
	if out := string(c.kithText("heads", h.Device, public)); !strings.HasPrefix(out, public+"  behind: the hub holds up to ") || !strings.HasSuffix(out, ", this node 0\nbehind on 1 of 1 logs at hub "+h.Device+"\n") {
		t.Errorf("kith heads prints:\n%s", out)
	}
}
