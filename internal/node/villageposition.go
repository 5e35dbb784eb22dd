package node

import (
	"context"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// TakeVillagePosition appends this account's position (agree, disagree,
// abstain, or block with a reason) on an open invitation (p.Invitee) or an
// open exclusion proposal (p.Proposal) of the village (village.md §3); the
// charter's rule counts it. A position the village would ignore is
// refused with the reason.
func (n *Node) TakeVillagePosition(ctx context.Context, id entry.ID, p village.Position) (*entry.Entry, error) {
	p.Village = id
	return n.appendVillage(ctx, id, &p, func(st *village.State, self identity.PublicKey) error {
		if l := st.Local(self); l == nil || l.Status != village.Member {
			return ruleErr("only a local takes a position")
		}
		if p.Invitee != (identity.PublicKey{}) {
			i := slices.IndexFunc(st.Invitations, func(inv *village.Invitation) bool { return inv.Invitee == p.Invitee })
			switch {
			case i < 0:
				return ruleErr("no open invitation of this account is held")
			case st.Invitations[i].Admitted:
				return ruleErr("the invitation is admitted already")
			}
			return nil
		}
		i := slices.IndexFunc(st.Proposals, func(pr *village.Proposal) bool { return pr.ID == p.Proposal })
		if i < 0 {
			return ruleErr("no such proposal held")
		}
		pr := st.Proposals[i]
		if pr.Outcome != village.Open {
			return ruleErr("the proposal is closed (%s)", pr.Outcome)
		}
		if l := st.Local(self); !l.Active() || self == pr.Subject {
			return ruleErr("only active locals other than the subject take a position on an exclusion")
		}
		return nil
	})
}
