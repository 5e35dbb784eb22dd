package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// Errors of the space operations, for callers that map them (the API).
var (
	// ErrNoSpace: the node holds no space.create with this id.
	ErrNoSpace = errors.New("no such space held here")
	// ErrSpaceRule: the membership rules would ignore the entry
	// (space-membership.md §3); nothing was appended.
	ErrSpaceRule = errors.New("the space's rules do not allow this")
	// ErrSpaceWaiting: this device may not seal yet (spaces.md §3): it
	// holds no key of the current epoch, or the current epoch does not
	// cover a removal it knows. Nothing was appended.
	ErrSpaceWaiting = errors.New("the space waits for a new key")
)

func spaceRuleErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSpaceRule, fmt.Sprintf(format, args...))
}

// spaceEntries returns the create entry (nil when not held) and what the
// reducer reads of a space: the create, every held membership entry of
// any author, and the device certificates and revocations of their
// authors, of this device, and of every device of the accounts the space
// names (space-membership.md §1, §5). Every read is an indexed look-up:
// its cost does not grow with the logs the node holds.
func (n *Node) spaceEntries(ctx context.Context, id entry.ID) (*entry.Entry, []*entry.Entry, error) {
	var create *entry.Entry
	switch s, err := n.store.Get(ctx, id); {
	case err == nil:
		create = s.Entry
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, nil
	default:
		return nil, nil, err
	}
	out := []*entry.Entry{create}
	devices := map[identity.PublicKey]bool{n.device.Public(): true, create.Header.Author: true}
	err := n.eachOfLog(ctx, entry.LogID(id), func(e *store.Stored) {
		out = append(out, e.Entry)
		devices[e.Header.Author] = true
	})
	if err != nil {
		return nil, nil, err
	}
	seen := map[entry.ID]bool{}
	certs := func(ds []store.Device) error {
		for _, d := range ds {
			for _, cid := range []entry.ID{d.Cert, d.RevokedBy} {
				if cid.IsZero() || seen[cid] {
					continue
				}
				seen[cid] = true
				c, err := n.store.Get(ctx, cid)
				if errors.Is(err, store.ErrNotFound) {
					continue
				} else if err != nil {
					return err
				}
				out = append(out, c.Entry)
			}
		}
		return nil
	}
	accounts := map[identity.PublicKey]bool{}
	for d := range devices {
		dv, err := n.store.AccountOf(ctx, d)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, nil, err
		}
		accounts[dv.Account] = true
	}
	if st, err := space.Reduce(id, append(slices.Clone(out), n.certEntries(ctx, accounts)...)); err == nil {
		for _, a := range st.Named() {
			accounts[a] = true
		}
	}
	for a := range accounts {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		if err := certs(ds); err != nil {
			return nil, nil, err
		}
	}
	return create, out, nil
}

// certEntries returns the certificates and revocations held of the
// accounts' devices (errors skipped: a first pass, spaceEntries reads
// them again).
func (n *Node) certEntries(ctx context.Context, accounts map[identity.PublicKey]bool) []*entry.Entry {
	var out []*entry.Entry
	for a := range accounts {
		ds, _ := n.store.Devices(ctx, a)
		for _, d := range ds {
			for _, cid := range []entry.ID{d.Cert, d.RevokedBy} {
				if cid.IsZero() {
					continue
				}
				if c, err := n.store.Get(ctx, cid); err == nil {
					out = append(out, c.Entry)
				}
			}
		}
	}
	return out
}

// eachOfLog calls fn with every held entry whose log id is log, of any
// author, by an indexed query (arrival order).
func (n *Node) eachOfLog(ctx context.Context, log entry.LogID, fn func(*store.Stored)) error {
	q := store.Query{LogID: &log, Limit: 1000}
	for {
		es, err := n.store.Find(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			q.After = e.Cursor
			fn(e)
		}
		if len(es) < q.Limit {
			return nil
		}
	}
}

// spaceState reduces a space as held.
func (n *Node) spaceState(ctx context.Context, id entry.ID) (*space.State, []*entry.Entry, error) {
	create, es, err := n.spaceEntries(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if create == nil {
		return nil, nil, ErrNoSpace
	}
	st, err := space.Reduce(id, es)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoSpace, err)
	}
	return st, es, nil
}

