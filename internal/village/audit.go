package village

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Finding is one thing wrong with a state chain.
type Finding struct {
	State entry.ID // the state entry (or, for Kind "vote", the vote entry)
	Seq   uint64
	Kind  string // "signature", "payload", "link", "fork", "seen", "component", "vote"
	Msg   string
}

func (f Finding) String() string {
	return fmt.Sprintf("seq %d (%s): %s: %s", f.Seq, f.State.Hex()[:16], f.Kind, f.Msg)
}

// Named returns the entries a state names: the found entry and, for each
// seen (author, seq, head), that author's village log from seq 1 to seq,
// found by following backlinks from head; and, since a state does not name
// them, every device certificate and revocation in byID (village.md §5).
// It fails if an entry is missing or does not sit where the state says.
func Named(village entry.ID, seen []Seen, byID map[entry.ID]*entry.Entry) ([]*entry.Entry, error) {
	found := byID[village]
	if found == nil {
		return nil, fmt.Errorf("the found entry %s is missing", village.Hex())
	}
	out := []*entry.Entry{found}
	for _, e := range byID {
		if e.Header.LogID != entry.LogID(village) && e.ID != village && isCert(e) {
			out = append(out, e)
		}
	}
	for _, s := range seen {
		id := s.Head
		for seq := s.Seq; seq >= 1; seq-- {
			e := byID[id]
			if e == nil {
				return nil, fmt.Errorf("entry %s (seq %d of %s's village log) is missing", id.Hex(), seq, s.Author.Hex())
			}
			if e.Header.Author != s.Author || e.Header.LogID != entry.LogID(village) || e.Header.Seq != seq {
				return nil, fmt.Errorf("entry %s is not seq %d of %s's village log", id.Hex(), seq, s.Author.Hex())
			}
			out = append(out, e)
			id = e.Header.Backlink
		}
	}
	return out, nil
}

