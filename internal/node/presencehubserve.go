package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// presenceFirstTimeout bounds the wait for a node's first state, and the
// look-up of its account after it (doc/protocol/services.md §7).
const presenceFirstTimeout = 10 * time.Second

// servePresence runs one node's presence session at this hub: its first
// state, then its states and messages until the stream ends. A malformed
// message is a breach (penalised); a node not served, or one over the
// hub's bounds, is refused with a reason.
func (n *Node) servePresence(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	_ = s.SetDeadline(time.Now().Add(presenceFirstTimeout))
	first, err := services.ReadClientMessage(s)
	if err == nil && first.State == nil {
		err = fmt.Errorf("%w: the first message is not a state", services.ErrMalformedPresence)
	}
	if !n.presenceReadOK(nw, remote, s, err, true) {
		return
	}
	refuse := func(code uint64, reason string) {
		nw.log.Info("presence refused", "peer", remote.Device(), "code", code, "reason", reason)
		_ = s.SetDeadline(time.Now().Add(presenceWriteTimeout))
		_ = services.WriteHubMessage(s, services.HubMessage{Refused: &services.Refusal{Code: code, Reason: reason}})
		_ = s.Close()
	}
	if errors.Is(err, services.ErrVersion) {
		refuse(services.RefuseNotServed, fmt.Sprintf("this hub speaks presence version %d: %v", services.Version, err))
		return
	}
	actx, cancel := context.WithTimeout(ctx, presenceFirstTimeout)
	hub := nw.cfg.Hub
	served := hub.On && n.hubServes(actx, remote)
	account, aerr := n.peerAccount(actx, nw, remote)
	cancel()
	switch {
	case !hub.On:
		refuse(services.RefuseNotServed, "this node is not a hub: it tells no one's presence")
		return
	case !served:
		refuse(services.RefuseNotServed, fmt.Sprintf("this hub serves %s, and not your account", hubServeWords(hub.Serve)))
		return
	case aerr != nil:
		refuse(services.RefuseNotServed, "this hub could not learn your account (no device certificate): it tells presence only of devices whose account it knows")
		return
	}
	ses := &hubSession{
		device: remote, account: account, s: s,
		told: map[*hubSession]bool{}, events: map[services.Key32]services.PeerEvent{},
		wake:   make(chan struct{}, 1),
		states: newBucket(presenceStateBurst, presenceStateEvery),
		sends:  newBucket(presenceSendBurst, time.Minute/presenceSendPerMin),
		wanted: nw.host.Wants(remote),
	}
	old, evicted, full := nw.presence.add(ses)
	if full {
		refuse(services.RefuseBusy, fmt.Sprintf("this hub holds %d presence sessions, as many as it can: try again later", presenceMaxSessions))
		return
	}
	if old != nil {
		_ = old.s.Reset()
	}
	if evicted != nil {
		nw.log.Info("presence: a stranger's session made room for a device this hub wants", "evicted", evicted.device.Device(), "for", remote.Device())
		_ = evicted.s.Reset()
	}
	_ = s.SetDeadline(time.Now().Add(presenceWriteTimeout))
	if err := services.WriteHubMessage(s, services.HubMessage{Welcome: &services.Welcome{Session: ses.id}}); err != nil {
		nw.presence.remove(ses)
		_ = s.Reset()
		return
	}
	_ = s.SetDeadline(time.Time{})
	ses.states.take(time.Now())
	nw.presence.setState(ses, *first.State)
	nw.log.Debug("presence: online", "peer", remote.Device(), "session", ses.id)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.writePresence(nw, ses)
	}()
	defer func() {
		nw.presence.remove(ses)
		<-done
		nw.log.Debug("presence: gone", "peer", remote.Device(), "session", ses.id)
	}()
	for {
		m, err := services.ReadClientMessage(s)
		if !n.presenceReadOK(nw, remote, s, err, false) || errors.Is(err, services.ErrVersion) {
			_ = s.Reset()
			return
		}
		now := time.Now()
		switch {
		case m.State != nil:
			if !ses.states.take(now) {
				nw.presence.mu.Lock()
				ses.push(services.HubMessage{Refused: &services.Refusal{Code: services.RefuseTooFast,
					Reason: fmt.Sprintf("states more often than %d at once then one a second: slow down", presenceStateBurst)}})
				ses.closeAft = true
				nw.presence.mu.Unlock()
				nw.log.Info("presence refused", "peer", remote.Device(), "code", services.RefuseTooFast, "reason", "states too fast")
				<-done
				return
			}
			nw.presence.setState(ses, *m.State)
		case m.Send != nil:
			var res services.SendResult
			if !ses.sends.take(now) {
				res = services.SendResult{MsgID: m.Send.MsgID, Code: services.RefuseTooFast,
					Reason: fmt.Sprintf("more than %d messages a minute: wait a little", presenceSendPerMin)}
				nw.log.Info("presence message refused", "peer", remote.Device(), "code", res.Code, "reason", "too fast")
			} else {
				res = nw.presence.send(ses, *m.Send)
			}
			nw.presence.mu.Lock()
			ok := ses.push(services.HubMessage{Result: &res})
			nw.presence.mu.Unlock()
			if !ok {
				_ = s.Reset()
				return
			}
		}
	}
}

// presenceReadOK judges a read of a presence stream: a malformed message,
// or a first state that does not come in time, is a breach; another error
// ends the session quietly. It resets the stream when it returns false.
func (n *Node) presenceReadOK(nw *network, remote identity.PublicKey, s netnode.Stream, err error, first bool) bool {
	var ne net.Error
	switch {
	case err == nil, errors.Is(err, services.ErrVersion):
		return true
	case errors.Is(err, services.ErrMalformedPresence):
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("presence: %v", err))
	case first && errors.As(err, &ne) && ne.Timeout():
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("presence: no state within %v", presenceFirstTimeout))
	default:
		_ = s.Reset()
	}
	return false
}

// writePresence writes what the hub has for ses as it comes, each frame
// within presenceWriteTimeout; a node that does not take one loses its
// session.
func (n *Node) writePresence(nw *network, ses *hubSession) {
	for {
		out, ended, closeAfter := nw.presence.take(ses)
		for _, m := range out {
			_ = ses.s.SetWriteDeadline(time.Now().Add(presenceWriteTimeout))
			if err := services.WriteHubMessage(ses.s, m); err != nil {
				nw.presence.remove(ses)
				_ = ses.s.Reset()
				return
			}
		}
		if closeAfter {
			nw.presence.remove(ses)
			_ = ses.s.Close()
			return
		}
		if ended {
			return
		}
		select {
		case <-ses.wake:
		case <-nw.ctx.Done():
			nw.presence.remove(ses)
			_ = ses.s.Reset()
			return
		}
	}
}
