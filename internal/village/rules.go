package village

import (
	"slices"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/identity"
)

// position applies a local's village.position (village.md §3, "Consensus
// methods") and returns why it is ignored ("" when applied).
func (s *State) position(author identity.PublicKey, p *Position) string {
	st := Stance{Local: author, Position: p.Position, Reason: p.Reason}
	if p.Invitee != (identity.PublicKey{}) {
		inv := s.invites[p.Invitee]
		switch {
		case inv == nil:
			return "no open invitation of this invitee (yet)"
		case inv.Admitted:
			return "the invitation is admitted already"
		}
		if p.Position == conversation.Agree {
			if slices.Contains(inv.Endorsers, author) {
				return "this local already invited the invitee"
			}
			delete(inv.stances, author)
			inv.Endorsers = append(inv.Endorsers, author)
			inv.dirty = true
			return ""
		}
		if i := slices.Index(inv.Endorsers, author); i >= 0 {
			inv.Endorsers = slices.Delete(inv.Endorsers, i, i+1)
		}
		inv.stances[author] = st
		inv.dirty = true
		return ""
	}
	pr := s.proposals[p.Proposal]
	l := s.local(author)
	switch {
	case pr == nil:
		return "no such proposal (yet)"
	case pr.Outcome != Open:
		return "the proposal is closed"
	case !l.Active() || author == pr.Subject:
		return "only active locals other than the subject take a position on an exclusion"
	}
	pr.votes[author] = st
	pr.dirty = true
	return ""
}

// inviteTally is the tally the admit rule reads for an invitation: the
// active locals, their endorsements as agree and their other positions.
func (s *State) inviteTally(inv *Invitation) conversation.Tally {
	var t conversation.Tally
	for _, k := range s.activeKeys() {
		t.Participants++
		if slices.Contains(inv.Endorsers, k) {
			count(&t, conversation.Agree)
		} else if st, ok := inv.stances[k]; ok {
			count(&t, st.Position)
		}
	}
	return t
}

// proposalTally is the tally the exclude rule reads for a proposal: the
// active locals other than the subject and their votes and positions.
func (s *State) proposalTally(pr *Proposal) conversation.Tally {
	var t conversation.Tally
	for _, k := range s.activeKeys() {
		if k == pr.Subject {
			continue
		}
		t.Participants++
		if st, ok := pr.votes[k]; ok {
			count(&t, st.Position)
		}
	}
	return t
}

func count(t *conversation.Tally, p conversation.Position) {
	t.Answered++
	switch p {
	case conversation.Agree:
		t.Agree++
	case conversation.Disagree:
		t.Disagree++
	case conversation.Abstain:
		t.Abstain++
	case conversation.Block:
		t.Block++
	}
}

// sortedStances returns the stances sorted by local.
func sortedStances(m map[identity.PublicKey]Stance) []Stance {
	var out []Stance
	for _, st := range m {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Stance) int { return keyCmp(a.Local, b.Local) })
	return out
}
