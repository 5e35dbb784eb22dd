package node

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
)

// headsTimeout bounds one head-tracking exchange, either side
// (doc/protocol/services.md §6).
const headsTimeout = 10 * time.Second

// headsService is the heads service with its limit as announced.
func (h HubConfig) headsService() services.Service {
	return services.Service{Name: services.Heads, Limits: []services.Limit{{Key: services.LimitLogs, Value: uint64(h.HeadsLogs)}}}
}

// serveHeads answers a peer's head-tracking request from this node's
// store, of the logs a sync session would offer the peer: the hub keeps
// no state for it beyond what it stores (§6, "What the hub answers
// from"). A malformed request is a breach; a peer not
// served, or one that names more logs than the limit, is refused with a
// reason.
func (n *Node) serveHeads(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	_ = s.SetDeadline(time.Now().Add(headsTimeout))
	q, err := services.ReadHeadsRequest(s)
	var ne net.Error
	switch {
	case errors.Is(err, services.ErrMalformedHeads):
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("heads: %v", err))
		return
	case errors.As(err, &ne) && ne.Timeout():
		_ = s.Reset()
		nw.host.Penalize(remote, fmt.Sprintf("heads: no request within %v", headsTimeout))
		return
	case err != nil:
		_ = s.Reset()
		return
	}
	// The answer, the look-up of the peer's account and a stranger's wait
	// for its turn included, within one deadline.
	ctx, cancel := context.WithTimeout(ctx, headsTimeout)
	defer cancel()
	_ = s.SetDeadline(time.Now().Add(headsTimeout))
	refuse := func(code uint64, reason string) {
		n.refused(nw.log, "heads", headsRefusal(code), remote, reason)
		_ = services.WriteHeadsResponse(s, services.HeadsResponse{Code: code, Reason: reason})
		_ = s.Close()
	}
	hub := nw.cfg.Hub
	if !hub.On || !n.hubServes(ctx, remote) {
		if !hub.On {
			refuse(services.RefuseNotServed, "this node is not a hub: it tracks heads for no one")
		} else {
			refuse(services.RefuseNotServed, fmt.Sprintf("this hub serves %s, and not your account", hubServeWords(hub.Serve)))
		}
		return
	}
	if len(q.Logs) > hub.HeadsLogs {
		refuse(services.RefuseTooMany, fmt.Sprintf("%d logs asked for; this hub answers at most %d a request: split the list", len(q.Logs), hub.HeadsLogs))
		return
	}
	if err := nw.strangerTurn(ctx, nw.strangerSessions, remote, syncSessionCost); err != nil {
		refuse(services.RefuseBusy, fmt.Sprintf("busy: %v; ask again later", err))
		return
	}
	p := services.HeadsResponse{Heads: make([]services.LogHead, len(q.Logs))}
	for i, l := range q.Logs {
		key := store.LogKey{Author: identity.PublicKey(l.Author), LogID: entry.LogID(l.LogID)}
		if !nw.scope.Offers(remote, key) {
			continue // null: a sync session would not give it (§6)
		}
		h, err := n.store.Head(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue // null: held nothing of it
		case err != nil:
			nw.log.Warn("heads request: reading the store", "err", err)
			refuse(services.RefuseBusy, "the hub could not read its store; ask again later")
			return
		}
		p.Heads[i] = services.LogHead{Seq: h.Seq, ID: services.Key32(h.ID), Forked: h.Forked, Ended: h.Ended}
	}
	n.meter.use("heads", "request")
	if err := services.WriteHeadsResponse(s, p); err != nil {
		_ = s.Reset()
		return
	}
	_ = s.Close()
}

// hubServeWords names whom a hub serves, for a refusal.
func hubServeWords(serve string) string {
	switch serve {
	case HubServeLocals:
		return "the locals of its villages"
	case HubServeAccounts:
		return "a list of accounts"
	}
	return "everyone it has not blocked"
}

// HubHead is what a hub told of one log, beside what this node holds.
type HubHead struct {
	Log store.LogKey `json:"-"`
	// Author and LogID are Log in text form.
	Author string `json:"author"`
	LogID  string `json:"log"`
	// HubSeq is the highest seq the hub holds (0: nothing); HubID the id
	// of its entry there.
	HubSeq uint64 `json:"hub_seq"`
	HubID  string `json:"hub_id,omitempty"`
	Forked bool   `json:"forked,omitempty"`
	Ended  bool   `json:"ended,omitempty"`
	// Seq is the highest seq this node holds; Behind is HubSeq > Seq:
	// the hub knows of entries this node is missing.
	Seq    uint64 `json:"seq"`
	Behind bool   `json:"behind"`
}

