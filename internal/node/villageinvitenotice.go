package node

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// The invitation notice (doc/protocol/village.md §6a): a local's node
// sends its village log up to its village.invite to the invitee's device,
// which stores it and so takes part in the village (scope.VillagesOf): it
// finds the locals and syncs the village as any invitee does.
const (
	// maxUnconfirmed is the most invitations of this account a node holds
	// in one village whose inviter the village held here does not show as
	// a local (the found entry not held yet, or the inviter not a local
	// there): beyond, an invitation notice of the village is refused
	// (busy).
	maxUnconfirmed = 4
)

// isVillageLog reports whether a notice's first entry is in a village log
// (an invitation notice) rather than the found log.
func isVillageLog(m invite.Cert) bool {
	e, err := entry.Parse(m.Header, m.Payload)
	return err == nil && e.Header.LogID != scope.FoundLog
}

// takeVillageInvite checks and stores an invitation notice: the sender's
// certificate, then its village log from seq 1 up to a village.invite
// naming this node's account.
func (n *Node) takeVillageInvite(ctx context.Context, remote identity.PublicKey, msgs []invite.Cert) (invite.Status, string) {
	if len(msgs) < 2 {
		return requestInvalid, "a village notice carries a certificate and at least one entry"
	}
	account, err := village.CertAccount(village.Cert{Header: msgs[0].Header, Payload: msgs[0].Payload}, remote)
	if err != nil {
		return requestInvalid, "the certificate: " + err.Error()
	}
	cert, err := entry.Parse(msgs[0].Header, msgs[0].Payload)
	if err != nil {
		return requestInvalid, "the certificate: " + err.Error()
	}
	var es []*entry.Entry
	for i, m := range msgs[1:] {
		e, err := entry.Parse(m.Header, m.Payload)
		switch {
		case err != nil:
			return requestInvalid, "the entry does not parse: " + err.Error()
		case !e.Verify():
			return requestInvalid, "the entry's signature does not verify"
		case e.Header.Author != remote:
			return requestInvalid, "the entry's author is not the device that sent it"
		case i > 0 && e.Header.LogID != es[0].Header.LogID:
			return requestInvalid, "the entries are not all in one log"
		case e.Header.Seq != uint64(i+1):
			return requestInvalid, fmt.Sprintf("entry %d has seq %d: send the village log from seq 1", i+1, e.Header.Seq)
		}
		es = append(es, e)
	}
	last := es[len(es)-1]
	p, err := village.Decode(last.Payload)
	if err != nil {
		return requestInvalid, err.Error()
	}
	inv, ok := p.(*village.Invite)
	switch {
	case !ok:
		return requestInvalid, "the last entry is not a village.invite: " + p.Type()
	case last.Header.LogID != entry.LogID(inv.Village):
		return requestInvalid, "not in the village log (log id = village id)"
	case inv.Invitee != n.account:
		return requestInvalid, "the invitation does not name this account"
	case account == n.account:
		return requestInvalid, "the invitation comes from a device of this account"
	}
	vid := inv.Village
	if n.isDeclined(vid) {
		return requestInvalid, "this account declined the village"
	}
	if _, err := n.store.Get(ctx, last.ID); err == nil {
		return requestStored, "already held; join with kith village join " + vid.String()
	} else if !errors.Is(err, store.ErrNotFound) {
		return requestBusy, "could not look the invitation up"
	}
	st, err := n.Village(ctx, vid)
	switch {
	case err == nil:
		if st.Local(n.account) != nil {
			return requestInvalid, "this account is or was a local or founder of the village"
		}
	case errors.Is(err, ErrNoVillage):
		st = nil
	default:
		return requestBusy, "could not read the village"
	}
	if k, err := n.unconfirmedInvitations(ctx, vid, st, remote); err != nil {
		return requestBusy, "could not read the village"
	} else if k >= maxUnconfirmed {
		return requestBusy, fmt.Sprintf("this node holds %d invitations of this account to the village from devices it does not know as locals'; it takes no more until it syncs the village or declines it", k)
	}
	if err := n.unansweredRoom(ctx, vid); err != nil {
		return requestBusy, err.Error()
	}
	if status, text := n.ingestWithCert(ctx, cert, es, "the invitation"); status != requestStored {
		return status, text
	}
	return requestStored, "stored; join with kith village join " + vid.String()
}

// unconfirmedInvitations counts the devices, other than except, whose
// village log held here invites this account to village vid and that st
// (nil when the found entry is not held) does not show as a current
// device of an endorser of the invitation.
func (n *Node) unconfirmedInvitations(ctx context.Context, vid entry.ID, st *village.State, except identity.PublicKey) (int, error) {
	var endorsers []identity.PublicKey
	if st != nil {
		for _, inv := range st.Invitations {
			if inv.Invitee == n.account {
				endorsers = inv.Endorsers
			}
		}
	}
	authors := map[identity.PublicKey]bool{}
	err := store.EachOfLogID(ctx, n.store, entry.LogID(vid), func(e *store.Stored) error {
		if e.Header.Author == except || authors[e.Header.Author] || e.Payload == nil {
			return nil
		}
		p, err := village.Decode(e.Payload)
		if err != nil {
			return nil
		}
		if inv, ok := p.(*village.Invite); !ok || inv.Invitee != n.account {
			return nil
		}
		if st != nil {
			if acc, ok := st.AccountOf(e.Header.Author); ok && slices.Contains(endorsers, acc) {
				return nil
			}
		}
		authors[e.Header.Author] = true
		return nil
	})
	return len(authors), err
}

// unansweredRoom refuses a new founding or invitation when this node
// already holds maxUnanswered villages (vid excepted) that name its
// account as a founder or invitee and that it has not answered: a
// founding not founded that it has not accepted, an invitation it has not
// joined (and not declined).
func (n *Node) unansweredRoom(ctx context.Context, vid entry.ID) error {
	keys, err := n.ownKeys(ctx)
	if err != nil {
		return err
	}
	ids, err := scope.VillagesOf(ctx, n.store, keys)
	if err != nil {
		return err
	}
	count := 0
	for _, id := range ids {
		if id == vid {
			return nil
		}
		if n.isDeclined(id) {
			continue
		}
		st, err := n.Village(ctx, id)
		switch {
		case errors.Is(err, ErrNoVillage):
			count++ // an invitation whose village is not held yet
			continue
		case err != nil:
			return err
		}
		if n.unanswered(st) {
			count++
		}
	}
	if count >= maxUnanswered {
		return fmt.Errorf("this node holds %d foundings and invitations its account has not answered: it takes no more until it accepts, joins or declines one", count)
	}
	return nil
}

// unanswered reports whether the village waits on this account's answer:
// a founding not founded it has not accepted, or an invitation of it it
// has not joined.
func (n *Node) unanswered(st *village.State) bool {
	if l := st.Local(n.account); l != nil {
		return l.Status == village.Founder && !st.Founded && !l.Accepted
	}
	for _, inv := range st.Invitations {
		if inv.Invitee == n.account {
			return !inv.Joined
		}
	}
	// Invited by someone the village does not show as a local (or not
	// synced yet): not answered either.
	return true
}