// spacesOf returns the spaces this node's account takes part in or took
// part in (spaces.md §2): a held space.create naming it, or a space.add
// naming it in the space's membership log. Sorted.
func (n *Node) spacesOf(ctx context.Context) ([]entry.ID, error) {
	ids := map[entry.ID]bool{}
	for _, typ := range []string{space.TypeCreate, space.TypeAdd} {
		q := store.Query{Type: typ, Limit: 1000}
		for {
			es, err := n.store.Find(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				q.After = e.Cursor
				if e.Payload == nil {
					continue
				}
				p, err := space.Decode(e.Payload)
				if err != nil {
					continue
				}
				switch p := p.(type) {
				case *space.Create:
					for _, m := range p.Members {
						if m.Account == n.account {
							ids[e.ID] = true
						}
					}
				case *space.Add:
					if p.Account == n.account && e.Header.LogID == entry.LogID(p.Space) {
						ids[p.Space] = true
					}
				}
			}
			if len(es) < q.Limit {
				break
			}
		}
	}
	out := make([]entry.ID, 0, len(ids))
	for id := range ids {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	return out, nil
}

// CreateSpace creates a space named name and returns its create entry
// (whose id is the space id): CreateSpaceFrom without history.
func (n *Node) CreateSpace(ctx context.Context, name string, fromVillage entry.ID, admins, members []identity.PublicKey) (*entry.Entry, error) {
	return n.CreateSpaceFrom(ctx, NewSpace{Name: name, Village: fromVillage, Admins: admins, Members: members})
}

// NewSpace is what CreateSpaceFrom makes.
type NewSpace struct {
	Name string
	// Village: when set, the founders are the village's current locals
	// (space.FromVillage) and Members is ignored.
	Village entry.ID
	// Admins and Members are accounts; this node's account is always an
	// admin.
	Admins, Members []identity.PublicKey
	// History: members added later also receive the earlier epochs
	// (spaces.md §3); by default they read from when they join.
	History bool
}

// CreateSpaceFrom creates a space and returns its create entry, whose id
// is the space id. The first key epoch is announced at once to the
// founders' devices whose encryption keys are held; the others get it
// when their keys arrive.
func (n *Node) CreateSpaceFrom(ctx context.Context, ns NewSpace) (*entry.Entry, error) {
	admins := append([]identity.PublicKey{n.account}, ns.Admins...)
	var c *space.Create
	var err error
	if !ns.Village.IsZero() {
		v, verr := n.Village(ctx, ns.Village)
		if verr != nil {
			return nil, verr
		}
		c, err = space.FromVillage(ns.Name, v, admins)
	} else {
		c, err = space.NewCreate(ns.Name, entry.ID{}, admins, ns.Members)
	}
	if err != nil {
		return nil, err
	}
	c.History = ns.History
	payload, err := space.Encode(c)
	if err != nil {
		return nil, err
	}
	e, err := n.AppendRaw(ctx, space.FoundLog, payload)
	if err != nil {
		return nil, err
	}
	if err := n.keepSpace(ctx, e.ID); err != nil {
		return e, err
	}
	n.spacesChanged()
	return e, nil
}

// appendSpace checks p against the space as held (check may return a rule
// error), names in it the heads of the membership logs held
// (space-membership.md §2) and appends it to this device's membership log
// of the space; then keeps the space (a removal starts a new epoch).
func (n *Node) appendSpace(ctx context.Context, id entry.ID, p space.Payload, check func(st *space.State) error) (*entry.Entry, error) {
	st, es, err := n.spaceState(ctx, id)
	if err != nil {
		return nil, err
	}
	if a, ok := st.AccountOf(n.device.Public()); !ok || a != n.account {
		return nil, spaceRuleErr("this device's certificate is not held with the space's entries")
	}
	if err := check(st); err != nil {
		return nil, err
	}
	refs := st.Heads(es, n.device.Public(), false)
	switch p := p.(type) {
	case *space.Add:
		p.Refs = refs
	case *space.Remove:
		p.Refs = refs
	case *space.SetRole:
		p.Refs = refs
	case *space.Leave:
		p.Refs = refs
	}
	payload, err := space.Encode(p)
	if err != nil {
		return nil, err
	}
	e, err := n.AppendRaw(ctx, entry.LogID(id), payload)
	if err != nil {
		return nil, err
	}
	if err := n.keepSpace(ctx, id); err != nil {
		return e, err
	}
	n.spacesChanged()
	return e, nil
}

func (n *Node) mustBeSpaceAdmin(st *space.State) error {
	if st.Members[n.account] != space.Admin {
		return spaceRuleErr("your account is not an admin of %q: ask an admin", st.Name)
	}
	return nil
}

// AddToSpace adds account to the space with role. Only an admin may.
func (n *Node) AddToSpace(ctx context.Context, id entry.ID, account identity.PublicKey, role space.Role) (*entry.Entry, error) {
	return n.appendSpace(ctx, id, &space.Add{Space: id, Account: account, Role: role}, func(st *space.State) error {
		if err := n.mustBeSpaceAdmin(st); err != nil {
			return err
		}
		if st.Members[account] != 0 {
			return spaceRuleErr("%s is a member already", account.Account())
		}
		return nil
	})
}

// RemoveFromSpace removes account from the space. Only an admin may. A new
// key epoch starts: the removed account reads nothing sealed from then on.
func (n *Node) RemoveFromSpace(ctx context.Context, id entry.ID, account identity.PublicKey) (*entry.Entry, error) {
	return n.appendSpace(ctx, id, &space.Remove{Space: id, Account: account}, func(st *space.State) error {
		if err := n.mustBeSpaceAdmin(st); err != nil {
			return err
		}
		if st.Members[account] == 0 {
			return spaceRuleErr("%s is not a member", account.Account())
		}
		return nil
	})
}

// SetSpaceRole changes a member's role. Only an admin may.
func (n *Node) SetSpaceRole(ctx context.Context, id entry.ID, account identity.PublicKey, role space.Role) (*entry.Entry, error) {
	return n.appendSpace(ctx, id, &space.SetRole{Space: id, Account: account, Role: role}, func(st *space.State) error {
		if err := n.mustBeSpaceAdmin(st); err != nil {
			return err
		}
		switch r := st.Members[account]; {
		case r == 0:
			return spaceRuleErr("%s is not a member", account.Account())
		case r == role:
			return spaceRuleErr("%s is %s already", account.Account(), role)
		}
		return nil
	})
}

// LeaveSpace makes this node's account leave the space.
func (n *Node) LeaveSpace(ctx context.Context, id entry.ID) (*entry.Entry, error) {
	return n.appendSpace(ctx, id, &space.Leave{Space: id}, func(st *space.State) error {
		if st.Members[n.account] == 0 {
			return spaceRuleErr("your account is not a member of %q", st.Name)
		}
		return nil
	})
}

// spacesChanged makes the running network want the logs of the spaces as
// they now are (spaces.md §2).
func (n *Node) spacesChanged() {
	if nw := n.net.Load(); nw != nil {
		n.rescope(nw.ctx, nw)
	}
}
