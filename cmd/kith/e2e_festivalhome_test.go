package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// festivalHomed is the part of 'kith --json festival show' these tests read.
type festivalHomed struct {
	Name      string `json:"name"`
	Home      string `json:"home"`
	Sealed    int    `json:"sealed"`
	Resources []struct {
		Name string `json:"name"`
	} `json:"resources"`
	Nested []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"nested"`
}

func festivalHomedShow(p *proc, id string) (festivalHomed, bool) {
	var v festivalHomed
	out, err := p.try("festival", "show", id)
	if err != nil || json.Unmarshal(out, &v) != nil {
		return v, false
	}
	return v, true
}

func (v festivalHomed) resources() []string {
	var out []string
	for _, r := range v.Resources {
		out = append(out, r.Name)
	}
	slices.Sort(out)
	return out
}

// TestFestivalInSpace: a festival living in a space is sealed for its
// members: the member reads it and nests a festival in it (sealed in the
// same space); a node that is no member holds the ciphertext and reads
// nothing; a member removed does not read what is written after the key
// rotation, and still reads what it read before.
func TestFestivalInSpace(t *testing.T) {
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	for _, p := range []*proc{a, b, c} {
		for _, q := range []*proc{a, b, c} {
			if p != q {
				p.kith("follow", q.Account)
			}
		}
	}
	b.kith("peer", "add", a.addr())
	c.kith("peer", "add", a.addr())
	var created wire.SpaceEntry
	if err := json.Unmarshal(a.kith("space", "create", "Crew", "--with", b.Account), &created); err != nil || created.Space == "" {
		t.Fatalf("space create: %+v %v", created, err)
	}
	sid := created.Space
	for _, p := range []*proc{a, b} {
		spaceWait(t, p, sid, "the space's key", func(s spaceShown) bool { return s.CanWrite })
	}
	var fe wire.FestivalEntry
	if err := json.Unmarshal(a.kith("festival", "create", "Crew camp", "--space", "Crew"), &fe); err != nil || fe.Festival == "" || fe.Ref != "" {
		t.Fatalf("festival create --space: %+v %v", fe, err)
	}
	a.kith("festival", "resource", fe.Festival, "Van", "--kind", "equipment")
	waitFor(t, spaceTimeout, "B, a member, to read the festival and its van", func() bool {
		v, ok := festivalHomedShow(b, fe.Festival)
		return ok && v.Home == sid && slices.Equal(v.resources(), []string{"Van"})
	})
	// Nested in it: sealed in the same space.
	var nested wire.FestivalEntry
	if err := json.Unmarshal(b.kith("festival", "create", "Night shift", "--in", fe.Festival), &nested); err != nil || nested.Festival == "" {
		t.Fatalf("nested create: %+v %v", nested, err)
	}
	waitFor(t, spaceTimeout, "A to read B's nested festival, living in the space", func() bool {
		v, ok := festivalHomedShow(a, nested.Festival)
		return ok && v.Home == sid && v.Name == "Night shift"
	})

	// C is no member: the sealed festival logs are not even wanted; given
	// them (A's whole store, in a bundle), C reads nothing.
	bundle := filepath.Join(dir, "a.kithbundle")
	a.kith("export", "--out", bundle)
	c.kith("import", bundle)
	if _, err := c.try("show", fe.Festival); err != nil {
		t.Fatalf("C does not hold the sealed create after the import: %v", err)
	}
	if v, ok := festivalHomedShow(c, fe.Festival); ok {
		t.Fatalf("C, no member, reads the festival: %+v", v)
	}
	var list struct {
		Festivals []struct {
			Name string `json:"name"`
		} `json:"festivals"`
	}
	if err := json.Unmarshal(c.kith("festival", "list"), &list); err != nil || len(list.Festivals) != 0 {
		t.Fatalf("C's festival list: %+v %v", list, err)
	}

	// B is removed; after the new key, A adds a tent: B holds it sealed
	// and does not read it.
	a.kith("space", "remove", sid, b.Account)
	spaceWait(t, a, sid, "the removal and a new key", func(s spaceShown) bool { return !s.member(b.Account) && s.CanWrite })
	a.kith("festival", "resource", fe.Festival, "Tent", "--kind", "room")
	waitFor(t, spaceTimeout, "B to hold A's tent, sealed", func() bool {
		v, ok := festivalHomedShow(b, fe.Festival)
		return ok && v.Sealed >= 1
	})
	v, _ := festivalHomedShow(b, fe.Festival)
	if !slices.Equal(v.resources(), []string{"Van"}) {
		t.Fatalf("the removed member reads %v, want only the van it read before", v.resources())
	}
	if v, _ := festivalHomedShow(a, fe.Festival); !slices.Equal(v.resources(), []string{"Tent", "Van"}) {
		t.Fatalf("A reads %v", v.resources())
	}
}

// TestFestivalInVillage: a festival living in a village reaches its
// locals, and nothing of it reaches a stranger to the village, though
// connected to both locals and following the founder.
func TestFestivalInVillage(t *testing.T) {
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	villageConnect(a, b, c)
	b.kith("follow", a.Account)
	c.kith("follow", a.Account)
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "the found entry", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a, b}, vid, "the founding", func(v wire.Village) bool { return v.Founded && len(v.Locals) == 2 })

	var fe wire.FestivalEntry
	if err := json.Unmarshal(a.kith("festival", "create", "Street party", "--village", "Elm street"), &fe); err != nil || fe.Festival == "" || fe.Ref != "" {
		t.Fatalf("festival create --village: %+v %v", fe, err)
	}
	a.kith("festival", "resource", fe.Festival, "Barbecue", "--kind", "equipment")
	b.kith("festival", "resource", fe.Festival, "Speakers", "--kind", "equipment")
	for _, p := range []*proc{a, b} {
		waitFor(t, syncTimeout, p.name+" to read both resources", func() bool {
			v, ok := festivalHomedShow(p, fe.Festival)
			return ok && v.Home == vid && slices.Equal(v.resources(), []string{"Barbecue", "Speakers"})
		})
	}
	var list struct {
		Festivals []struct {
			Name   string `json:"name"`
			Opened bool   `json:"opened"`
		} `json:"festivals"`
	}
	if err := json.Unmarshal(b.kith("festival", "list"), &list); err != nil || len(list.Festivals) != 1 || !list.Festivals[0].Opened {
		t.Fatalf("B's list: %+v %v (a festival of its village needs no opening)", list, err)
	}
	// C holds nothing of it: not the create, not the resources.
	if _, err := c.try("show", fe.Festival); err == nil {
		t.Fatal("C, a stranger to the village, holds the festival's create")
	}
	if _, ok := festivalHomedShow(c, fe.Festival); ok {
		t.Fatal("C, a stranger to the village, reads the festival")
	}
	// C cannot write in it either: it is no local.
	if out, err := c.try("festival", "create", "Gatecrash", "--village", vid); err == nil {
		t.Fatalf("C created a festival in a village it is a stranger to: %s", out)
	}
}
