package node

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// gathered is every conversation entry of one place this device reads:
// plaintext, in memory only (spaces.md §6: nothing decrypted is written).
type gathered struct {
	place   DecisionPlace
	name    string               // the village's or space's name
	entries []*entry.Entry       // opened: a sealed entry carries its body as payload
	cursor  []int64              // each entry's arrival position here
	byConv  map[entry.ID][]int32 // conversation id -> indexes into entries
	starts  []entry.ID           // the conversation.start entries held
	members []identity.PublicKey // the place's current members (accounts)
	account func(*entry.Entry) (identity.PublicKey, bool)
	// unreadable: entries of the place this device holds and cannot read
	// (sealed under a key it does not hold, tampered, not a conversation
	// payload): not handed to the reducer, shown with why.
	unreadable []DecisionUnreadable
	// capped: devices whose log holds more than MaxDecisionLogEntries
	// entries (only the first ones count).
	capped []identity.PublicKey
}

// DecisionUnreadable is a conversation entry of a place this device
// holds and cannot read, with why.
type DecisionUnreadable struct {
	ID     entry.ID
	Device identity.PublicKey
	Reason string
}

// add records an opened entry under the conversation its payload names.
func (g *gathered) add(e *entry.Entry, cursor int64) {
	p, err := conversation.Decode(e.Payload)
	if err != nil {
		g.unreadable = append(g.unreadable, DecisionUnreadable{ID: e.ID, Device: e.Header.Author, Reason: err.Error()})
		return
	}
	c, ok := conversationOf(e.ID, p)
	if !ok {
		return
	}
	i := int32(len(g.entries))
	g.entries = append(g.entries, e)
	g.cursor = append(g.cursor, cursor)
	if _, ok := p.(*conversation.Start); ok {
		g.starts = append(g.starts, e.ID)
	}
	g.byConv[c] = append(g.byConv[c], i)
}

// holds reports whether the start entry id is among the entries read:
// written by a device of a local or member of the place, within the limit.
func (g *gathered) holds(id entry.ID) bool {
	return slices.Contains(g.starts, id)
}

// of returns the entries of conversation id (its start included).
func (g *gathered) of(id entry.ID) []*entry.Entry {
	ix := g.byConv[id]
	out := make([]*entry.Entry, len(ix))
	for k, i := range ix {
		out[k] = g.entries[i]
	}
	return out
}

// reduce runs the reducer over conversation id.
func (g *gathered) reduce(id entry.ID) *conversation.State {
	return conversation.Reduce(conversation.Input{Conversation: id, Entries: g.of(id), Members: g.members, Account: g.account})
}

