package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
)

// How this node keeps its presence at its hubs (doc/protocol/services.md §7).
const (
	presenceTick       = time.Second      // states at most this often; links looked at
	presenceHeadsEvery = time.Minute      // own heads read again at least this often
	presenceFetchEvery = 10 * time.Second // one dial per watched device at most this often
	maxSignals         = 64               // messages received, kept in memory to show
)

// presenceLinks is this node's presence streams, one per hub that offers
// presence, and what each hub told.
type presenceLinks struct {
	mu      sync.Mutex
	links   map[identity.PublicKey]*hubLink
	nextMsg uint64
	waiting map[uint64]chan services.SendResult
	signals []Signal
	dialled map[identity.PublicKey]time.Time
	kick    chan struct{}
}

// hubLink is this node's presence stream to one hub.
type hubLink struct {
	hub     identity.PublicKey
	s       netnode.Stream
	wmu     sync.Mutex // serialises writes
	view    services.PresenceView
	session uint64
	sent    []byte // the state last written
}

func (l *hubLink) write(m services.ClientMessage) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	_ = l.s.SetWriteDeadline(time.Now().Add(presenceWriteTimeout))
	return services.WriteClientMessage(l.s, m)
}

// startPresence serves presence when this node is a hub, and keeps this
// node's presence at the hubs that offer it.
func (n *Node) startPresence(ctx context.Context, nw *network) {
	nw.presence = newPresenceTable()
	nw.links = &presenceLinks{
		links: map[identity.PublicKey]*hubLink{}, waiting: map[uint64]chan services.SendResult{},
		dialled: map[identity.PublicKey]time.Time{}, kick: make(chan struct{}, 1),
	}
	nw.host.Handle(services.PresenceProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.servePresence(ctx, nw, remote, s)
	})
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.presenceLoop(ctx, nw)
	}()
}

// presenceLoop opens a presence stream to every connected hub this node
// chose (its hubs, or a peer it keeps) that offers presence, and writes this node's state to each when it changed,
// at most once a presenceTick.
func (n *Node) presenceLoop(ctx context.Context, nw *network) {
	evs, cancel := n.Subscribe(64)
	defer cancel()
	tick := time.NewTicker(presenceTick)
	defer tick.Stop()
	self := n.device.Public()
	chosen := map[identity.PublicKey]bool{}
	for _, a := range nw.cfg.Hubs {
		if key, _, err := netnode.ParsePeerAddr(a); err == nil {
			chosen[key] = true
		}
	}
	var heads []services.OwnHead
	var headsAt time.Time
	dirty := true
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-evs:
			if !ok {
				return
			}
			if ev.Kind == EventOverflow || (ev.Kind == EventEntry && ev.Entry.Header.Author == self) {
				dirty = true
			}
			continue
		case <-nw.links.kick:
		case <-tick.C:
		}
		if dirty || time.Since(headsAt) > presenceHeadsEvery {
			h, err := n.ownHeads(ctx)
			if err != nil {
				nw.log.Warn("presence: reading this device's heads", "err", err)
				continue
			}
			heads, headsAt, dirty = h, time.Now(), false
		}
		st := n.presenceState(nw, heads)
		for _, p := range nw.host.Peers() {
			// Only to hubs this node chose: its state names whom it
			// follows and its villages' locals.
			if !p.Kept && !chosen[p.Key] {
				continue
			}
			a, ok := nw.host.PeerServices(p.Key)
			if _, offers := a.Offers(services.Presence); !ok || !offers {
				continue
			}
			nw.links.mu.Lock()
			l := nw.links.links[p.Key]
			if l == nil {
				l = &hubLink{hub: p.Key}
				nw.links.links[p.Key] = l
				nw.wg.Add(1)
				go func() {
					defer nw.wg.Done()
					n.runLink(ctx, nw, l, st)
				}()
			}
			ready := l.s != nil && l.session != 0
			nw.links.mu.Unlock()
			if ready {
				n.writeState(nw, l, st)
			}
		}
	}
}

