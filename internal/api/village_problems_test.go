package api_test

import (
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/node"
)

// TestVillageProblemsNamePeople: a village's problems name the founders
// who have not accepted by their names, with the account id after each,
// never by a key in hex.
func TestVillageProblemsNamePeople(t *testing.T) {
	f := newFixture(t)
	b, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := b.Publish(t.Context(), &content.Profile{Name: "Bea"}); err != nil {
		t.Fatal(err)
	}
	copyEntries(t, b, f.n)
	var fe wire.VillageEntry
	f.call("POST", "/api/v1/villages", wire.VillageFound{Name: "Elm street", Admit: "majority", Exclude: "majority",
		Cofounders: []string{b.Account().String(), c.Account().String()}}, &fe)
	var v wire.Village
	f.call("GET", "/api/v1/villages/"+fe.Village, nil, &v)
	// In the order of the founders' keys, as the village lists them.
	var named []string
	for _, k := range v.Founders {
		switch k {
		case b.Account().String():
			named = append(named, "Bea ("+k+")")
		case c.Account().String():
			named = append(named, k)
		}
	}
	want := "not founded: founders " + strings.Join(named, ", ") + " have not accepted"
	if len(v.Problems) != 1 || v.Problems[0] != want {
		t.Errorf("problems %q, want [%q]", v.Problems, want)
	}
}
