package node

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// VillageWaiting is a founder who has not accepted the founding, or an
// invitee who has not joined: someone the village waits on, with what
// this node knows of having reached them and what the person waiting can
// do.
type VillageWaiting struct {
	Account identity.PublicKey
	As      VillageRole // RoleFounder or RoleInvitee
	// Reached: a device of the account took the founding from this node
	// (the founding notice, village.md §6a), at At; Device names it.
	Reached bool
	Device  identity.PublicKey
	At      time.Time
	// Tries counts this node's attempts to deliver the founding to the
	// account's devices; LastErr is why the latest failed.
	Tries   int
	LastErr string
	// Hint says, in a sentence, why the village may still wait on them
	// and what to do.
	Hint string
}

// Waiting returns who the village waits on (founders who have not
// accepted while it is not founded, invitees who have not joined), not
// this node's account, each with what this node knows of having reached
// them and a hint of what to do.
func (n *Node) Waiting(ctx context.Context, id entry.ID) ([]VillageWaiting, error) {
	st, err := n.Village(ctx, id)
	if err != nil {
		return nil, err
	}
	me := n.account
	var out []VillageWaiting
	if !st.Founded {
		for _, f := range st.Founders {
			if l := st.Local(f); f == me || (l != nil && l.Accepted) {
				continue
			}
			r := n.reach.get(n.home, id, f)
			w := VillageWaiting{Account: f, As: RoleFounder, Reached: r.Reached, Device: r.Device, At: r.At, Tries: r.Tries, LastErr: r.LastErr}
			if r.Reached {
				w.Hint = fmt.Sprintf("their device %s took the founding from this node at %s; the village waits for them to accept it (kith village accept %s)",
					r.Device.Device(), r.At.Local().Format("15:04"), id)
			} else {
				w.Hint = fmt.Sprintf("they may not have heard of the village yet: this node has not reached a device of theirs (%d tries%s); it keeps trying while it runs. Ask them to run kith, or to follow you (%s): then they get the founding by sync and can accept it",
					r.Tries, lastErrText(r.LastErr), me.Account())
			}
			out = append(out, w)
		}
	}
	for _, inv := range st.Invitations {
		if inv.Joined || inv.Invitee == me {
			continue
		}
		out = append(out, n.inviteeWaiting(id, inv))
	}
	return out, nil
}

func lastErrText(s string) string {
	if s == "" {
		return ""
	}
	return "; last: " + s
}

// inviteeWaiting is what this node knows of having reached an invitee who
// has not joined, with a hint.
func (n *Node) inviteeWaiting(id entry.ID, inv *village.Invitation) VillageWaiting {
	me := n.account
	w := VillageWaiting{Account: inv.Invitee, As: RoleInvitee}
	more := ""
	if inv.Needed > 0 {
		more = fmt.Sprintf(", and for %d more locals to invite them", inv.Needed)
	}
	if !slices.Contains(inv.Endorsers, me) {
		w.Hint = fmt.Sprintf("other locals invited them: their nodes deliver the invitation. The village waits for them to join (kith village join %s)%s", id, more)
		return w
	}
	r := n.reach.get(n.home, id, inv.Invitee)
	w.Reached, w.Device, w.At, w.Tries, w.LastErr = r.Reached, r.Device, r.At, r.Tries, r.LastErr
	if r.Reached {
		w.Hint = fmt.Sprintf("their device %s took the invitation from this node at %s; the village waits for them to join (kith village join %s)%s",
			r.Device.Device(), r.At.Local().Format("15:04"), id, more)
		return w
	}
	w.Hint = fmt.Sprintf("they may not have heard of the invitation yet: this node has not reached a device of theirs (%d tries%s); it keeps trying while it runs. Ask them to run kith, or to follow you (%s): then they get the invitation by sync and can join (kith village join %s)",
		r.Tries, lastErrText(r.LastErr), me.Account(), id)
	return w
}
