package space

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// MaxEntries bounds the membership entries one reduction considers
// (space-membership.md §6): the entries after the first MaxEntries in the
// membership order are ignored.
const MaxEntries = 1024

// MaxLogSeq bounds the entries of one device's membership log the reducer
// reads: those at a higher seq take no part and no place in the graph, so
// a member's device cannot make the graph (one bit per pair of entries)
// grow past MaxLogSeq entries per device.
const MaxLogSeq = 2 * MaxEntries

// ErrNoSpace is returned by Reduce when the set holds no valid space.create
// whose entry id is the space id.
var ErrNoSpace = errors.New("space: no valid space.create with this id")

// BoundaryKind is why a new key epoch starts.
type BoundaryKind string

// The kinds of epoch boundary.
const (
	BoundaryRemove BoundaryKind = "remove" // an admin removed a member
	BoundaryLeave  BoundaryKind = "leave"  // a member left
	BoundaryRevoke BoundaryKind = "revoke" // a member's account revoked one of its devices
)

// Boundary is a membership change after which nothing may be sealed under
// an epoch key the change's Account (or Device) holds (space-membership.md
// §5; keyring.md distributes the new key).
type Boundary struct {
	Entry   entry.ID // the space.remove, space.leave or device.revoke entry
	Kind    BoundaryKind
	Account identity.PublicKey // the account that lost access, or whose device was revoked
	Device  identity.PublicKey // the revoked device (BoundaryRevoke only)
}

// State is a space as a set of entries defines it.
type State struct {
	Space   entry.ID
	Name    string
	Village entry.ID // the village it was created from, zero if none
	History bool     // members added later receive the earlier epochs (space.create)
	// Members maps each member account to its role.
	Members map[identity.PublicKey]Role
	// Applied lists the membership entries that took effect, in order.
	Applied []entry.ID
	// Ignored says why each membership entry that took no effect did not.
	Ignored map[entry.ID]string
	// Boundaries lists the changes that start a new key epoch: removals
	// and leaves in the membership order, then revocations of members'
	// devices by entry id.
	Boundaries []Boundary

	r *reducer
}

