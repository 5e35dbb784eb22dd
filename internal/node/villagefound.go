package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// The founding notice (doc/protocol/village.md §6a): the founder's node
// delivers the found entry to the co-founders' devices, found by their
// accounts (connected, known, or through the account rendezvous key in
// the DHT), so that a co-founder who does not follow the founder hears of
// the village.
const (
	// VillageFoundProtocol is the founding notice's stream protocol.
	VillageFoundProtocol = netnode.VillageFoundProtocol
	// maxFoundLog is the most entries of the found log a notice carries.
	maxFoundLog = 32
	// maxUnanswered is the most foundings a node holds that name its
	// account and that it has neither accepted nor seen founded: beyond,
	// a notice is refused (busy), so strangers cannot make it store
	// foundings without end.
	maxUnanswered = 16
	// foundTries bounds the delivery attempts per co-founder, foundRetry
	// is the first wait between them (doubling, at most 10 minutes).
	foundTries = 12
	foundRetry = 5 * time.Second
	// foundRound is how often the loop looks for foundings to deliver.
	foundRound = 5 * time.Second
)

// foundingLoop delivers this device's foundings to the co-founders who
// have not accepted and not been reached, until the network stops.
func (n *Node) foundingLoop(ctx context.Context, nw *network) {
	t := time.NewTicker(foundRound)
	defer t.Stop()
	for {
		n.deliverFoundings(ctx, nw)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-n.reach.woken():
		}
	}
}

// deliverFoundings tries once each founding of this device not founded
// yet, for each co-founder not yet reached whose next try is due.
func (n *Node) deliverFoundings(ctx context.Context, nw *network) {
	own, err := n.store.Log(ctx, store.LogKey{Author: n.device.Public(), LogID: scope.FoundLog}, 1, maxFoundLog)
	if err != nil {
		return
	}
	log := make([]*entry.Entry, 0, len(own))
	for _, fe := range own {
		log = append(log, fe.Entry)
	}
	for i, fe := range own {
		if n.reach.isFounded(fe.ID) {
			continue
		}
		st, err := n.Village(ctx, fe.ID)
		if err != nil {
			continue
		}
		if st.Founded {
			n.reach.setFounded(fe.ID)
			continue
		}
		for _, f := range st.Founders {
			if l := st.Local(f); f == n.account || (l != nil && l.Accepted) {
				continue
			}
			r := n.reach.get(fe.ID, f)
			if r.reached || r.tries >= foundTries || time.Now().Before(r.next) {
				continue
			}
			dev, err := n.deliverFounding(ctx, nw, f, log[:i+1])
			n.reach.update(fe.ID, f, func(r *reachRecord) {
				r.tries++
				if err == nil {
					r.reached, r.device, r.at, r.lastErr = true, dev, time.Now(), ""
					return
				}
				r.lastErr = err.Error()
				r.next = time.Now().Add(min(foundRetry<<(r.tries-1), 10*time.Minute))
			})
			if err != nil {
				nw.log.Debug("deliver a founding", "village", fe.ID.String(), "account", f.Account(), "err", err)
			} else {
				nw.log.Info("delivered a founding to a co-founder", "village", fe.ID.String(), "account", f.Account(), "peer", dev.Device())
			}
		}
	}
}