// ownHeads returns the heads of this device's logs, ascending by log id,
// at most MaxPresenceHeads (the public log, id zero, first).
func (n *Node) ownHeads(ctx context.Context) ([]services.OwnHead, error) {
	self := n.device.Public()
	all, err := store.HeadsOf(ctx, n.store, self)
	if err != nil {
		return nil, err
	}
	out := []services.OwnHead{}
	for _, h := range all {
		if len(out) < services.MaxPresenceHeads {
			out = append(out, services.OwnHead{LogID: services.Key32(h.Log.LogID), Seq: h.Seq, ID: services.Key32(h.ID)})
		}
	}
	return out, nil
}

// presenceState is this node's state: its heads, an audience of the
// accounts it follows and its villages' locals, and the same keys and its
// own account watched (services.md §7, "Who learns of whom").
func (n *Node) presenceState(nw *network, heads []services.OwnHead) services.PresenceState {
	var audience []services.Key32
	for _, a := range nw.scope.Following() {
		audience = append(audience, services.Key32(a))
	}
	for _, d := range nw.scope.VillageLocals() {
		audience = append(audience, key32(d))
	}
	sortKeys := func(ks []services.Key32) []services.Key32 {
		slices.SortFunc(ks, func(a, b services.Key32) int { return bytes.Compare(a[:], b[:]) })
		ks = slices.Compact(ks)
		return ks[:min(len(ks), services.MaxPresenceKeys)]
	}
	watch := sortKeys(append(slices.Clone(audience), key32(n.account)))
	audience = sortKeys(audience)
	if audience == nil {
		audience = []services.Key32{}
	}
	return services.PresenceState{Heads: heads, Audience: audience, Watch: watch}
}

// writeState writes st to the hub if it differs from what was written.
func (n *Node) writeState(nw *network, l *hubLink, st services.PresenceState) {
	m := services.ClientMessage{State: &st}
	b, err := m.Encode()
	if err != nil {
		nw.log.Warn("presence: this node's state", "err", err)
		return
	}
	nw.links.mu.Lock()
	same := bytes.Equal(b, l.sent)
	nw.links.mu.Unlock()
	if same {
		return
	}
	if err := l.write(m); err != nil {
		_ = l.s.Reset()
		return
	}
	nw.links.mu.Lock()
	l.sent = b
	nw.links.mu.Unlock()
}

// runLink opens the presence stream to l's hub, says this node's state
// and reads what the hub tells until the stream ends; then it forgets
// what the hub told. The loop opens a new link while the hub stays
// connected and offers presence, no sooner than the next tick.
func (n *Node) runLink(ctx context.Context, nw *network, l *hubLink, st services.PresenceState) {
	defer func() {
		// What the hub told is forgotten at once; the link itself after a
		// tick, so that no more than one stream a tick is opened.
		nw.links.mu.Lock()
		l.view, l.session = services.PresenceView{}, 0
		nw.links.mu.Unlock()
		n.events.emit(Event{Kind: EventPresence})
		time.Sleep(presenceTick)
		nw.links.mu.Lock()
		delete(nw.links.links, l.hub)
		nw.links.mu.Unlock()
	}()
	octx, cancel := context.WithTimeout(ctx, presenceFirstTimeout)
	s, err := nw.host.Open(octx, l.hub, services.PresenceProtocol)
	cancel()
	if err != nil {
		nw.log.Debug("presence: opening a stream to a hub", "hub", l.hub.Device(), "err", err)
		return
	}
	nw.links.mu.Lock()
	l.s = s
	nw.links.mu.Unlock()
	defer func() { _ = s.Reset() }()
	n.writeState(nw, l, st)
	_ = s.SetReadDeadline(time.Now().Add(presenceFirstTimeout))
	m, err := services.ReadHubMessage(s)
	switch {
	case err == nil && m.Welcome != nil:
	case err == nil && m.Refused != nil:
		nw.log.Info("presence: the hub refused", "hub", l.hub.Device(), "code", m.Refused.Code, "reason", m.Refused.Reason)
		return
	case errors.Is(err, services.ErrMalformedPresence) || (err == nil):
		nw.host.Penalize(l.hub, fmt.Sprintf("presence: %v (want a welcome)", err))
		return
	default:
		nw.log.Debug("presence: the hub's welcome", "hub", l.hub.Device(), "err", err)
		return
	}
	_ = s.SetReadDeadline(time.Time{})
	nw.links.mu.Lock()
	l.session = m.Welcome.Session
	nw.links.mu.Unlock()
	for {
		m, err := services.ReadHubMessage(s)
		if err != nil {
			if errors.Is(err, services.ErrMalformedPresence) {
				nw.host.Penalize(l.hub, fmt.Sprintf("presence: %v", err))
			}
			return
		}
		switch {
		case m.Peer != nil:
			nw.links.mu.Lock()
			changed, err := l.view.Apply(*m.Peer)
			nw.links.mu.Unlock()
			if err != nil {
				nw.host.Penalize(l.hub, fmt.Sprintf("presence: %v", err))
				return
			}
			if changed {
				n.events.emit(Event{Kind: EventPresence})
				if m.Peer.Online {
					n.fetchWatched(ctx, nw, l.hub, *m.Peer)
				}
			}
		case m.Result != nil:
			nw.links.mu.Lock()
			ch := nw.links.waiting[m.Result.MsgID]
			delete(nw.links.waiting, m.Result.MsgID)
			nw.links.mu.Unlock()
			if ch != nil {
				ch <- *m.Result
			}
		case m.Message != nil:
			sig := Signal{
				From: identity.PublicKey(m.Message.From).Device(), FromAccount: identity.PublicKey(m.Message.FromAccount).Account(),
				Hub: l.hub.Device(), Text: m.Message.Text, Received: time.Now(),
			}
			nw.links.mu.Lock()
			nw.links.signals = append(nw.links.signals, sig)
			if len(nw.links.signals) > maxSignals {
				nw.links.signals = slices.Delete(nw.links.signals, 0, len(nw.links.signals)-maxSignals)
			}
			nw.links.mu.Unlock()
			n.events.emit(Event{Kind: EventSignal, Signal: &sig})
		case m.Refused != nil:
			nw.log.Info("presence: the hub ended the session", "hub", l.hub.Device(), "code", m.Refused.Code, "reason", m.Refused.Reason)
			return
		default: // a second welcome
			nw.host.Penalize(l.hub, "presence: a welcome within a session")
			return
		}
	}
}