// Accounts returns the member accounts, sorted.
func (s *State) Accounts() []identity.PublicKey {
	ks := slices.Collect(maps.Keys(s.Members))
	slices.SortFunc(ks, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return ks
}

// At returns the members and roles as an author had seen them who names
// refs (heads of the membership logs; ids not held count as absent): the
// rules applied to those entries and everything they follow.
func (s *State) At(refs []entry.ID) map[identity.PublicKey]Role {
	roles := s.r.reduce(s.r.g.downTo(refs), nil)
	return roles
}

// Seen returns the whole state as an author had seen it who names refs
// (heads of the membership logs; ids not held count as absent): members,
// what was applied and ignored among those entries, and the epoch
// boundaries it knows of (the removals and leaves among them, then every
// revocation of a member's device in the set: revocations are not
// causally placed). For the keyring: a writer must not seal under an epoch
// that a boundary it has seen ended (keyring.md).
func (s *State) Seen(refs []entry.ID) *State {
	d := s.r.g.downTo(refs)
	st := &State{Space: s.Space, Name: s.Name, Village: s.Village, History: s.History, Ignored: map[entry.ID]string{}, r: s.r}
	st.Members = s.r.reduce(d, st)
	st.Boundaries = append(st.Boundaries, revocations(s.r.entries, s.r.devs, st.Members)...)
	return st
}

// MayWrite reports whether account may write in the space at the causal
// point refs names (space-membership.md §4): it is a member there.
func (s *State) MayWrite(account identity.PublicKey, refs []entry.ID) bool {
	return s.At(refs)[account] != 0
}

// op is one membership entry as the reducer reads it.
type op struct {
	p      Payload
	author identity.PublicKey // the account its author speaks for
	why    string             // why it cannot take effect ("" when it may)
}

type reducer struct {
	entries  []*entry.Entry // the input, for revocations
	devs     *village.Devices
	space    entry.ID
	founders map[identity.PublicKey]Role
	g        *graph
	ops      []op
	auth     []string // per node: "" when authorized in its author's past, else why not
}

// Reduce derives the space whose id is space from entries (signatures
// already checked; any order, duplicates ignored): the create entry, the
// membership entries (log id = space id), and the device certificates and
// revocations of their authors.
func Reduce(space entry.ID, entries []*entry.Entry) (*State, error) {
	devs := village.NewDevices(entries)
	var create *entry.Entry
	var es []*entry.Entry
	seen := map[entry.ID]int{}
	for _, e := range entries {
		switch {
		case e == nil:
		case e.ID == space:
			if create == nil || e.Payload != nil && create.Payload == nil {
				create = e
			}
		case e.Header.LogID == entry.LogID(space):
			if i, ok := seen[e.ID]; ok {
				if es[i].Payload == nil || entry.CheckPayload(&es[i].Header, es[i].Payload) != nil {
					if e.Payload != nil && entry.CheckPayload(&e.Header, e.Payload) == nil {
						es[i] = e
					}
				}
				continue
			}
			seen[e.ID] = len(es)
			es = append(es, e)
		}
	}
	if create == nil || create.Payload == nil || entry.CheckPayload(&create.Header, create.Payload) != nil {
		return nil, ErrNoSpace
	}
	cp, err := Decode(create.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSpace, err)
	}
	c, ok := cp.(*Create)
	if !ok {
		return nil, fmt.Errorf("%w: the entry is a %s", ErrNoSpace, cp.Type())
	}
	creator, why := devs.Speaks(create)
	founders := map[identity.PublicKey]Role{}
	for _, m := range c.Members {
		founders[m.Account] = m.Role
	}
	switch {
	case why != "":
		return nil, fmt.Errorf("%w: its author speaks for no account: %s", ErrNoSpace, why)
	case founders[creator] != Admin:
		return nil, fmt.Errorf("%w: its author's account is not an admin it names", ErrNoSpace)
	}
	// Entries whose author speaks for no account take no part, and no
	// place in the graph: a member's node names only members' heads, so
	// they carry no order between others, and a stranger's flood costs the
	// reducer nothing but this pass.
	mute := map[entry.ID]string{}
	kept := es[:0]
	for _, e := range es {
		if _, why := devs.Speaks(e); why != "" {
			mute[e.ID] = why
			continue
		}
		if e.Header.Seq > MaxLogSeq {
			mute[e.ID] = fmt.Sprintf("beyond seq %d of a device's membership log", MaxLogSeq)
			continue
		}
		kept = append(kept, e)
	}
	es = kept
	r := &reducer{entries: entries, devs: devs, space: space, founders: founders, ops: make([]op, len(es))}
	for i, e := range es {
		r.ops[i] = readOp(space, e, devs)
	}
	g, perm := newGraph(es, func(i int) []entry.ID {
		if r.ops[i].p == nil {
			return nil
		}
		return RefsOf(r.ops[i].p)
	})
	ops := make([]op, len(es))
	for k, i := range perm {
		ops[k] = r.ops[i]
	}
	r.g, r.ops = g, ops
	r.screen()
	r.auth = make([]string, len(es))
	for i := range int32(len(es)) {
		r.auth[i] = r.authorize(i)
	}
	all := newBits(len(es))
	for i := range es {
		all.set(int32(i))
	}
	st := &State{Space: space, Name: c.Name, Village: c.Village, History: c.History, Ignored: mute, r: r}
	st.Members = r.reduce(all, st)
	st.Boundaries = append(st.Boundaries, revocations(entries, devs, st.Members)...)
	return st, nil
}

// screen sets aside, before any costly check, the entries that cannot
// take effect whatever the rest (space-membership.md §6): an add, remove
// or role change by an account that no entry of the set makes an admin, a
// leave beyond one more than the adds of its account; then every entry
// after the first MaxEntries that remain. So a member cannot fill the
// bound: it has at most a leave per time it was added.
func (r *reducer) screen() {
	everAdmin := map[identity.PublicKey]bool{}
	adds := map[identity.PublicKey]int{}
	for a, role := range r.founders {
		everAdmin[a] = role == Admin
	}
	for _, o := range r.ops {
		switch p := o.p.(type) {
		case *Add:
			adds[p.Account]++
			everAdmin[p.Account] = everAdmin[p.Account] || p.Role == Admin && o.why == ""
		case *SetRole:
			everAdmin[p.Account] = everAdmin[p.Account] || p.Role == Admin && o.why == ""
		}
	}
	leaves := map[identity.PublicKey]int{}
	counted := 0
	for k := range r.ops {
		o := &r.ops[k]
		if o.why != "" {
			continue
		}
		if _, ok := o.p.(*Leave); ok {
			if leaves[o.author]++; leaves[o.author] > adds[o.author]+1 {
				o.why = "the account left more often than it was added"
				continue
			}
		} else if !everAdmin[o.author] {
			o.why = "the author's account is an admin in no entry of the space"
			continue
		}
		if counted++; counted > MaxEntries {
			o.why = fmt.Sprintf("beyond the limit of %d membership entries", MaxEntries)
		}
	}
}