// deliverFounding sends the found log (up to the founding) to a device of
// account: a connected one, one this node knows, or one announced under
// the account's rendezvous key, checked by its certificate.
func (n *Node) deliverFounding(ctx context.Context, nw *network, account identity.PublicKey, log []*entry.Entry) (identity.PublicKey, error) {
	cert, err := n.DeviceCert(ctx)
	if err != nil {
		return identity.PublicKey{}, err
	}
	var cands []identity.PublicKey
	add := func(d identity.PublicKey) {
		if d != n.device.Public() && !nw.scope.Blocked(d) && !slices.Contains(cands, d) && len(cands) < 2*accountCandidates {
			cands = append(cands, d)
		}
	}
	for _, p := range nw.host.Peers() {
		if d, err := n.store.AccountOf(ctx, p.Key); err == nil && !d.Revoked && d.Account == account {
			add(p.Key)
		}
	}
	if ds, err := n.store.Devices(ctx, account); err == nil {
		for _, d := range ds {
			if !d.Revoked {
				add(d.Device)
			}
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	providers, _ := nw.host.FindProviders(fctx, scope.AccountRendezvousKey(account))
	cancel()
	for _, p := range providers {
		add(p)
	}
	if len(cands) == 0 {
		return identity.PublicKey{}, errors.New("no device of theirs found (none connected or known, none announced under their account in the DHT)")
	}
	var last error
	for _, d := range cands {
		if last = n.sendFounding(ctx, nw, account, d, cert, log); last == nil {
			return d, nil
		}
	}
	return identity.PublicKey{}, last
}

// sendFounding connects to d, checks that it is a device of account, and
// sends it the notice.
func (n *Node) sendFounding(ctx context.Context, nw *network, account, d identity.PublicKey, cert *entry.Entry, log []*entry.Entry) error {
	cctx, cancel := context.WithTimeout(ctx, requestDeadline)
	defer cancel()
	if err := nw.host.ConnectKey(cctx, d, nil); err != nil {
		return fmt.Errorf("connect to %s: %v", d.Device(), err)
	}
	if acc, err := n.peerAccount(cctx, nw, d); err != nil || acc != account {
		return fmt.Errorf("%s is not a device of theirs", d.Device())
	}
	s, err := nw.host.Open(cctx, d, VillageFoundProtocol)
	if err != nil {
		return fmt.Errorf("open a stream to %s: %v", d.Device(), err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(requestDeadline))
	msgs := append([]*entry.Entry{cert}, log...)
	for _, e := range msgs {
		if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
			return fmt.Errorf("send the founding: %w", err)
		}
	}
	if err := s.CloseWrite(); err != nil {
		return fmt.Errorf("send the founding: %w", err)
	}
	resp, err := invite.ReadResponse(s)
	if err != nil {
		return fmt.Errorf("their answer: %w", err)
	}
	if resp.Status != requestStored {
		return fmt.Errorf("their device refused it: %s", resp.Message)
	}
	return nil
}

// serveVillageFound answers one /kith/village/found/1 stream: a founding
// that names this node's account as a founder is stored (with the
// founder device's certificate and its found log up to the founding);
// anything else is refused and nothing is stored.
func (n *Node) serveVillageFound(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(requestDeadline))
	msgs, ok := readFrames(nw, remote, s, 1+maxFoundLog, "founding notice")
	if !ok {
		return
	}
	if err := nw.strangerTurn(ctx, nw.strangerRequests, remote, villageRequestCost(len(msgs))); err != nil {
		_ = invite.WriteResponse(s, invite.Response{Status: requestBusy, Message: err.Error()})
		return
	}
	st, text := n.takeVillageFound(ctx, remote, msgs)
	if st != requestStored {
		nw.log.Info("refused a founding notice", "peer", remote.Device(), "why", text)
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
	res, st, text := n.ingestWithCert(ctx, cert, es, "the founding")
	if st != requestStored {
		return st, text
	}
	n.noteAdded(es, res)
	return requestStored, "stored; accept it with kith village accept " + vid.String()
}

// unansweredRoom refuses a new founding when this node already holds
// maxUnanswered foundings naming its account that it has not accepted
// and that are not founded (vid itself may be one of them).
func (n *Node) unansweredRoom(ctx context.Context, vid entry.ID) error {
	vs, err := n.Villages(ctx)
	if err != nil {
		return err
	}
	count := 0
	for _, v := range vs {
		if v.ID == vid {
			return nil
		}
		if !v.Known || v.Founded || v.Role != RoleFounder {
			continue
		}
		st, err := n.Village(ctx, v.ID)
		if err != nil {
			continue
		}
		if l := st.Local(n.account); l != nil && !l.Accepted {
			count++
		}
	}
	if count >= maxUnanswered {
		return fmt.Errorf("this node holds %d foundings its account has not answered: it takes no more until it accepts or declines one", count)
	}
	return nil
}
