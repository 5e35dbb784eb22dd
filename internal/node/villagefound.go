package node

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/village"
)

// The founding notice (doc/protocol/village.md §6a): the founder's node
// delivers the found entry to the co-founders' devices (villagenotice.go),
// so that a co-founder who does not follow the founder hears of the
// village.
const (
	// VillageFoundProtocol is the stream protocol of the village notices:
	// foundings and invitations.
	VillageFoundProtocol = netnode.VillageFoundProtocol
	// maxFoundLog is the most entries of a found log DeclineVillage reads
	// at once.
	maxFoundLog = 32
	// maxUnanswered is the most foundings and invitations a node holds
	// that name its account and that it has not answered (accepted,
	// joined, declined) and that are not founded, or the invitee not a
	// local: beyond, a notice is refused (busy), so strangers cannot make
	// it store foundings without end.
	maxUnanswered = 16
)

// serveVillageFound answers one /kith/village/found/1 stream: a founding
// that names this node's account as a founder is stored (with the
// founder device's certificate and its found log up to the founding), an
// invitation of it likewise (villageinvitenotice.go); anything else is
// refused and nothing is stored.
func (n *Node) serveVillageFound(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(requestDeadline))
	msgs, ok := readNotice(nw, remote, s)
	if !ok {
		return
	}
	if err := nw.strangerTurn(ctx, nw.strangerRequests, remote, villageRequestCost(len(msgs))); err != nil {
		_ = invite.WriteResponse(s, invite.Response{Status: requestBusy, Message: err.Error()})
		return
	}
	take, what := n.takeVillageFound, "founding"
	if len(msgs) > 1 && isVillageLog(msgs[1]) {
		take, what = n.takeVillageInvite, "invitation"
	}
	st, text := take(ctx, remote, msgs)
	if st != requestStored {
		nw.log.Info("refused a village notice", "kind", what, "peer", remote.Device(), "why", text)
	}
	_ = invite.WriteResponse(s, invite.Response{Status: st, Message: text})
}

// takeVillageFound checks and stores a founding notice (village.md §6a).
func (n *Node) takeVillageFound(ctx context.Context, remote identity.PublicKey, msgs []invite.Cert) (invite.Status, string) {
	if len(msgs) < 2 {
		return requestInvalid, "a founding notice carries a certificate and at least one entry"
	}
	account, err := village.CertAccount(village.Cert{Header: msgs[0].Header, Payload: msgs[0].Payload}, remote)
	if err != nil {
		return requestInvalid, "the certificate: " + err.Error()
	}
	cert, err := entry.Parse(msgs[0].Header, msgs[0].Payload)
	if err != nil {
		return requestInvalid, "the certificate: " + err.Error()
	}
	es := []*entry.Entry{}
	var found *village.Found
	for i, m := range msgs[1:] {
		e, err := entry.Parse(m.Header, m.Payload)
		switch {
		case err != nil:
			return requestInvalid, "the entry does not parse: " + err.Error()
		case !e.Verify():
			return requestInvalid, "the entry's signature does not verify"
		case e.Header.Author != remote:
			return requestInvalid, "the entry's author is not the device that sent it"
		case e.Header.LogID != scope.FoundLog:
			return requestInvalid, "not in the found log"
		case e.Header.Seq != uint64(i+1):
			return requestInvalid, fmt.Sprintf("entry %d has seq %d: send the found log from seq 1", i+1, e.Header.Seq)
		}
		p, err := village.Decode(m.Payload)
		if err != nil {
			return requestInvalid, err.Error()
		}
		f, ok := p.(*village.Found)
		if !ok {
			return requestInvalid, "not a village.found: " + p.Type()
		}
		es, found = append(es, e), f
	}
	if !slices.Contains(found.Founders, n.account) {
		return requestInvalid, "the founding does not name this account as a founder"
	}
	if !slices.Contains(found.Founders, account) {
		return requestInvalid, "the founding's author is not a device of a founder"
	}
	vid := es[len(es)-1].ID
	if n.isDeclined(vid) {
		return requestInvalid, "this account declined the village"
	}
	if err := n.unansweredRoom(ctx, vid); err != nil {
		return requestBusy, err.Error()
	}
	if st, text := n.ingestWithCert(ctx, cert, es, "the founding"); st != requestStored {
		return st, text
	}
	return requestStored, "stored; accept it with kith village accept " + vid.String()
}