// readOp decodes e as a membership entry of space.
func readOp(space entry.ID, e *entry.Entry, devs *village.Devices) op {
	switch {
	case e.Payload == nil:
		return op{why: "payload missing"}
	case entry.CheckPayload(&e.Header, e.Payload) != nil:
		return op{why: "the payload does not match the entry's header"}
	}
	p, err := Decode(e.Payload)
	if err != nil {
		return op{why: "invalid payload: " + err.Error()}
	}
	if _, ok := p.(*Create); ok {
		return op{why: "a space.create in the membership log"}
	}
	if SpaceOf(p) != space {
		return op{p: p, why: "another space"}
	}
	acc, why := devs.Speaks(e)
	if why != "" {
		return op{p: p, why: why}
	}
	return op{p: p, author: acc}
}

// Kinds of change, for the strong-removal rules.
func target(p Payload) identity.PublicKey {
	switch p := p.(type) {
	case *Add:
		return p.Account
	case *Remove:
		return p.Account
	case *SetRole:
		return p.Account
	}
	return identity.PublicKey{}
}

// needs returns the role the author of p must hold: Admin for add, remove
// and role, Member (any role) for leave.
func needs(p Payload) Role {
	if _, ok := p.(*Leave); ok {
		return Member
	}
	return Admin
}

// precheck checks p by author against roles (the members before it).
func precheck(p Payload, author identity.PublicKey, roles map[identity.PublicKey]Role) string {
	if roles[author] < needs(p) {
		if needs(p) == Admin {
			return "the author's account is not an admin"
		}
		return "the author's account is not a member"
	}
	switch p := p.(type) {
	case *Add:
		if roles[p.Account] != 0 {
			return "the account is already a member"
		}
	case *Remove:
		if roles[p.Account] == 0 {
			return "the account is not a member"
		}
	case *SetRole:
		switch roles[p.Account] {
		case 0:
			return "the account is not a member"
		case p.Role:
			return "the account already has this role"
		}
	}
	return ""
}

// authorize decides whether node i's author could make its change in
// what it had seen: the rules applied to i's strict ancestors.
func (r *reducer) authorize(i int32) string {
	o := r.ops[i]
	if o.why != "" {
		return o.why
	}
	roles := r.reduce(r.g.anc[i], nil)
	return precheck(o.p, o.author, roles)
}

// strike reports whether node i (authorized) removes its target or
// demotes it from admin: a change that filters the target's concurrent
// entries. Whether a role change demotes is decided in the author's past.
func (r *reducer) strike(i int32) bool {
	switch p := r.ops[i].p.(type) {
	case *Remove:
		return true
	case *SetRole:
		return p.Role == Member
	}
	return false
}

// delegation reports whether node i (authorized) gives its target the
// admin role.
func (r *reducer) delegation(i int32) bool {
	switch p := r.ops[i].p.(type) {
	case *Add:
		return p.Role == Admin
	case *SetRole:
		return p.Role == Admin
	}
	return false
}

// reduce applies the rules to the nodes in d (a down-set) and returns the
// members with their roles; with st set it records what each entry did.
func (r *reducer) reduce(d bits, st *State) map[identity.PublicKey]Role {
	roles := maps.Clone(r.founders)
	n := int32(len(r.ops))
	against := map[identity.PublicKey][]int32{} // the strikes in d against each account
	for i := range n {
		if d.has(i) && r.auth[i] == "" && r.strike(i) {
			t := target(r.ops[i].p)
			against[t] = append(against[t], i)
		}
	}
	ignore := func(i int32, why string) {
		if st != nil {
			st.Ignored[r.g.es[i].ID] = why
		}
	}
	var comps []int32 // computed on first need
	for i := range n {
		if !d.has(i) {
			continue
		}
		if r.auth[i] != "" {
			if r.ops[i].why != "" {
				ignore(i, r.ops[i].why)
			} else {
				ignore(i, "in what its author had seen, "+r.auth[i])
			}
			continue
		}
		o := r.ops[i]
		known, mut := false, false
		mutual := func() bool {
			if !known {
				if comps == nil {
					comps = r.g.components(d)
				}
				known, mut = true, r.strike(i) && r.mutual(i, d, comps)
			}
			return mut
		}
		if why := r.filtered(i, against, mutual); why != "" {
			ignore(i, why)
			continue
		}
		// A mutual strike takes effect without the checks against the
		// state reached (space-membership.md §3, step 4); any other entry
		// must pass them. (Where they pass, both give the same effect.)
		if why := precheck(o.p, o.author, roles); why != "" && !mutual() {
			ignore(i, why)
			continue
		}
		id := r.g.es[i].ID
		switch p := o.p.(type) {
		case *Add:
			roles[p.Account] = p.Role
		case *Remove:
			if roles[p.Account] == 0 {
				ignore(i, "the account is not a member")
				continue
			}
			delete(roles, p.Account)
			if st != nil {
				st.Boundaries = append(st.Boundaries, Boundary{Entry: id, Kind: BoundaryRemove, Account: p.Account})
			}
		case *SetRole:
			switch roles[p.Account] {
			case 0:
				ignore(i, "the account is not a member")
				continue
			case p.Role:
				ignore(i, "the account already has this role")
				continue
			}
			roles[p.Account] = p.Role
		case *Leave:
			delete(roles, o.author)
			if st != nil {
				st.Boundaries = append(st.Boundaries, Boundary{Entry: id, Kind: BoundaryLeave, Account: o.author})
			}
		}
		if st != nil {
			st.Applied = append(st.Applied, id)
		}
	}
	return roles
}

