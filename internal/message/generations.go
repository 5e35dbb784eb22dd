package message

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
)

// Generations is the key generations one device holds of one
// conversation (messages.md §11), generation 0 aside: the union of those
// added, one per id, at most one per (maker, number), the one with the
// smaller id. What it holds is a function of the set added, whatever
// the order. It is not safe for concurrent use.
type Generations struct {
	byID map[ID]*Generation
	slot map[genSlot]*Generation
}

type genSlot struct {
	maker ID
	n     uint16
}

// NewGenerations returns an empty set.
func NewGenerations() *Generations {
	return &Generations{byID: map[ID]*Generation{}, slot: map[genSlot]*Generation{}}
}

// Add puts g in the set. It reports whether g is held afterwards (false
// for one held already: then err is nil) and the generation it put out,
// if any; err (ErrSecondRenewal) says that g or the one put out lost to
// the other of its maker and number.
func (s *Generations) Add(g *Generation) (added bool, out *Generation, err error) {
	if s.byID[g.id] != nil {
		return false, nil, nil
	}
	k := genSlot{g.Maker, g.Number}
	if old := s.slot[k]; old != nil {
		err = fmt.Errorf("%w: device %x made generations %x and %x with number %d; the smaller id is kept", ErrSecondRenewal, g.Maker[:8], old.id[:8], g.id[:8], g.Number)
		if bytes.Compare(old.id[:], g.id[:]) < 0 {
			return false, nil, err
		}
		delete(s.byID, old.id)
		out = old
	}
	s.slot[k] = g
	s.byID[g.id] = g
	return true, out, err
}

// Get returns the generation with id, or nil.
func (s *Generations) Get(id ID) *Generation { return s.byID[id] }

// Len is the number of generations held (generation 0 aside).
func (s *Generations) Len() int { return len(s.byID) }

// Highest is the highest number held, 0 when none is.
func (s *Generations) Highest() uint16 {
	var n uint16
	for _, g := range s.byID {
		n = max(n, g.Number)
	}
	return n
}

// Trial is the generations in the order a reader tries them: highest
// number first, then smallest id (generation 0, not in the set, after
// them).
func (s *Generations) Trial() []*Generation {
	out := make([]*Generation, 0, len(s.byID))
	for _, g := range s.byID {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *Generation) int {
		if c := cmp.Compare(b.Number, a.Number); c != 0 {
			return c
		}
		return bytes.Compare(a.id[:], b.id[:])
	})
	return out
}

// Current is the generation a writer that knows the revoked devices
// whose digest is covered seals under (messages.md §11): the safe one
// (its covered equal) first in Trial's order. When none is safe, it is
// generation 0 (nil, true) if gen0Safe, else ok is false: the writer
// renews.
func (s *Generations) Current(covered Covered, gen0Safe bool) (g *Generation, ok bool) {
	for _, g := range s.Trial() {
		if g.Covered == covered {
			return g, true
		}
	}
	return nil, gen0Safe
}

// MaxPending bounds the generations a Held keeps aside, waiting for
// their maker's own announcement.
const MaxPending = 64

// Held is the generations a device holds of a conversation with the
// rule that a generation counts only once its maker's own announcement
// of it is seen (messages.md §11): a function of the parts seen and the
// generations opened, in any order (as long as fewer than MaxPending
// wait at once). It is not safe for concurrent use.
type Held struct {
	Gens    *Generations
	conv    *Conversation
	seen    map[ID]bool
	pending []*Generation
}

// NewHeld returns an empty Held for conversation c.
func NewHeld(c *Conversation) *Held {
	return &Held{Gens: NewGenerations(), conv: c, seen: map[ID]bool{}}
}

// See notes the public epoch id of an announcement part read in a log of
// the conversation by a participant's device, and holds what waited for
// it.
func (h *Held) See(epoch ID) {
	if h.seen[epoch] {
		return
	}
	h.seen[epoch] = true
	ps := h.pending
	h.pending = nil
	for _, g := range ps {
		h.Offer(g)
	}
}

// Seen lists the epoch ids seen, in no order.
func (h *Held) Seen() []ID {
	out := make([]ID, 0, len(h.seen))
	for e := range h.seen {
		out = append(out, e)
	}
	return out
}

// Pending lists the generations kept aside.
func (h *Held) Pending() []*Generation { return slices.Clone(h.pending) }

// Offer adds an opened generation: held when its maker's own
// announcement was seen, else kept aside (at most MaxPending). It
// reports whether it is held.
func (h *Held) Offer(g *Generation) bool {
	if !h.seen[h.conv.RenewalEpoch(g.Maker, g)] {
		if !slices.ContainsFunc(h.pending, func(p *Generation) bool { return p.id == g.id }) && len(h.pending) < MaxPending {
			h.pending = append(h.pending, g)
		}
		return false
	}
	h.Gens.Add(g)
	return h.Gens.Get(g.id) != nil
}