// HeadsRefusedError is a hub's refusal of a heads request.
type HeadsRefusedError struct {
	Hub    identity.DeviceID
	Code   uint64
	Reason string
}

func (e *HeadsRefusedError) Error() string {
	return fmt.Sprintf("hub %s refused to tell heads (code %d): %s", e.Hub, e.Code, e.Reason)
}

// HubHeads asks the hub for the heads of logs (doc/protocol/services.md
// §6) and compares them with this node's store: one HubHead per distinct
// log, ordered by author then log id. A refusal is a *HeadsRefusedError
// saying why.
func (n *Node) HubHeads(ctx context.Context, hub identity.PublicKey, logs []store.LogKey) ([]HubHead, error) {
	nw := n.net.Load()
	if nw == nil {
		return nil, ErrNotServing
	}
	q := services.HeadsRequest{Logs: make([]services.HeadsLog, 0, len(logs))}
	for _, l := range logs {
		q.Logs = append(q.Logs, services.HeadsLog{Author: services.Key32(l.Author), LogID: services.Key32(l.LogID)})
	}
	slices.SortFunc(q.Logs, compareHeadsLog)
	q.Logs = slices.CompactFunc(q.Logs, func(a, b services.HeadsLog) bool { return a == b })
	if len(q.Logs) == 0 || len(q.Logs) > services.MaxHeadsLogs {
		return nil, fmt.Errorf("asking a hub for heads: %d logs; give 1 to %d a request", len(q.Logs), services.MaxHeadsLogs)
	}
	ctx, cancel := context.WithTimeout(ctx, headsTimeout)
	defer cancel()
	s, err := nw.host.Open(ctx, hub, services.HeadsProtocol)
	switch {
	case errors.Is(err, netnode.ErrNotSupported):
		return nil, fmt.Errorf("hub %s does not track heads (a node of another version?): ask another hub", hub.Device())
	case err != nil:
		return nil, fmt.Errorf("%w: asking hub %s for heads: %v", ErrUnreachable, hub.Device(), err)
	}
	_ = s.SetDeadline(time.Now().Add(headsTimeout))
	if err := services.WriteHeadsRequest(s, q); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("asking hub %s for heads: %w", hub.Device(), err)
	}
	_ = s.CloseWrite()
	p, err := services.ReadHeadsResponse(s)
	if err == nil && p.Code == 0 && len(p.Heads) != len(q.Logs) {
		err = fmt.Errorf("%w: %d heads for %d logs", services.ErrMalformedHeads, len(p.Heads), len(q.Logs))
	}
	if err != nil {
		_ = s.Reset()
		if errors.Is(err, services.ErrMalformedHeads) {
			nw.host.Penalize(hub, fmt.Sprintf("heads: %v", err))
		}
		return nil, fmt.Errorf("asking hub %s for heads: %w", hub.Device(), err)
	}
	_ = s.Close()
	if p.Code != 0 {
		return nil, &HeadsRefusedError{Hub: hub.Device(), Code: p.Code, Reason: p.Reason}
	}
	out := make([]HubHead, len(q.Logs))
	for i, l := range q.Logs {
		key := store.LogKey{Author: identity.PublicKey(l.Author), LogID: entry.LogID(l.LogID)}
		h := p.Heads[i]
		hh := HubHead{Log: key, Author: key.Author.Device().String(), LogID: key.LogID.String(), HubSeq: h.Seq, Forked: h.Forked, Ended: h.Ended}
		if h.Seq > 0 {
			hh.HubID = entry.ID(h.ID).String()
		}
		own, err := n.store.Head(ctx, key)
		switch {
		case err == nil:
			hh.Seq = own.Seq
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		hh.Behind = hh.HubSeq > hh.Seq
		out[i] = hh
	}
	return out, nil
}

func compareHeadsLog(a, b services.HeadsLog) int {
	if c := slices.Compare(a.Author[:], b.Author[:]); c != 0 {
		return c
	}
	return slices.Compare(a.LogID[:], b.LogID[:])
}