// filtered says why node i (authorized) is filtered out by a concurrent
// strike (space-membership.md §3, step 3), "" when it is not. against
// lists the strikes against each account; mutual tells whether i is a
// mutual strike.
func (r *reducer) filtered(i int32, against map[identity.PublicKey][]int32, mutual func() bool) string {
	o := r.ops[i]
	for _, s := range against[o.author] {
		if r.g.concurrent(i, s) && !mutual() {
			return fmt.Sprintf("concurrent with the removal or demotion of its author's account (entry %s)", r.g.es[s].ID.Hex())
		}
	}
	t := target(o.p)
	if t == (identity.PublicKey{}) {
		return ""
	}
	_, isAdd := o.p.(*Add)
	delegation := r.delegation(i)
	for _, s := range against[t] {
		if !r.g.concurrent(i, s) {
			continue
		}
		_, rm := r.ops[s].p.(*Remove)
		switch {
		case rm && isAdd:
			return fmt.Sprintf("adds an account concurrently removed (entry %s)", r.g.es[s].ID.Hex())
		case !rm && delegation:
			return fmt.Sprintf("makes admin an account concurrently demoted (entry %s)", r.g.es[s].ID.Hex())
		}
	}
	return ""
}

// mutual reports whether strike i is part of a cycle of removals (with
// delegations) among the concurrent changes around it: in the graph whose
// edges run from author to target of every authorized strike and
// delegation in i's concurrency region within d (comps: the first node of
// each node's region), i's target reaches i's author.
func (r *reducer) mutual(i int32, d bits, comps []int32) bool {
	edges := map[identity.PublicKey][]identity.PublicKey{}
	for j := comps[i]; j < int32(len(r.ops)) && comps[j] == comps[i]; j++ {
		if d.has(j) && r.auth[j] == "" && (r.strike(j) || r.delegation(j)) {
			a := r.ops[j].author
			edges[a] = append(edges[a], target(r.ops[j].p))
		}
	}
	from, to := target(r.ops[i].p), r.ops[i].author
	seen := map[identity.PublicKey]bool{from: true}
	stack := []identity.PublicKey{from}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if k == to {
			return true
		}
		for _, n := range edges[k] {
			if !seen[n] {
				seen[n] = true
				stack = append(stack, n)
			}
		}
	}
	return false
}

// revocations returns the boundaries of revoked devices of members: each
// valid device.revoke by the account that certified the device, when that
// account is a member, by entry id.
func revocations(entries []*entry.Entry, devs *village.Devices, members map[identity.PublicKey]Role) []Boundary {
	var out []Boundary
	seen := map[entry.ID]bool{}
	for _, e := range entries {
		if e == nil || e.Payload == nil || seen[e.ID] || entry.CheckPayload(&e.Header, e.Payload) != nil {
			continue
		}
		if t, err := content.PeekType(e.Payload); err != nil || t != content.TypeDeviceRevoke {
			continue
		}
		p, err := content.Decode(e.Payload)
		if err != nil {
			continue
		}
		rev, ok := p.(*content.DeviceRevoke)
		if !ok || content.Validate(&e.Header, rev) != nil {
			continue
		}
		dev := identity.PublicKey(rev.Device)
		acc, ok := devs.Account(dev)
		if !ok || acc != e.Header.Author || members[acc] == 0 {
			continue
		}
		seen[e.ID] = true
		out = append(out, Boundary{Entry: e.ID, Kind: BoundaryRevoke, Account: acc, Device: dev})
	}
	slices.SortFunc(out, func(a, b Boundary) int { return bytes.Compare(a.Entry[:], b.Entry[:]) })
	return out
}
