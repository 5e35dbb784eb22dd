package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// PostToSpace seals a post to the space under its current epoch and
// appends it to this device's content log of the space (spaces.md §3,
// §4). It fails with ErrSpaceWaiting, appending nothing, when this device
// may not seal yet.
func (n *Node) PostToSpace(ctx context.Context, id entry.ID, text string, reply entry.ID) (*entry.Entry, error) {
	es, err := n.PostManyToSpace(ctx, id, []SpaceDraft{{Text: text, Reply: reply}})
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

// SpaceDraft is one post of PostManyToSpace.
type SpaceDraft struct {
	Text  string
	Reply entry.ID
}

// PostManyToSpace seals posts to the space under its current epoch, all
// naming the same causal point, and appends them to this device's content
// log in one batch (an import, a benchmark): all or none.
func (n *Node) PostManyToSpace(ctx context.Context, id entry.ID, drafts []SpaceDraft) ([]*entry.Entry, error) {
	st, es, err := n.keep(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if st.Members[n.account] == 0 {
		return nil, spaceRuleErr("your account is not a member of %q", st.Name)
	}
	n.rings.mu.Lock()
	r := n.ring(id)
	cur, heads := r.ring.Current()
	var missing []space.Boundary
	if cur != nil {
		missing = uncovered(st, r, cur.ID)
	}
	n.rings.mu.Unlock()
	switch {
	case len(heads) == 0 || cur == nil:
		return nil, fmt.Errorf("%w: this device holds no key of %q's current epoch yet; it arrives from an admin's device (is one online and connected?)", ErrSpaceWaiting, st.Name)
	case len(missing) > 0:
		return nil, fmt.Errorf("%w: %q's current key was made before %s; an admin's device starts a new one as soon as it is online", ErrSpaceWaiting, st.Name, n.describeBoundary(ctx, missing[0]))
	}
	refs := st.Heads(es, n.device.Public(), true)
	bodies := make([][]byte, len(drafts))
	for i, d := range drafts {
		if bodies[i], err = space.EncodeContent(&space.Post{Text: d.Text, Refs: refs, Reply: d.Reply}); err != nil {
			return nil, err
		}
	}
	me := n.device.Public()
	log := entry.LogID(seal.LogID(cur.LogKey, seal.ID(me)))
	return n.appendSeqStampedMany(ctx, log, len(bodies), func(i int, seq uint64) ([]byte, error) {
		return seal.Seal(id, cur, seal.Position{Author: seal.ID(me), LogID: seal.ID(log), Seq: seq}, n.now(), bodies[i])
	})
}

// describeBoundary says, with the account's name, what change a boundary is.
func (n *Node) describeBoundary(ctx context.Context, b space.Boundary) string {
	who := b.Account.Account().String()
	if prof, err := n.newResolver().profile(ctx, b.Account); err == nil && prof != nil && prof.Name != "" {
		who = prof.Name
	}
	switch b.Kind {
	case space.BoundaryRemove:
		return "the removal of " + who
	case space.BoundaryLeave:
		return who + " left"
	default:
		return "the revocation of a device of " + who
	}
}

// SpaceStatus is what a reader can make of one content entry (spaces.md §5).
type SpaceStatus string

// The outcomes of spaces.md §5.
const (
	SpaceReadable     SpaceStatus = "readable"
	SpaceUnknownEpoch SpaceStatus = "sealed"        // no key of its epoch here
	SpaceNotDecrypted SpaceStatus = "not-decrypted" // tampered, replayed, another key
	SpaceNotMember    SpaceStatus = "not-member"    // its author was no member at its refs
	SpaceOutdated     SpaceStatus = "outdated-epoch"
	SpaceMalformed    SpaceStatus = "malformed"
)

// SpaceMessage is one content entry of a space as this device reads it.
// Text, Reply and TimeMs are set only when Status is SpaceReadable.
type SpaceMessage struct {
	ID      entry.ID
	Device  identity.PublicKey
	Account identity.PublicKey // zero when the device speaks for no account
	Seq     uint64
	Status  SpaceStatus
	Detail  string // why, when not readable
	Text    string
	Reply   entry.ID
	TimeMs  uint64 // the author's time, from inside the ciphertext
	// Removed: the author's account is no longer a member.
	Removed bool
	cursor  int64
}

// SpaceMessages opens the content entries of a space held here, in the
// order they arrived (each author's in seq order). Nothing it decrypts is
// written anywhere (spaces.md §6).
func (n *Node) SpaceMessages(ctx context.Context, id entry.ID) ([]SpaceMessage, error) {
	st, _, err := n.keep(ctx, id, true)
	if err != nil {
		return nil, err
	}
	n.rings.mu.Lock()
	defer n.rings.mu.Unlock()
	r := n.ring(id)
	logKey, ok := r.logKey()
	if !ok {
		return nil, nil
	}
	var out []SpaceMessage
	for _, a := range st.Named() {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			log := store.LogKey{Author: d.Device, LogID: entry.LogID(seal.LogID(logKey, seal.ID(d.Device)))}
			msgs, err := n.openLog(ctx, st, r, log)
			if err != nil {
				return nil, err
			}
			out = append(out, msgs...)
		}
	}
	sortByArrival(out)
	return out, nil
}

// openLog opens one author's content log of the space.
func (n *Node) openLog(ctx context.Context, st *space.State, r *spaceRing, log store.LogKey) ([]SpaceMessage, error) {
	var out []SpaceMessage
	var lastEpoch *seal.ID
	for from := uint64(1); ; {
		es, err := n.store.Log(ctx, log, from, 1000)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			from = e.Header.Seq + 1
			m := SpaceMessage{ID: e.ID, Device: e.Header.Author, Seq: e.Header.Seq, cursor: e.Cursor}
			acc, speaks := st.AccountOf(e.Header.Author)
			if speaks {
				m.Account = acc
				m.Removed = st.Members[acc] == 0
			}
			n.openOne(st, r, e.Entry, &m, speaks, &lastEpoch)
			out = append(out, m)
		}
		if len(es) < 1000 {
			return out, nil
		}
	}
}