// Audit checks one local's state chain: chain holds the local's
// village.state entries (other entries are skipped), all holds the entries
// the states name. It returns the findings in chain order; none means the
// chain is consistent. lists finds the seen lists the states name by
// content address (nil: none is held); a state whose list is not held is
// checked for its link only. See village.md, "Audit".
func Audit(village entry.ID, chain []*entry.Entry, all []*entry.Entry, lists SeenLists) []Finding {
	byID := map[entry.ID]*entry.Entry{}
	for _, e := range all {
		byID[e.ID] = e
	}
	for _, e := range chain {
		byID[e.ID] = e
	}
	type link struct {
		e *entry.Entry
		p *StatePayload
	}
	var fs []Finding
	add := func(e *entry.Entry, kind, format string, args ...any) {
		fs = append(fs, Finding{e.ID, e.Header.Seq, kind, fmt.Sprintf(format, args...)})
	}
	var states []link
	for _, e := range chain {
		if e.Payload == nil {
			add(e, "payload", "payload missing")
			continue
		}
		if err := entry.CheckPayload(&e.Header, e.Payload); err != nil {
			add(e, "payload", "%v", err)
			continue
		}
		p, err := Decode(e.Payload)
		if err != nil {
			add(e, "payload", "%v", err)
			continue
		}
		sp, ok := p.(*StatePayload)
		if !ok {
			continue
		}
		if sp.Seen == nil && lists != nil {
			if seen, ok := lists(sp.SeenList); ok {
				sp.Seen = seen
			}
		}
		states = append(states, link{e, sp})
	}
	slices.SortFunc(states, func(a, b link) int {
		return cmp.Or(cmp.Compare(a.e.Header.Seq, b.e.Header.Seq), bytes.Compare(a.e.ID[:], b.e.ID[:]))
	})
	if len(states) == 0 {
		return fs
	}
	author := states[0].e.Header.Author
	byPrev := map[[32]byte]*entry.Entry{}
	var prev *link
	var prevState *State
	for i := range states {
		st := &states[i]
		e, p := st.e, st.p
		if e.Header.Author != author {
			add(e, "payload", "authored by %s, not by %s whose chain this is", e.Header.Author.Hex(), author.Hex())
			continue
		}
		if !e.SignatureVerified() && !e.Verify() {
			add(e, "signature", "the entry's signature is invalid")
			continue
		}
		if p.Village != village || e.Header.LogID != entry.LogID(village) {
			add(e, "payload", "the state is not in this village's log")
			continue
		}
		// Link.
		var want [32]byte
		if prev != nil {
			want = prev.p.Commitment()
		}
		if p.Previous != want {
			if prev == nil {
				add(e, "link", "the first state names previous %x, want none", p.Previous)
			} else {
				add(e, "link", "previous is %x, but the state before it (seq %d) commits to %x", p.Previous, prev.e.Header.Seq, want)
			}
		}
		if other := byPrev[p.Previous]; other != nil {
			add(e, "fork", "this state and the state at seq %d (%s) both follow %x", other.Header.Seq, other.ID.Hex()[:16], p.Previous)
		} else {
			byPrev[p.Previous] = e
		}
		if p.Seen == nil {
			add(e, "seen", "the seen list %x is not held: the state cannot be checked further", p.SeenList)
			prev, prevState = st, nil
			continue
		}
		// Seen: the author's own log up to the state, monotonic.
		own := slices.IndexFunc(p.Seen, func(s Seen) bool { return s.Author == author })
		switch {
		case e.Header.Seq == 1 && own >= 0:
			add(e, "seen", "the first entry of the log names its own log as seen")
		case e.Header.Seq > 1 && (own < 0 || p.Seen[own].Seq != e.Header.Seq-1 || p.Seen[own].Head != e.Header.Backlink):
			add(e, "seen", "seen does not name the author's own log up to seq %d", e.Header.Seq-1)
		}
		if prev != nil && prev.p.Seen != nil {
			for _, ps := range prev.p.Seen {
				j := slices.IndexFunc(p.Seen, func(s Seen) bool { return s.Author == ps.Author })
				switch {
				case j < 0 || p.Seen[j].Seq < ps.Seq:
					add(e, "seen", "seen goes back for %s: seq %d at the previous state", ps.Author.Hex(), ps.Seq)
				case p.Seen[j].Seq == ps.Seq && p.Seen[j].Head != ps.Head:
					add(e, "seen", "seen names two heads at seq %d of %s's log", ps.Seq, ps.Author.Hex())
				}
			}
		}
		prev = st
		named, err := Named(village, p.Seen, byID)
		if err != nil {
			add(e, "seen", "cannot check the components: %v", err)
			prevState = nil
			continue
		}
		s, err := Reduce(village, named)
		if err != nil {
			add(e, "component", "cannot derive the village from the named entries: %v", err)
			prevState = nil
			continue
		}
		acct, ok := s.AccountOf(author)
		if !ok {
			add(e, "component", "no certificate of the author's device %s is held, so the account it speaks for is not known", author.Hex())
			prevState = nil
			continue
		}
		c, err := s.Components(acct, p.Previous)
		if err != nil {
			add(e, "component", "the named entries do not make the author a local: %v", err)
			prevState = nil
			continue
		}
		for _, x := range []struct {
			name      string
			got, want [32]byte
		}{
			{"userspec", p.Components.Userspec, c.Userspec},
			{"locals", p.Locals, c.Locals},
			{"locals_state", p.LocalsState, c.LocalsState},
			{"strangers", p.Strangers, c.Strangers},
			{"strangers_state", p.StrangersState, c.StrangersState},
		} {
			if x.got != x.want {
				add(e, "component", "%s commits to %x, but the entries the state names give %x", x.name, x.got, x.want)
			}
		}
		if prevState != nil {
			for _, old := range prevState.Strangers {
				ob := old.Ballot(acct)
				nb := Ballot{Local: acct}
				if ns := s.Stranger(old.ID); ns != nil {
					nb = ns.Ballot(acct)
				}
				// A passive local's mechanical vote follows the active
				// locals and may return to deferred; its own may not.
				if ob.Explicit != VoteDeferred && nb.Explicit == VoteDeferred {
					add(e, "vote", "the vote on stranger %s returns to deferred (was %s at the previous state)", old.ID.Hex()[:16], ob.Explicit)
				}
			}
		}
		prevState = s
	}
	fs = append(fs, auditVotes(village, author, byID)...)
	return fs
}

// auditVotes flags vote entries in author's village log that set a vote
// back to deferred after the author's own earlier non-deferred vote (in
// log order).
func auditVotes(village entry.ID, author identity.PublicKey, byID map[entry.ID]*entry.Entry) []Finding {
	var es []*entry.Entry
	for _, e := range byID {
		if e.Header.Author == author && e.Header.LogID == entry.LogID(village) && e.Payload != nil {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *entry.Entry) int {
		return cmp.Or(cmp.Compare(a.Header.Seq, b.Header.Seq), bytes.Compare(a.ID[:], b.ID[:]))
	})
	var fs []Finding
	set := map[StrangerID]VoteKind{}
	for _, e := range es {
		p, err := Decode(e.Payload)
		if err != nil {
			continue
		}
		v, ok := p.(*Vote)
		if !ok || v.Village != village {
			continue
		}
		if old := set[v.Stranger]; old != VoteDeferred && v.Vote == VoteDeferred {
			fs = append(fs, Finding{e.ID, e.Header.Seq, "vote", fmt.Sprintf("vote on stranger %s returns to deferred after %s", v.Stranger.Hex()[:16], old)})
			continue
		}
		set[v.Stranger] = v.Vote
	}
	return fs
}
