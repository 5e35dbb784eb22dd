package node

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
)

// SpaceMember is a member of a space with its role.
type SpaceMember struct {
	Account identity.PublicKey
	Role    space.Role
}

// SpaceView is a space as this node holds it.
type SpaceView struct {
	ID      entry.ID
	Name    string
	Village entry.ID // the village it was created from, zero if none
	History bool     // members added later receive the earlier epochs
	Members []SpaceMember
	// Role is this node's account's role; zero when it is no member
	// (removed, left, or never admitted).
	Role space.Role
	// CanWrite: this device may seal now. Otherwise Waiting says why
	// (spaces.md §3), for people.
	CanWrite bool
	Waiting  string
	// EpochsOpened: how many key epochs of the space this device holds
	// the key of.
	EpochsOpened int
	// Ignored: the membership entries that took no effect, with why.
	Ignored map[entry.ID]string
}

// Space returns a space held here, its keys brought up to date first.
func (n *Node) Space(ctx context.Context, id entry.ID) (*SpaceView, error) {
	st, _, err := n.keep(ctx, id, true)
	if err != nil {
		return nil, err
	}
	v := &SpaceView{ID: id, Name: st.Name, Village: st.Village, History: st.History, Role: st.Members[n.account], Ignored: st.Ignored}
	for _, a := range st.Accounts() {
		v.Members = append(v.Members, SpaceMember{Account: a, Role: st.Members[a]})
	}
	n.rings.mu.Lock()
	r := n.ring(id)
	cur, _ := r.ring.Current()
	v.EpochsOpened = len(r.ring.Epochs())
	var missing []space.Boundary
	if cur != nil {
		missing = uncovered(st, r, cur.ID)
	}
	n.rings.mu.Unlock()
	switch {
	case v.Role == 0:
		v.Waiting = "your account is not a member"
	case cur == nil:
		v.Waiting = "this device has no key of the current epoch yet: an admin's device gives it when it is online"
	case len(missing) > 0:
		v.Waiting = "the current key was made before " + n.describeBoundary(ctx, missing[0]) + ": an admin's device starts a new one when it is online"
	default:
		v.CanWrite = true
	}
	return v, nil
}

// SpaceSummary is one space in the list of Spaces.
type SpaceSummary struct {
	ID      entry.ID
	Name    string
	Role    space.Role // zero when no longer a member
	Members int
}

// Spaces lists the spaces this node's account takes part in or took part
// in, by id.
func (n *Node) Spaces(ctx context.Context) ([]SpaceSummary, error) {
	ids, err := n.spacesOf(ctx)
	if err != nil {
		return nil, err
	}
	var out []SpaceSummary
	for _, id := range ids {
		st, _, err := n.spaceState(ctx, id)
		if errors.Is(err, ErrNoSpace) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, SpaceSummary{ID: id, Name: st.Name, Role: st.Members[n.account], Members: len(st.Members)})
	}
	return out, nil
}

// SpaceOf returns the space whose content log e sits in, when this device
// holds that space's log key: how a new message is told from other
// entries (spaces.md §1).
func (n *Node) SpaceOf(e *entry.Entry) (entry.ID, bool) {
	n.loadRingsOnce()
	var found entry.ID
	ok := false
	n.rings.eachLogKey(func(id entry.ID, k [32]byte) bool {
		if entry.LogID(seal.LogID(k, seal.ID(e.Header.Author))) == e.Header.LogID {
			found, ok = id, true
			return false
		}
		return true
	})
	return found, ok
}

// loadRingsOnce is a no-op kept for readers that must not lock the
// keyring: the keyring file is read when the node opens (openWith), so
// its log keys are known before any goroutine asks. Taking rings.mu here
// would invert the order keepSpace takes the locks in (rings.mu, then the
// append lock n.mu, while an append recomputes the scope).
func (n *Node) loadRingsOnce() {}