func (n *Node) openOne(st *space.State, r *spaceRing, e *entry.Entry, m *SpaceMessage, speaks bool, lastEpoch **seal.ID) {
	if e.Payload == nil {
		m.Status, m.Detail = SpaceUnknownEpoch, "the payload is not held"
		return
	}
	if ep, err := seal.SealedEpoch(e.Payload); err == nil {
		if *lastEpoch != nil {
			if err := r.ring.CheckOrder(**lastEpoch, ep); err != nil {
				m.Status, m.Detail = SpaceOutdated, err.Error()
				return
			}
		}
		*lastEpoch = &ep
	}
	pos := seal.Position{Author: seal.ID(e.Header.Author), LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
	o, err := seal.Open(st.Space, r.ring, pos, e.Payload)
	switch {
	case errors.Is(err, seal.ErrUnknownEpoch):
		m.Status, m.Detail = SpaceUnknownEpoch, "sealed under a key this device does not hold"
		return
	case errors.Is(err, seal.ErrNotDecrypted):
		m.Status, m.Detail = SpaceNotDecrypted, err.Error()
		return
	case err != nil:
		m.Status, m.Detail = SpaceMalformed, err.Error()
		return
	}
	c, err := space.DecodeContent(o.Body)
	if err != nil {
		m.Status, m.Detail = SpaceMalformed, err.Error()
		return
	}
	p, ok := c.(*space.Post)
	if !ok {
		m.Status, m.Detail = SpaceMalformed, "a "+space.TypeEpoch+" in a content log"
		return
	}
	if !speaks || !st.MayWrite(m.Account, p.Refs) {
		m.Status, m.Detail = SpaceNotMember, "its author was not a member where it wrote it"
		return
	}
	m.Status, m.Text, m.Reply, m.TimeMs = SpaceReadable, p.Text, p.Reply, o.TimeMs
}

func sortByArrival(ms []SpaceMessage) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].cursor < ms[j-1].cursor; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}