// fetchWatched fetches the entries of a watched device's logs that this
// node wants and is behind on: the running sync session brings them when
// the device is connected; otherwise this node connects to it, through
// the hub's relay if it knows no other address, and the sync session that
// starts brings them (services.md §7).
func (n *Node) fetchWatched(ctx context.Context, nw *network, hub identity.PublicKey, ev services.PeerEvent) {
	device := identity.PublicKey(ev.Device)
	// The hub learned the device's account from its certificate: a device
	// of a followed account (or a local) is wanted before this node holds
	// its certificate.
	account := identity.PublicKey(ev.Account)
	watched := account == n.account || slices.Contains(nw.scope.VillageLocals(), device) ||
		slices.Contains(nw.scope.Following(), account.Account())
	behind := false
	for _, h := range ev.Heads {
		key := store.LogKey{Author: device, LogID: entry.LogID(h.LogID)}
		if !watched && !nw.scope.Wants(key) {
			continue
		}
		own, err := n.store.Head(ctx, key)
		if (err == nil && own.Seq < h.Seq) || errors.Is(err, store.ErrNotFound) {
			behind = true
			break
		}
	}
	if !behind || nw.isConnected(device) || device == n.device.Public() {
		return
	}
	nw.links.mu.Lock()
	if t, ok := nw.links.dialled[device]; ok && time.Since(t) < presenceFetchEvery {
		nw.links.mu.Unlock()
		return
	}
	nw.links.dialled[device] = time.Now()
	if len(nw.links.dialled) > presenceMaxSessions {
		for k, t := range nw.links.dialled {
			if time.Since(t) >= presenceFetchEvery {
				delete(nw.links.dialled, k)
			}
		}
	}
	nw.links.mu.Unlock()
	var addrs []string
	for _, p := range nw.host.Peers() {
		if p.Key == hub && p.Outbound && p.Transport != "relay" {
			addrs = append(addrs, fmt.Sprintf("%s/p2p/%s/p2p-circuit", p.Addr, p.PeerID))
		}
	}
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		cctx, cancel := context.WithTimeout(ctx, presenceFirstTimeout)
		defer cancel()
		if err := nw.host.ConnectKey(cctx, device, addrs); err != nil {
			nw.log.Debug("presence: connecting to a watched device ahead of this node", "device", device.Device(), "err", err)
		}
	}()
}
