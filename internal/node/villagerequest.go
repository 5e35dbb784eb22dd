package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// VillageRequestProtocol is the stream protocol of a stranger's request to
// a village (doc/protocol/village.md §6).
const VillageRequestProtocol = netnode.VillageRequestProtocol

// The answers of the request protocol (village.md §6). The message is
// framed as the invite exchange's response: [1, status, message].
const (
	requestStored   invite.Status = 0
	requestUnknown  invite.Status = 1
	requestInvalid  invite.Status = 2
	requestVetoed   invite.Status = 3
	requestBusy     invite.Status = 4
	requestDeadline               = 30 * time.Second
)

// Errors of RequestVillage, for callers that map them (the API).
var (
	// ErrRequestVetoed: the local's node refused the request because the
	// village vetoes this stranger.
	ErrRequestVetoed = errors.New("the village vetoes this stranger")
	// ErrRequestRefused: the local's node does not take part in the
	// village, or found the request invalid.
	ErrRequestRefused = errors.New("the local's node refused the request")
	// ErrRequestBusy: the local's node had no budget for strangers'
	// requests; nothing was stored, and the request may be sent again.
	ErrRequestBusy = errors.New("the local's node is busy with strangers' requests: nothing was stored; send the request again in a minute")
)

// RequestVillage sends a stranger's request to a village: it appends a
// village.request (text, optional blob) to this device's village log and
// sends it to the local's device, which must be reachable (by key, or by a
// multiaddr with /p2p/). The user half of the stranger id is this node's
// account key. The entry is stored here only when the local stored it, or
// when its answer did not come (it may have): a request the local refused
// leaves no trace in this device's log, so it cannot reach the village by
// another way (sync), and the next request takes its seq.
func (n *Node) RequestVillage(ctx context.Context, id entry.ID, to string, text string, blob [32]byte) (*entry.Entry, error) {
	nw := n.net.Load()
	if nw == nil {
		return nil, ErrNotServing
	}
	cert, err := n.DeviceCert(ctx)
	if err != nil {
		return nil, err
	}
	p := &village.Request{Village: id, User: [32]byte(n.account), Text: text, Blob: blob, Cert: village.CertOf(cert)}
	payload, err := village.Encode(p)
	if err != nil {
		return nil, err
	}
	local, addrs, err := peerTarget(to)
	if err != nil {
		return nil, err
	}
	if local == n.device.Public() {
		return nil, fmt.Errorf("%w: that is this device", ErrBadAddress)
	}
	found, es, err := n.villageEntries(ctx, id)
	if err != nil {
		return nil, err
	}
	if found != nil {
		if st, err := village.Reduce(id, es); err == nil {
			if l := st.Local(n.account); l != nil && l.Status == village.Member {
				return nil, ruleErr("your account is a local of the village: a local does not send requests")
			}
		}
	}
	n.requestMu.Lock()
	defer n.requestMu.Unlock()
	lid := entry.LogID(id)
	if head, err := n.store.Head(ctx, store.LogKey{Author: n.device.Public(), LogID: lid}); err == nil && head.Seq >= village.MaxRequests {
		return nil, fmt.Errorf("%w: this device already wrote %d entries in the village log (at most %d are taken from a stranger)", ErrVillageRule, head.Seq, village.MaxRequests)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, requestDeadline)
	defer cancel()
	if err := nw.host.ConnectKey(cctx, local, addrs); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	n.mu.Lock()
	e, err := n.signNext(ctx, lid, payload)
	n.mu.Unlock()
	if err != nil {
		return nil, err
	}
	log, err := n.store.Log(ctx, store.LogKey{Author: n.device.Public(), LogID: lid}, 1, village.MaxRequests)
	if err != nil {
		return nil, err
	}
	s, err := nw.host.Open(cctx, local, VillageRequestProtocol)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(requestDeadline))
	// The village log from seq 1, so that a local who holds none of it
	// can store it (a log is held from seq 1 on), then the new request.
	for _, le := range log {
		if err := invite.WriteCert(s, invite.Cert{Header: le.Raw, Payload: le.Payload}); err != nil {
			return nil, fmt.Errorf("send the request: %w", err)
		}
	}
	if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
		return nil, fmt.Errorf("send the request: %w", err)
	}
	if err := s.CloseWrite(); err != nil {
		return nil, fmt.Errorf("send the request: %w", err)
	}
	resp, err := invite.ReadResponse(s)
	if err != nil {
		// Sent in full: the local may have stored it, so this log must
		// hold it too (another entry at its seq would be a fork).
		if serr := n.storeRequest(ctx, e); serr != nil {
			return nil, fmt.Errorf("the local's answer: %v; and keeping the request here: %w", err, serr)
		}
		return e, fmt.Errorf("the local's answer: %w (the request is kept here and may have reached the village)", err)
	}
	switch resp.Status {
	case requestStored:
		return e, n.storeRequest(ctx, e)
	case requestVetoed:
		return nil, fmt.Errorf("%w: %s", ErrRequestVetoed, resp.Message)
	case requestBusy:
		return nil, fmt.Errorf("%w (%s)", ErrRequestBusy, resp.Message)
	}
	return nil, fmt.Errorf("%w: %s", ErrRequestRefused, resp.Message)
}

