package node

import (
	"bytes"
	"cmp"
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

// Village notices (doc/protocol/village.md §6a): the founder's node
// delivers a founding to the co-founders' devices, and a local's node its
// invitation to the invitee's devices, found by their accounts
// (connected, known, or through the account rendezvous key in the DHT),
// so that someone who follows nobody in the village hears of it.
const (
	// noticeFound and noticeInvite are the two kinds of notice.
	noticeFound  = "founding"
	noticeInvite = "invitation"
	// maxNoticeEntries is the most entries (after the certificate) one
	// notice carries, maxNoticeBytes the most bytes of all its messages
	// together (framing excluded): the sender's log from seq 1 up to the
	// founding or invitation must fit in both.
	maxNoticeEntries = 1024
	maxNoticeBytes   = 256 << 10
	// noticeRetry is the first wait after a failed delivery, doubling up
	// to noticeRetryMax after noticeFastTries tries, then noticeRetrySlow:
	// delivery goes on while the node runs, whatever the number of tries.
	noticeRetry     = 5 * time.Second
	noticeRetryMax  = 10 * time.Minute
	noticeFastTries = 12
	noticeRetrySlow = time.Hour
	// noticeRound is how often the loop looks for notices to deliver;
	// noticesPerRound bounds the deliveries tried in one round (the ones
	// due longest first, so every pending notice gets its turn).
	// noticeNextRound is the wait when a round left due notices.
	noticeRound     = 5 * time.Second
	noticesPerRound = 4
	noticeNextRound = time.Second
	// noticeReduces bounds the villages reduced in one round to tell
	// whether their notices are still pending.
	noticeReduces = 16
)

// pendingNotice is a founding or invitation of this device not yet taken
// by the account it names.
type pendingNotice struct {
	kind    string
	village entry.ID
	account identity.PublicKey
	// log is the sender's log holding the entry, seq its position.
	log store.LogKey
	seq uint64
	rec reachRecord
}

// foundingLoop delivers this device's foundings and invitations to the
// accounts that have not taken them, until the network stops.
func (n *Node) foundingLoop(ctx context.Context, nw *network) {
	for {
		more, err := n.deliverNotices(ctx, nw)
		if err != nil && ctx.Err() == nil {
			nw.log.Warn("deliver foundings and invitations", "err", err)
		}
		wait := noticeRound
		if more {
			wait = noticeNextRound
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-n.reach.woken():
			t.Stop()
		}
	}
}

// deliverNotices tries, of the pending notices due, the noticesPerRound
// due longest, once each; more: others were due too.
func (n *Node) deliverNotices(ctx context.Context, nw *network) (more bool, err error) {
	due, skipped, err := n.pendingNotices(ctx, time.Now())
	if err == nil {
		err = n.reach.save(n.home)
	}
	if err != nil {
		return false, err
	}
	slices.SortFunc(due, func(x, y pendingNotice) int {
		return cmp.Or(x.rec.Next.Compare(y.rec.Next), bytes.Compare(x.village[:], y.village[:]), bytes.Compare(x.account[:], y.account[:]))
	})
	for _, p := range due[:min(len(due), noticesPerRound)] {
		dev, err := n.deliverNotice(ctx, nw, p)
		if ctx.Err() != nil {
			return false, nil
		}
		n.reach.update(n.home, p.kind, p.village, p.account, func(r *reachRecord) {
			r.Tries++
			if err == nil {
				r.Reached, r.Device, r.At, r.LastErr = true, dev, time.Now().UTC(), ""
				return
			}
			r.LastErr = err.Error()
			wait := noticeRetrySlow
			if r.Tries <= noticeFastTries {
				wait = min(noticeRetry<<(r.Tries-1), noticeRetryMax)
			}
			r.Next = time.Now().Add(wait).UTC()
		})
		if err != nil {
			nw.log.Debug("deliver a village notice", "kind", p.kind, "village", p.village.String(), "account", p.account.Account(), "err", err)
		} else {
			nw.log.Info(map[string]string{noticeFound: "delivered a founding to a co-founder", noticeInvite: "delivered an invitation to an invitee"}[p.kind],
				"village", p.village.String(), "account", p.account.Account(), "peer", dev.Device())
		}
		if err := n.reach.save(n.home); err != nil {
			return false, err
		}
	}
	return skipped || len(due) > noticesPerRound, nil
}

// pendingNotices returns this device's foundings and invitations whose
// account has not taken them and whose next try is due at now. It marks
// done the records of those no longer pending. skipped: some due ones
// were left for the next round (noticeReduces).
func (n *Node) pendingNotices(ctx context.Context, now time.Time) (out []pendingNotice, skipped bool, err error) {
	recs, err := n.reach.records(n.home)
	if err != nil {
		return nil, false, err
	}
	done := map[reachKey]bool{}
	for _, r := range recs {
		if r.Done || r.Reached {
			done[reachKey{r.Village, r.Account}] = true
		}
	}
	states := map[entry.ID]*village.State{}
	stateOf := func(v entry.ID) *village.State {
		if st, ok := states[v]; ok {
			return st
		}
		st, err := n.Village(ctx, v)
		if err != nil {
			st = nil
		}
		states[v] = st
		return st
	}
	consider := func(kind string, v entry.ID, acc identity.PublicKey, log store.LogKey, seq uint64, pending func(*village.State) bool) error {
		k := reachKey{v, acc}
		if done[k] {
			return nil
		}
		r := n.reach.get(n.home, v, acc)
		// A wait longer than the longest is a clock set back: due now.
		if now.Before(r.Next) && r.Next.Sub(now) <= noticeRetrySlow {
			return nil
		}
		// Only a due one is reduced, and at most noticeReduces villages a
		// round: a village of many entries is not reduced every round,
		// nor every village at once.
		if _, ok := states[v]; !ok && len(states) >= noticeReduces {
			skipped = true
			return nil
		}
		st := stateOf(v)
		if st == nil {
			return nil
		}
		if !pending(st) {
			done[k] = true
			n.reach.update(n.home, kind, v, acc, func(r *reachRecord) { r.Done = true })
			return nil
		}
		out = append(out, pendingNotice{kind: kind, village: v, account: acc, log: log, seq: seq, rec: r})
		return nil
	}
	me := n.device.Public()
	foundLog := store.LogKey{Author: me, LogID: scope.FoundLog}
	if err := n.eachOwn(ctx, village.TypeFound, func(e *store.Stored, p village.Payload) error {
		f := p.(*village.Found)
		if e.Header.LogID != scope.FoundLog {
			return nil
		}
		for _, acc := range f.Founders {
			if acc == n.account {
				continue
			}
			err := consider(noticeFound, e.ID, acc, foundLog, e.Header.Seq, func(st *village.State) bool {
				l := st.Local(acc)
				return !st.Founded && (l == nil || !l.Accepted)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, false, err
	}
	if err := n.eachOwn(ctx, village.TypeInvite, func(e *store.Stored, p village.Payload) error {
		inv := p.(*village.Invite)
		if e.Header.LogID != entry.LogID(inv.Village) || inv.Invitee == n.account {
			return nil
		}
		return consider(noticeInvite, inv.Village, inv.Invitee, store.LogKey{Author: me, LogID: e.Header.LogID}, e.Header.Seq, func(st *village.State) bool {
			if l := st.Local(inv.Invitee); l != nil {
				return false
			}
			for _, i := range st.Invitations {
				if i.Invitee == inv.Invitee {
					return !i.Joined
				}
			}
			return false // the reducer did not apply it: nothing to deliver
		})
	}); err != nil {
		return nil, false, err
	}
	return out, skipped, nil
}

// eachOwn calls fn with every entry of this device of the village payload
// type typ, with its decoded payload.
func (n *Node) eachOwn(ctx context.Context, typ string, fn func(*store.Stored, village.Payload) error) error {
	q := store.Query{Type: typ, Authors: []identity.PublicKey{n.device.Public()}, Limit: 500}
	for {
		es, err := n.store.Find(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			q.After = e.Cursor
			if e.Payload == nil {
				continue
			}
			p, err := village.Decode(e.Payload)
			if err != nil {
				continue
			}
			if err := fn(e, p); err != nil {
				return err
			}
		}
		if len(es) < q.Limit {
			return nil
		}
	}
}

// deliverNotice sends p's log, from seq 1 up to the founding or
// invitation, with this device's certificate, to a device of p's account:
// a connected one, one this node knows, or one announced under the
// account's rendezvous key, checked by its certificate.
func (n *Node) deliverNotice(ctx context.Context, nw *network, p pendingNotice) (identity.PublicKey, error) {
	cert, err := n.DeviceCert(ctx)
	if err != nil {
		return identity.PublicKey{}, err
	}
	log, err := n.store.Log(ctx, p.log, 1, int(min(p.seq, maxNoticeEntries+1)))
	if err != nil {
		return identity.PublicKey{}, err
	}
	msgs := []*entry.Entry{cert}
	for _, e := range log {
		msgs = append(msgs, e.Entry)
	}
	// The size on the stream, framing included, as the receiver counts.
	var size byteCounter
	for _, e := range msgs {
		if err := invite.WriteCert(&size, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
			return identity.PublicKey{}, fmt.Errorf("this device's log up to the %s: %w", p.kind, err)
		}
	}
	if uint64(len(log)) != p.seq || len(log) > maxNoticeEntries || size > maxNoticeBytes {
		return identity.PublicKey{}, fmt.Errorf("this device's log up to the %s holds %d entries of %d bytes: a notice carries at most %d entries and %d bytes, so it cannot be delivered; ask them to follow you",
			p.kind, p.seq, size, maxNoticeEntries, maxNoticeBytes)
	}
	var cands []identity.PublicKey
	add := func(d identity.PublicKey) {
		if d != n.device.Public() && !nw.scope.Blocked(d) && !slices.Contains(cands, d) && len(cands) < 2*accountCandidates {
			cands = append(cands, d)
		}
	}
	for _, peer := range nw.host.Peers() {
		if d, err := n.store.AccountOf(ctx, peer.Key); err == nil && !d.Revoked && d.Account == p.account {
			add(peer.Key)
		}
	}
	if ds, err := n.store.Devices(ctx, p.account); err == nil {
		for _, d := range ds {
			if !d.Revoked {
				add(d.Device)
			}
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	providers, _ := nw.host.FindProviders(fctx, scope.AccountRendezvousKey(p.account))
	cancel()
	for _, d := range providers {
		add(d)
	}
	if len(cands) == 0 {
		return identity.PublicKey{}, errors.New("no device of theirs found (none connected or known, none announced under their account in the DHT)")
	}
	var last error
	for _, d := range cands {
		if last = n.sendNotice(ctx, nw, p.account, d, msgs); last == nil {
			return d, nil
		}
	}
	return identity.PublicKey{}, last
}

// sendNotice connects to d, checks that it is a device of account, and
// sends it the notice's messages.
func (n *Node) sendNotice(ctx context.Context, nw *network, account, d identity.PublicKey, msgs []*entry.Entry) error {
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
	for _, e := range msgs {
		if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
			return fmt.Errorf("send the notice: %w", err)
		}
	}
	if err := s.CloseWrite(); err != nil {
		return fmt.Errorf("send the notice: %w", err)
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

// readNotice reads a notice's messages: at most 1+maxNoticeEntries, and
// at most maxNoticeBytes of stream (framing included). More, or a
// malformed message, is penalised and the stream reset.
func readNotice(nw *network, remote identity.PublicKey, s netnode.Stream) ([]invite.Cert, bool) {
	return readFrames(nw, remote, &limitedStream{Stream: s, left: maxNoticeBytes + 1}, 1+maxNoticeEntries, "village notice")
}

// limitedStream reads at most left bytes of its stream; reading more
// fails as a malformed message (a protocol breach).
type limitedStream struct {
	netnode.Stream
	left int
}

// errNoticeTooLong is a notice of more than maxNoticeBytes.
var errNoticeTooLong = fmt.Errorf("%w: a notice of more than %d bytes", invite.ErrMessage, maxNoticeBytes)

func (l *limitedStream) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errNoticeTooLong
	}
	k, err := l.Stream.Read(p[:min(len(p), l.left)])
	l.left -= k
	return k, err
}

// byteCounter is a writer that counts what is written to it.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}
