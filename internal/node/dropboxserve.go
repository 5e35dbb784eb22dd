package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/store"
)

// hubServesAccount reports whether this hub keeps a dropbox for account:
// as hubServes, by the account rather than a connected device.
func (n *Node) hubServesAccount(ctx context.Context, nw *network, account identity.PublicKey) bool {
	hub := nw.cfg.Hub
	if !hub.On || nw.scope.Blocked(account) {
		return false
	}
	switch hub.Serve {
	case HubServeEveryone:
		return true
	case HubServeAccounts:
		served, err := hub.accounts()
		return err == nil && served[account]
	case HubServeLocals:
		locals := nw.scope.VillageLocals()
		if slices.Contains(locals, account) {
			return true
		}
		ds, err := n.store.Devices(ctx, account)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false
		}
		for _, d := range ds {
			if !d.Revoked && slices.Contains(locals, d.Device) {
				return true
			}
		}
	}
	return false
}

// serveDropbox answers a deposit or a collection (services.md §8). A
// malformed request or letter is a breach; a request not served or over
// a limit is refused with a reason.
func (n *Node) serveDropbox(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	_ = s.SetDeadline(time.Now().Add(dropboxTimeout))
	q, err := dropbox.ReadRequest(s)
	var ne net.Error
	switch {
	case errors.Is(err, dropbox.ErrMalformed):
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("dropbox: %v", err))
		return
	case errors.As(err, &ne) && ne.Timeout():
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("dropbox: no request within %v", dropboxTimeout))
		return
	case err != nil:
		_ = s.Reset()
		return
	}
	ctx, cancel := context.WithTimeout(ctx, dropboxTimeout)
	defer cancel()
	_ = s.SetDeadline(time.Now().Add(dropboxTimeout))
	answer := func(p *dropbox.Response) {
		if len(p.Reason) > dropbox.MaxReason {
			p.Reason = strings.ToValidUTF8(p.Reason[:dropbox.MaxReason-3], "") + "…"
		}
		if p.Code != 0 {
			nw.log.Info("dropbox request refused", "peer", remote.Device(), "code", p.Code, "reason", p.Reason)
		}
		if err := dropbox.WriteResponse(s, p); err != nil {
			_ = s.Reset()
			return
		}
		_ = s.Close()
	}
	refusal := func(err error) *dropbox.Response {
		var r *dropbox.Refusal
		if errors.As(err, &r) {
			return &dropbox.Response{Code: r.Code, Reason: r.Reason}
		}
		return &dropbox.Response{Code: dropbox.RefuseBusy, Reason: "busy; try again later"}
	}
	h := nw.dropbox.hub
	if h == nil {
		answer(&dropbox.Response{Code: dropbox.RefuseNotServed, Reason: "this node keeps no dropbox: it is not a hub"})
		return
	}
	if !q.Collect {
		if !n.hubServesAccount(ctx, nw, identity.PublicKey(q.Recipient)) {
			answer(&dropbox.Response{Code: dropbox.RefuseNotServed, Reason: fmt.Sprintf("this hub keeps dropboxes for %s, and not for that account", hubServeWords(nw.cfg.Hub.Serve))})
			return
		}
		l, err := dropbox.DecodeLetter(q.Recipient, q.Letter)
		if err != nil {
			_ = s.Reset()
			nw.host.Penalize(remote, fmt.Sprintf("dropbox: %v", err))
			return
		}
		if err := nw.strangerTurn(ctx, nw.strangerSessions, remote, syncSessionCost); err != nil {
			answer(&dropbox.Response{Code: dropbox.RefuseBusy, Reason: fmt.Sprintf("busy: %v; try again later", err)})
			return
		}
		if err := h.deposit(n.clock(), q.Recipient, [32]byte(remote), l, q.Letter); err != nil {
			answer(refusal(err))
			return
		}
		answer(&dropbox.Response{})
		return
	}
	account, err := n.peerAccount(ctx, nw, remote)
	if err != nil {
		answer(&dropbox.Response{Code: dropbox.RefuseNotServed, Reason: "the hub could not learn your account from your device's certificate"})
		return
	}
	if !n.hubServesAccount(ctx, nw, account) {
		answer(&dropbox.Response{Code: dropbox.RefuseNotServed, Reason: fmt.Sprintf("this hub keeps dropboxes for %s, and not for your account", hubServeWords(nw.cfg.Hub.Serve))})
		return
	}
	// A device its account revoked collects nothing (it could only make
	// the hub drop letters it cannot read), as far as the hub knows.
	if d, err := n.store.AccountOf(ctx, remote); err == nil && d.Revoked {
		answer(&dropbox.Response{Code: dropbox.RefuseNotServed, Reason: "your account revoked this device"})
		return
	}
	letters, err := h.collect(n.clock(), [32]byte(account), q.Follows, q.Done)
	if err != nil {
		answer(refusal(err))
		return
	}
	answer(&dropbox.Response{Letters: letters})
}