// storeRequest stores this device's request entry e, signed by
// RequestVillage, if its log still ends where e's backlink says (or at e:
// the local that took it may have synced it back already).
func (n *Node) storeRequest(ctx context.Context, e *entry.Entry) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.store.Head(ctx, store.LogKey{Author: n.device.Public(), LogID: e.Header.LogID})
	switch {
	case errors.Is(err, store.ErrNotFound):
		if e.Header.Seq != 1 {
			return fmt.Errorf("keep the request: this device's village log changed while it was sent")
		}
	case err != nil:
		return err
	case h.ID == e.ID:
		return nil // back already, by sync from the local who took it
	case h.Seq+1 != e.Header.Seq || h.ID != e.Header.Backlink:
		return fmt.Errorf("keep the request: this device's village log changed while it was sent")
	}
	r, err := n.store.Append(ctx, e)
	switch {
	case err != nil:
		return err
	case r.Outcome == store.Known:
		return nil // synced back between the head check and now
	case r.Outcome != store.Added:
		return fmt.Errorf("keep the request: entry %s was %s: %v", e.ID, r.Outcome, r.Err)
	}
	n.noteAdded([]*entry.Entry{e}, []store.Result{r})
	return nil
}

// peerTarget reads a device id (dev_…, or a public key's hex) or a
// multiaddr with /p2p/.
func peerTarget(to string) (identity.PublicKey, []string, error) {
	if key, transport, err := netnode.ParsePeerAddr(to); err == nil {
		return key, []string{transport}, nil
	}
	if d, err := identity.ParseDevice(to); err == nil {
		return d.Key(), nil, nil
	}
	return identity.PublicKey{}, nil, fmt.Errorf("%w: %q is neither a device id nor a peer multiaddr", ErrBadAddress, to)
}

// serveVillageRequest answers one /kith/village/request/1 stream
// (village.md §6): a malformed message is penalised (a broken stream is
// not: streamBreach); a vetoed stranger is
// refused and logged, nothing else; a valid request of a village this node
// takes part in is stored as if it came by sync.
func (n *Node) serveVillageRequest(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(requestDeadline))
	msgs, ok := readFrames(nw, remote, s, village.MaxRequests, "village request")
	if !ok {
		return
	}
	// Reading the messages is cheap; checking and storing them is not, and
	// a stranger waits for its turn before the node does it.
	if err := nw.strangerTurn(ctx, nw.strangerRequests, remote, villageRequestCost(len(msgs))); err != nil {
		nw.log.Info("no room for a stranger's village request now", "peer", remote.Device(), "err", err)
		_ = invite.WriteResponse(s, invite.Response{Status: requestBusy, Message: err.Error()})
		return
	}
	st, text := n.takeVillageRequest(ctx, nw, remote, msgs)
	_ = invite.WriteResponse(s, invite.Response{Status: st, Message: text})
}

