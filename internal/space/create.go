package space

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// NewCreate builds the space.create of a space named name among chosen
// accounts: admins with the admin role, members (not also admins) with the
// member role; village is the village it comes from, zero if none. It
// fails with the rule broken (no admin, too many, a bad name).
func NewCreate(name string, from entry.ID, admins, members []identity.PublicKey) (*Create, error) {
	roles := map[identity.PublicKey]Role{}
	for _, m := range members {
		roles[m] = Member
	}
	for _, a := range admins {
		roles[a] = Admin
	}
	c := &Create{Name: name, Village: from}
	for a, r := range roles {
		c.Members = append(c.Members, Founder{Account: a, Role: r})
	}
	slices.SortFunc(c.Members, func(a, b Founder) int { return bytes.Compare(a.Account[:], b.Account[:]) })
	if err := check(c); err != nil {
		return nil, err
	}
	return c, nil
}

// FromVillage builds the space.create of a space whose founders are the
// current locals of the village v (village.md: accounts that are locals
// now), admins among them with the admin role. Every admin must be a
// local.
func FromVillage(name string, v *village.State, admins []identity.PublicKey) (*Create, error) {
	var locals []identity.PublicKey
	is := map[identity.PublicKey]bool{}
	for _, l := range v.Locals {
		if l.Status == village.Member {
			locals = append(locals, l.Key)
			is[l.Key] = true
		}
	}
	for _, a := range admins {
		if !is[a] {
			return nil, fmt.Errorf("space: %s is not a local of the village: a space created from a village has its locals as founders", a.Account())
		}
	}
	return NewCreate(name, v.Village, admins, locals)
}