// heads returns the causal references a new entry in conversation id
// names (village.md §3, "Order"): the latest entry (by
// seq) of each device in this conversation, its own included (a device's
// log of a place holds several conversations, so its backlink may not be
// in this one), at most conversation.MaxRefs, the latest arrived first,
// sorted.
func (g *gathered) heads(id entry.ID) []entry.ID {
	type head struct {
		e      *entry.Entry
		cursor int64
	}
	latest := map[identity.PublicKey]head{}
	for _, i := range g.byConv[id] {
		e := g.entries[i]
		if h, ok := latest[e.Header.Author]; !ok || e.Header.Seq > h.e.Header.Seq {
			latest[e.Header.Author] = head{e, g.cursor[i]}
		}
	}
	hs := make([]head, 0, len(latest))
	for _, h := range latest {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b head) int {
		if c := cmp.Compare(b.cursor, a.cursor); c != 0 {
			return c
		}
		return bytes.Compare(a.e.ID[:], b.e.ID[:])
	})
	if len(hs) > conversation.MaxRefs {
		hs = hs[:conversation.MaxRefs]
	}
	out := make([]entry.ID, len(hs))
	for i, h := range hs {
		out[i] = h.e.ID
	}
	slices.SortFunc(out, func(a, b entry.ID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

// readLog reads the first MaxDecisionLogEntries entries of one
// device's log, handing each to fn; it reports whether the log holds more.
func (n *Node) readLog(ctx context.Context, log store.LogKey, fn func(*store.Stored)) (capped bool, err error) {
	from := uint64(1)
	read := 0
	for read < MaxDecisionLogEntries {
		es, err := n.store.Log(ctx, log, from, min(1000, MaxDecisionLogEntries-read))
		if err != nil {
			return false, err
		}
		if len(es) == 0 {
			return false, nil
		}
		for _, e := range es {
			fn(e)
		}
		read += len(es)
		from = es[len(es)-1].Header.Seq + 1
	}
	more, err := n.store.Log(ctx, log, from, 1)
	return err == nil && len(more) > 0, err
}

// gather reads every conversation entry of a place.
func (n *Node) gather(ctx context.Context, place DecisionPlace) (*gathered, error) {
	if place.IsVillage() {
		return n.gatherVillage(ctx, place.Village)
	}
	return n.gatherSpace(ctx, place.Space)
}

func (n *Node) gatherVillage(ctx context.Context, id entry.ID) (*gathered, error) {
	st, err := n.Village(ctx, id)
	if err != nil {
		return nil, err
	}
	g := &gathered{place: DecisionPlace{Village: id}, name: st.Name, byConv: map[entry.ID][]int32{}, members: st.Members(), account: villageSpeaks(st)}
	lid := ConvVillageLog(id)
	for _, dev := range n.villageDevices(ctx, st) {
		capped, err := n.readLog(ctx, store.LogKey{Author: dev, LogID: lid}, func(s *store.Stored) {
			if s.Payload == nil {
				g.unreadable = append(g.unreadable, DecisionUnreadable{ID: s.ID, Device: dev, Reason: "its payload is not held"})
				return
			}
			g.add(s.Entry, s.Cursor)
		})
		if err != nil {
			return nil, err
		}
		if capped {
			g.capped = append(g.capped, dev)
		}
	}
	return g, nil
}

// villageDevices returns the devices of every account the village knows
// as a local (current or former), as the village's entries and the
// certificates held say, sorted.
func (n *Node) villageDevices(ctx context.Context, st *village.State) []identity.PublicKey {
	seen := map[identity.PublicKey]bool{}
	for _, l := range st.Locals {
		for _, d := range st.Devices(l.Key) {
			seen[d] = true
		}
		if ds, err := n.store.Devices(ctx, l.Key); err == nil {
			for _, d := range ds {
				seen[d.Device] = true
			}
		}
	}
	out := make([]identity.PublicKey, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return out
}

func (n *Node) gatherSpace(ctx context.Context, id entry.ID) (*gathered, error) {
	st, _, err := n.keep(ctx, id, false)
	if err != nil {
		return nil, err
	}
	var members []identity.PublicKey
	for _, a := range st.Accounts() {
		if st.Members[a] != 0 {
			members = append(members, a)
		}
	}
	g := &gathered{place: DecisionPlace{Space: id}, name: st.Name, byConv: map[entry.ID][]int32{}, members: members, account: spaceSpeaks(st)}
	n.rings.mu.Lock()
	defer n.rings.mu.Unlock()
	r := n.ring(id)
	logKey, ok := r.logKey()
	if !ok {
		return g, nil
	}
	for _, a := range st.Named() {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			log := ConvSpaceLog(logKey, d.Device)
			capped, err := n.readLog(ctx, store.LogKey{Author: d.Device, LogID: log}, func(s *store.Stored) {
				o, why := openConv(st, r, s.Entry)
				if why != "" {
					g.unreadable = append(g.unreadable, DecisionUnreadable{ID: s.ID, Device: d.Device, Reason: why})
					return
				}
				g.add(o, s.Cursor)
			})
			if err != nil {
				return nil, err
			}
			if capped {
				g.capped = append(g.capped, d.Device)
			}
		}
	}
	return g, nil
}

// openConv opens a sealed conversation entry of a space: an entry like e
// whose payload is the opened body (its header's payload size and hash
// those of the body, so the reducer's check that a payload matches its
// header holds; its id is e's). why says why it cannot be read.
func openConv(st *space.State, r *spaceRing, e *entry.Entry) (_ *entry.Entry, why string) {
	if e.Payload == nil {
		return nil, "its payload is not held"
	}
	pos := seal.Position{Author: seal.ID(e.Header.Author), LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
	o, err := seal.Open(st.Space, r.ring, pos, e.Payload)
	switch {
	case errors.Is(err, seal.ErrUnknownEpoch):
		return nil, "sealed under a key this device does not hold"
	case err != nil:
		return nil, err.Error()
	}
	h := e.Header
	h.PayloadSize = uint64(len(o.Body))
	h.PayloadHash = entry.HashPayload(o.Body)
	return &entry.Entry{Header: h, ID: e.ID, Payload: o.Body}, ""
}