// takeVillageRequest checks and stores the entries of a request stream:
// the remote device's village log from seq 1, every entry a
// village.request of the same village.
func (n *Node) takeVillageRequest(ctx context.Context, nw *network, remote identity.PublicKey, msgs []invite.Cert) (invite.Status, string) {
	var es []*entry.Entry
	var vid entry.ID
	var users [][32]byte
	var account identity.PublicKey
	var cert *entry.Entry
	for i, m := range msgs {
		e, err := entry.Parse(m.Header, m.Payload)
		if err != nil {
			return requestInvalid, "the entry does not parse: " + err.Error()
		}
		if !e.Verify() {
			return requestInvalid, "the entry's signature does not verify"
		}
		if e.Header.Author != remote {
			return requestInvalid, "the request's author is not the device that sent it"
		}
		p, err := village.Decode(m.Payload)
		if err != nil {
			return requestInvalid, err.Error()
		}
		req, ok := p.(*village.Request)
		if !ok {
			return requestInvalid, "not a village.request: " + p.Type()
		}
		acc, err := village.CertAccount(req.Cert, remote)
		if err != nil {
			return requestInvalid, "the request's certificate: " + err.Error()
		}
		if i == 0 {
			vid, account = req.Village, acc
			if cert, err = entry.Parse(req.Cert.Header, req.Cert.Payload); err != nil {
				return requestInvalid, "the request's certificate: " + err.Error()
			}
		}
		if acc != account {
			return requestInvalid, "the requests carry certificates of different accounts"
		}
		if req.Village != vid || e.Header.LogID != entry.LogID(vid) {
			return requestInvalid, "not in the village log (log id = village id)"
		}
		if e.Header.Seq != uint64(i+1) {
			return requestInvalid, fmt.Sprintf("entry %d has seq %d: send the village log from seq 1", i+1, e.Header.Seq)
		}
		es = append(es, e)
		users = append(users, req.User)
	}
	taking := false
	for _, v := range nw.scope.Villages() {
		taking = taking || v == vid
	}
	if !taking {
		return requestUnknown, "this node takes part in no such village"
	}
	vs, err := n.Village(ctx, vid)
	if err != nil {
		return requestUnknown, "the village is not held here"
	}
	if l := vs.Local(account); l != nil && l.Status == village.Member {
		return requestInvalid, "the author is a local"
	}
	for _, u := range users {
		sid := village.RequestStranger(account, u)
		if sg := vs.Stranger(sid); sg != nil && sg.Standing == village.Vetoed {
			nw.log.Info("refused a vetoed stranger's village request", "peer", remote.Device(), "village", vid.String(), "stranger", sid.Hex())
			return requestVetoed, "its locals vetoed you; a local who knows you can still invite you"
		}
	}
	// The device's certificate goes with its requests, so that once the
	// village hears the stranger the other locals learn which device's
	// log to fetch (village.md §6).
	if st, text := n.ingestWithCert(ctx, cert, es, "the request"); st != requestStored {
		return st, text
	}
	// An unlisted stranger's requests count against the village's budget
	// here (village.md §6): the oldest are dropped.
	if d, err := n.trimUnlisted(ctx, vid, nw.scope.Unlisted, nw.scope.Wants); err != nil {
		nw.log.Warn("keep the budget for unlisted strangers", "village", vid.String(), "err", err)
	} else if d.Strangers > 0 {
		nw.log.Info("dropped the oldest requests of unlisted strangers", "village", vid.String(), "requests", d.Requests, "strangers", d.Strangers)
	}
	return requestStored, "stored; the locals will see it once one of them answers you"
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// readFrames reads the framed messages of a stream until its end, at most
// max: more, or a malformed message, is penalised and the stream reset; a
// stream that breaks off is reset and not penalised. ok is false when the
// stream was reset.
func readFrames(nw *network, remote identity.PublicKey, s netnode.Stream, max int, what string) (msgs []invite.Cert, ok bool) {
	r := bufio.NewReader(s)
	for {
		if _, err := r.Peek(1); err == io.EOF && len(msgs) > 0 {
			return msgs, true
		}
		if len(msgs) == max {
			nw.log.Warn("bad "+what+" message", "peer", remote.Device(), "err", "too many messages")
			nw.host.Penalize(remote, fmt.Sprintf("%s: more than %d messages", what, max))
			_ = s.Reset()
			return nil, false
		}
		msg, err := invite.ReadCert(r)
		if err != nil && !streamBreach(err) {
			nw.log.Info("a "+what+" broke off", "peer", remote.Device(), "err", err)
			_ = s.Reset()
			return nil, false
		}
		if err != nil {
			nw.log.Warn("bad "+what+" message", "peer", remote.Device(), "err", err)
			nw.host.Penalize(remote, what+": "+err.Error())
			_ = s.Reset()
			return nil, false
		}
		msgs = append(msgs, msg)
	}
}

// ingestWithCert stores a device's certificate, then its entries es,
// through the store's ordinary path, and tells the node of both
// (noteAdded: the certificate too, or a followed account's new device
// would stay unknown to the scope until its next full read): status 0
// when every entry was added or already held, 2 with the reason
// otherwise. what names the entries for the message.
func (n *Node) ingestWithCert(ctx context.Context, cert *entry.Entry, es []*entry.Entry, what string) (invite.Status, string) {
	certRes, err := n.store.Ingest(ctx, []*entry.Entry{cert})
	if err != nil {
		return requestInvalid, "could not store " + what + "'s certificate"
	}
	n.noteAdded([]*entry.Entry{cert}, certRes)
	res, err := n.store.Ingest(ctx, es)
	if err != nil {
		return requestInvalid, "could not store " + what
	}
	for _, r := range res {
		if r.Outcome == store.Rejected || r.Outcome == store.Forked {
			n.noteAdded(es, res) // those added before the refused one
			return requestInvalid, "the store refused " + what + ": " + errString(r.Err)
		}
	}
	n.noteAdded(es, res)
	return requestStored, ""
}
