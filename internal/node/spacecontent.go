package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
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
}

// SpaceMessages opens all the content entries of a space held here, in
// the order they arrived (each author's in seq order): SpacePage without
// a limit.
func (n *Node) SpaceMessages(ctx context.Context, id entry.ID) ([]SpaceMessage, error) {
	p, err := n.SpacePage(ctx, id, SpaceQuery{})
	if err != nil {
		return nil, err
	}
	return p.Messages, nil
}

// openOne opens the content entry e into m; x holds the epochs of its
// log at lower seqs. A payload opened before comes from the cache.
func (n *Node) openOne(st *space.State, r *spaceRing, e *entry.Entry, m *SpaceMessage, speaks bool, x *logEpochs) {
	if e.Payload == nil {
		m.Status, m.Detail = SpaceUnknownEpoch, "the payload is not held"
		return
	}
	if ep, err := seal.SealedEpoch(e.Payload); err == nil {
		if err := x.outdated(r.ring, e.Header.Seq, ep); err != nil {
			m.Status, m.Detail = SpaceOutdated, err.Error()
			return
		}
	}
	key := openedKey{scope: st.Space, id: e.ID}
	var o *openedPost
	if v, ok := n.views.opened(key); ok && r.ring.Get(v.(*openedPost).epoch) != nil {
		o = v.(*openedPost)
	} else {
		var bad bool
		if o, bad = n.openPost(st, r, e, m); bad {
			return
		}
		n.views.keepOpened(key, o, o.size())
	}
	if !speaks || !st.MayWrite(m.Account, o.post.Refs) {
		m.Status, m.Detail = SpaceNotMember, "its author was not a member where it wrote it"
		return
	}
	m.Status, m.Text, m.Reply, m.TimeMs = SpaceReadable, o.post.Text, o.post.Reply, o.timeMs
}

// openPost decrypts and decodes e's payload; bad is true, and m says why,
// when it is not a post this device can read.
func (n *Node) openPost(st *space.State, r *spaceRing, e *entry.Entry, m *SpaceMessage) (_ *openedPost, bad bool) {
	pos := seal.Position{Author: seal.ID(e.Header.Author), LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
	o, err := seal.Open(st.Space, r.ring, pos, e.Payload)
	switch {
	case errors.Is(err, seal.ErrUnknownEpoch):
		m.Status, m.Detail = SpaceUnknownEpoch, n.unheldWhy(st, r, e.Payload)
		return nil, true
	case errors.Is(err, seal.ErrNotDecrypted):
		m.Status, m.Detail = SpaceNotDecrypted, err.Error()
		return nil, true
	case err != nil:
		m.Status, m.Detail = SpaceMalformed, err.Error()
		return nil, true
	}
	c, err := space.DecodeContent(o.Body)
	if err != nil {
		m.Status, m.Detail = SpaceMalformed, err.Error()
		return nil, true
	}
	p, ok := c.(*space.Post)
	if !ok {
		m.Status, m.Detail = SpaceMalformed, "a "+space.TypeEpoch+" in a content log"
		return nil, true
	}
	return &openedPost{epoch: o.Epoch, timeMs: o.TimeMs, post: p}, false
}

// unheldWhy says why this device holds no key of the epoch a payload is
// sealed under, as far as it can tell.
func (n *Node) unheldWhy(st *space.State, r *spaceRing, payload []byte) string {
	ep, _ := seal.SealedEpoch(payload)
	cur, _ := r.ring.Current()
	switch {
	case st.Members[n.account] == 0 && slices.Contains(st.Named(), n.account):
		return "sealed after your account left or was removed: you read what was sealed while it was a member"
	case cur != nil && r.ring.Follows(cur.ID, ep) && !st.History:
		return "written before this device was given the space's key: people and devices added later do not read what was written before"
	}
	return "sealed under a key this device does not hold"
}
