package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/blobsync"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/ice"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/introduce"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/services"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/turnrelay"
)

// The stream protocols a serving node speaks (doc/network.md).
const (
	SyncProtocol = netnode.SyncProtocol
	BlobProtocol = netnode.BlobProtocol
)

// ErrNotServing is returned by network operations on a node that is not
// running its network (a one-shot command rather than 'kith serve').
var ErrNotServing = errors.New("the node's network is not running: start it with 'kith serve'")

// Errors of the network operations, for callers that map them (the API).
var (
	// ErrBadAddress: not a multiaddr of a kith peer (with /p2p/ and an
	// Ed25519 key), or this node's own.
	ErrBadAddress = errors.New("not a usable peer address")
	// ErrUnreachable: the peer could not be reached.
	ErrUnreachable = errors.New("the peer cannot be reached")
	// ErrBadInvite: not a valid invite code, or one of this account's own.
	ErrBadInvite = errors.New("not a usable invite code")
	// ErrInviteExpired: the invite's time is over.
	ErrInviteExpired = errors.New("the invite has expired")
	// ErrInviteRefused: the inviter refused the invite (used, unknown, blocked).
	ErrInviteRefused = errors.New("the inviter refused the invite")
)

// ServeOptions configure a node's network.
type ServeOptions struct {
	Config Config
	// Mock, when set, puts the node on an in-process libp2p mock network
	// instead of real transports: for tests.
	Mock   *netnode.MockNet
	Logger *slog.Logger
}

// network is the running network side of a node.
type network struct {
	host    *netnode.Host
	scope   *scope.Scope
	engine  *replicate.Engine
	blobs   *blobsync.Service
	invites *inviteBook
	pairs   *pairBook // pairing codes (pair.go)
	log     *slog.Logger
	cfg     Config

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	discover chan struct{} // a scope change asks the discovery loop to run now
	rescope  chan struct{} // an entry that can change the scope was stored: scopeLoop recomputes it
	// keepSpaces: an entry that can change a space's keys was stored:
	// spaceLoop keeps the spaces (spacenet.go).
	keepSpaces chan struct{}
	scopeKept  scopeKeeping // when the scope last read every statement (scopenote.go)

	certs certRequests // one certificate exchange per peer at a time

	// The budgets for strangers' sync sessions and village requests
	// (strangerwork.go).
	strangerSessions, strangerRequests *strangerWork

	// presence: the hub's sessions (presencehubtable.go); links: this
	// node's presence at its hubs (presenceclient.go).
	presence *presenceTable
	links    *presenceLinks
	lease    *leaseNet   // data leases kept for others and asked of others (lease*.go)
	dropbox  *dropboxNet // the dropbox kept as a hub and collected from (dropbox.go)

	turn      *turnrelay.Server // the STUN/TURN server for browser peers (ice.go); nil without turn_listen
	iceSecret []byte            // its credentials' HMAC key, drawn at start

	copies        *copyBook     // where the account's own logs are held (copies.go)
	copiesChanged chan struct{} // the copy book changed: copiesLoop writes it

	mu        sync.Mutex
	stopping  bool // StopNetwork began: start no more goroutines
	connected map[identity.PublicKey]bool
	syncing   map[identity.PublicKey]bool // an initiator loop runs for the peer
}

// Serving reports whether the node runs its network.
func (n *Node) Serving() bool { return n.net.Load() != nil }

// StartNetwork starts the libp2p host, replication, blob fetching and the
// invite handler. It returns once the host listens; StopNetwork (or Close)
// stops it.
func (n *Node) StartNetwork(ctx context.Context, o ServeOptions) error {
	if n.net.Load() != nil {
		return errors.New("the network is already running")
	}
	cfg := o.Config.withDefaults()
	if err := cfg.check(); err != nil {
		return err
	}
	logs, _ := cfg.logKeys()
	cfg = cfg.WithoutLogs() // the scope holds them (scope.Config.Logs)
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// This device can be written to from its first start on.
	if err := n.publishSealKey(ctx); err != nil {
		log.Warn("publish this device's encryption key", "err", err)
	}
	// What is stored from here until the network is up (n.net) is noted
	// below: noteAdded sees no network for it, and scope.New may have
	// read before it.
	since, err := n.lastCursor(ctx)
	if err != nil {
		return err
	}
	sc, err := scope.New(ctx, n.store, scope.Config{Account: n.account, Device: n.device.Public(), Hops: *cfg.Hops, Logs: logs, Spaces: n.scopeWants, Festivals: n.festivalWants})
	if err != nil {
		return err
	}
	var host *netnode.Host
	if o.Mock != nil {
		host, err = o.Mock.NewHost(n.device)
	} else {
		host, err = netnode.New(ctx, netnode.Config{
			Key:       n.device,
			Listen:    cfg.Listen,
			DataDir:   filepath.Join(n.home, "net"),
			Bootstrap: cfg.Bootstrap,
			MDNS:      *cfg.MDNS,
			DHT:       *cfg.DHT,
			DHTServer: *cfg.DHTServer,
			Relay:     *cfg.Relay,
			HolePunch: *cfg.HolePunching,
			AutoNAT:   *cfg.AutoNAT,
			ConnLow:   cfg.ConnLow,
			ConnHigh:  cfg.ConnHigh,
			Logger:    log,
			Hubs:      cfg.Hubs,
			// A hub (doc/config.md, [hub]) relays for whom it serves.
			RelayService: cfg.Hub.On,
			// Otherwise a node relays browser-to-browser WebRTC
			// signalling for browser peers (doc/browser.md).
			SignalRelay:  *cfg.BrowserSignalling,
			RelayLimits:  cfg.Hub.relayLimits(),
			RelayAllow:   n.relayAllow,
			RelayAccount: n.relayAccount,
		})
	}
	if err != nil {
		return err
	}
	book, err := loadCopyBook(filepath.Join(n.home, copiesFile))
	if err != nil {
		return err
	}
	nctx, cancel := context.WithCancel(context.Background())
	nw := &network{
		copies: book, copiesChanged: make(chan struct{}, 1),
		host: host, scope: sc, log: log, cfg: cfg,
		invites:   newInviteBook(filepath.Join(n.home, inviteFile)),
		pairs:     newPairBook(),
		ctx:       nctx,
		cancel:    cancel,
		connected: map[identity.PublicKey]bool{},
		syncing:   map[identity.PublicKey]bool{},
		discover:  make(chan struct{}, 1),
		rescope:   make(chan struct{}, 1),
		scopeKept: scopeKeeping{full: time.Now()}, // scope.New read every statement

		keepSpaces:       make(chan struct{}, 1),
		strangerSessions: newStrangerWork(float64(cfg.StrangerWork), 0),
		strangerRequests: newStrangerWork(float64(cfg.StrangerWork), villageRequestCost(maxVillageRequests)),
	}
	nw.engine = replicate.NewEngine(replicate.Config{
		Store: n.store,
		Scope: sc,
		Self:  n.device.Public(),
		OnAdded: func(peer identity.PublicKey, es []*entry.Entry) {
			n.afterAdded(nw, es)
			n.emitEntries(es, false) // after the caches they change are dropped
		},
		OnPeerHeads: func(peer identity.PublicKey, heads []replicate.Item) {
			n.peerHeads(nw, peer, heads)
		},
		OnMisbehaviour: func(peer identity.PublicKey, code replicate.Code, err error) {
			log.Warn("peer misbehaved in sync", "peer", peer.Device(), "code", code, "err", err)
			host.Penalize(peer, fmt.Sprintf("sync: %v", err))
		},
		Logger: log,
		Budget: newSyncBudget(),
	})
	nw.blobs = blobsync.New(blobsync.Config{
		Blobs: n.blobs,
		Open: func(ctx context.Context, peer identity.PublicKey) (blobsync.Stream, error) {
			return host.Open(ctx, peer, BlobProtocol)
		},
		Peers:  nw.peerKeys,
		Checks: []blob.Check{refuseLocation},
		OnMisbehaviour: func(peer identity.PublicKey, err error) {
			log.Warn("peer misbehaved in blob exchange", "peer", peer.Device(), "err", err)
			host.Penalize(peer, fmt.Sprintf("blobs: %v", err))
		},
		Favoured: func(peer identity.PublicKey) bool {
			return n.favouredForBlobs(nw, peer)
		},
		Logger: log,
	})
	// The TURN server before the network is published: status reads
	// nw.turn without a lock.
	if err := n.startTURN(nw); err != nil {
		cancel()
		_ = host.Close()
		return err
	}
	if err := n.startLeases(nw); err != nil {
		cancel()
		if nw.turn != nil {
			_ = nw.turn.Close()
		}
		_ = host.Close()
		return err
	}
	n.net.Store(nw)
	if err := n.noteStoredDuringStart(ctx, nw, since); err != nil {
		_ = n.StopNetwork()
		return err
	}
	if err := n.startMetrics(nw); err != nil {
		_ = n.StopNetwork()
		return err
	}
	host.OfferServices(n.offerServices)
	// What was imported while no node served this home counts against
	// the villages' budgets for unlisted strangers too.
	n.trimVillages(ctx, nw, false)
	host.KeepConnected(villageKeepTag, sc.VillageLocals())
	n.updateWanted(ctx, nw)
	host.Handle(invite.CertProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveCert(nctx, s)
	})
	host.Handle(ice.Protocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveICE(nctx, nw, remote, s)
	})
	host.Handle(introduce.Protocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveIntroduce(nctx, nw, remote, s)
	})
	host.Handle(services.HeadsProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveHeads(nctx, nw, remote, s)
	})
	host.Handle(services.LeaseProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveLease(nctx, nw, remote, s)
	})
	host.Handle(SyncProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		// A stranger waits for its turn before the node does anything
		// for it; then the node knows the peer's account before offering
		// it anything.
		if err := nw.strangerTurn(nctx, nw.strangerSessions, remote, syncSessionCost); err != nil {
			log.Debug("no sync session with a stranger now", "peer", remote.Device(), "err", err)
			refuseSync(s, err)
			return
		}
		if _, err := n.peerAccount(nctx, nw, remote); err != nil {
			log.Info("no sync session with peer", "peer", remote.Device(), "err", err)
			_ = s.Reset()
			return
		}
		if err := nw.engine.Run(nctx, remote, s, false); err != nil {
			log.Debug("sync session ended", "peer", remote.Device(), "err", err)
		}
	})
	host.Handle(BlobProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		// Blobs, too, only for devices that say who they are and are not
		// blocked.
		if _, err := n.peerAccount(nctx, nw, remote); err != nil {
			_ = s.Reset()
			return
		}
		nw.blobs.Serve(nctx, remote, s)
	})
	host.Handle(inviteProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveInvite(nctx, nw, remote, s)
	})
	host.Handle(pairProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.servePair(nctx, nw, remote, s)
	})
	host.Handle(VillageRequestProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveVillageRequest(nctx, nw, remote, s)
	})
	host.Handle(VillageFoundProtocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveVillageFound(nctx, nw, remote, s)
	})
	n.startDropbox(nctx, nw) // dropbox.go
	// Subscribe replays the peers already connected, then reports changes.
	host.Subscribe(func(ev netnode.Event) { n.peerEvent(ev) })
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		nw.blobs.Run(nctx)
	}()
	for _, addr := range cfg.Peers {
		// Configured peers are kept (redialled while apart) whether or not
		// they answer now.
		key, transport, err := netnode.ParsePeerAddr(addr)
		if err != nil {
			log.Warn("configured peer is not a usable address", "addr", addr, "err", err)
			continue
		}
		if key == n.device.Public() {
			continue
		}
		host.Keep(key, []string{transport})
	}
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.discoverLoop(nctx, nw)
	}()
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.scopeLoop(nctx, nw)
	}()
	if w, ok := n.store.(store.Watcher); ok {
		nw.wg.Add(1)
		go func() {
			defer nw.wg.Done()
			n.watchStore(nctx, nw, w)
		}()
	}
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.watchSessions(nw)
	}()
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.spaceLoop(nctx, nw)
	}()
	n.startMessageLoop(nctx, nw)
	n.startFestivalLoop(nctx, nw)
	n.startPresence(nctx, nw)
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.stateLoop(nctx, nw)
	}()
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.copiesLoop(nw)
	}()
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.foundingLoop(nctx, nw)
	}()
	nw.wg.Add(1)
	go func() {
		defer nw.wg.Done()
		n.leaseLoop(nctx, nw)
	}()
	n.events.emit(Event{Kind: EventPeers})
	return nil
}

// StopNetwork stops the network; the store stays open.
func (n *Node) StopNetwork() error {
	nw := n.net.Swap(nil)
	if nw == nil {
		return nil
	}
	nw.mu.Lock()
	nw.stopping = true
	nw.mu.Unlock()
	nw.cancel()
	err := nw.host.Close()
	if nw.turn != nil {
		err = errors.Join(err, nw.turn.Close())
	}
	nw.wg.Wait()
	n.events.emit(Event{Kind: EventPeers})
	n.events.emit(Event{Kind: EventSync})
	return err
}

// Addrs returns the multiaddrs (with /p2p/) the node listens on.
func (n *Node) Addrs() []string {
	nw := n.net.Load()
	if nw == nil {
		return nil
	}
	return nw.host.Addrs()
}

// BrowserAddrs returns the addresses of Addrs a browser can dial
// (WebSocket and WebRTC-direct, not relayed); empty while the network is
// stopped.
func (n *Node) BrowserAddrs() []string { return netnode.BrowserAddrs(n.Addrs()) }

// peerKeys returns the connected peers that are not blocked: those blobs
// are asked from.
func (nw *network) peerKeys() []identity.PublicKey {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	out := make([]identity.PublicKey, 0, len(nw.connected))
	for k := range nw.connected {
		if !nw.scope.Blocked(k) {
			out = append(out, k)
		}
	}
	return out
}

func (nw *network) isConnected(p identity.PublicKey) bool {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return nw.connected[p]
}

// peerEvent tracks connections. Of two connected nodes, the one with the
// smaller device key opens the sync stream, so a pair never runs two
// sessions; it reopens the stream while the connection lasts.
func (n *Node) peerEvent(ev netnode.Event) {
	nw := n.net.Load()
	if nw == nil {
		return
	}
	switch ev.Kind {
	case netnode.Connected:
		nw.mu.Lock()
		nw.connected[ev.Peer] = true
		nw.mu.Unlock()
		nw.blobs.PeerConnected(ev.Peer)
		n.startSyncLoops(nw)
	case netnode.Disconnected:
		nw.mu.Lock()
		delete(nw.connected, ev.Peer)
		nw.mu.Unlock()
	}
	n.events.emit(Event{Kind: EventPeers})
}

// startSyncLoops starts the initiator loop for every connected peer that
// has none (a peer unblocked while connected gets its session).
func (n *Node) startSyncLoops(nw *network) {
	self := n.device.Public()
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if nw.stopping {
		return
	}
	for p := range nw.connected {
		if bytes.Compare(self[:], p[:]) < 0 && !nw.syncing[p] {
			nw.syncing[p] = true
			nw.wg.Add(1) // under mu, never after StopNetwork's Wait began
			go func() {
				defer nw.wg.Done()
				n.syncLoop(nw, p)
			}()
		}
	}
}

// syncLoop runs sync sessions with a connected peer as the initiator.
func (n *Node) syncLoop(nw *network, peer identity.PublicKey) {
	defer func() {
		nw.mu.Lock()
		delete(nw.syncing, peer)
		nw.mu.Unlock()
	}()
	backoff := 500 * time.Millisecond
	for nw.ctx.Err() == nil && nw.isConnected(peer) {
		if _, refused := nw.host.Refused(peer); refused {
			return
		}
		s, giveUp, err := n.openSession(nw, peer)
		if giveUp {
			return
		}
		if err == nil {
			start := time.Now()
			err = nw.engine.Run(nw.ctx, peer, s, true)
			var pe *replicate.ProtocolError
			if errors.As(err, &pe) {
				return
			}
			if time.Since(start) > time.Minute {
				backoff = 500 * time.Millisecond
			}
		}
		var busy *replicate.PeerClosedError
		switch {
		case errors.As(err, &busy) && busy.Code == replicate.CodeBusy:
			nw.log.Info("the peer is busy with strangers and will take a session later; trying again", "peer", peer.Device(), "in", backoff)
		case err != nil:
			nw.log.Debug("sync session with peer ended", "peer", peer.Device(), "err", err)
		}
		select {
		case <-nw.ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 30*time.Second {
			backoff *= 2
		}
	}
}

// noteAdded is called with every batch this node stored by itself
// (published, imported): subscribers hear of the new entries, live
// sessions push them, and the scope is recomputed when a follow, block or
// device entry arrived.
func (n *Node) noteAdded(es []*entry.Entry, res []store.Result) {
	added := addedOf(es, res)
	nw := n.net.Load()
	if nw == nil {
		n.emitEntries(added, true)
		return
	}
	n.noteScopeFilled(nw, es, res)
	if len(added) == 0 {
		return
	}
	nw.engine.Added(added)
	n.afterAdded(nw, added)
	// Subscribers hear of the entries once the state they change is
	// dropped (afterAdded): a page that reloads on the event reads the
	// new state, not the one kept before.
	n.emitEntries(added, true)
}

// afterAdded follows up on stored entries, local or from a peer: the scope
// is recomputed (by scopeLoop) when an entry that can change it arrived
// (scope.Relevant), and the blobs they reference are fetched.
func (n *Node) afterAdded(nw *network, es []*entry.Entry) {
	// The scope's ledgers first: the loops woken below read them (the
	// message loop reads whom this account follows).
	relevant, own := n.noteScope(nw, es), true
	n.stateChanged(es)
	n.spaceEntriesArrived(nw, es)
	n.messageEntriesArrived(nw, es)
	n.festivalEntriesArrived(nw, es)
	var want []blob.ID
	for _, e := range es {
		if scope.Relevant(e) {
			relevant = true
		}
		own = own && e.Header.Author == n.device.Public()
		if e.Payload != nil && !unlistedRequest(nw, e) {
			want = append(want, referencedBlobs(e.Payload)...)
		}
	}
	switch {
	case relevant && own:
		// This device's own act (a block, a follow, a vote): in effect
		// before the call that made it returns.
		n.rescope(nw.ctx, nw)
	case relevant:
		select {
		case nw.rescope <- struct{}{}:
		default: // a recomputation is due already; it will see these entries
		}
	}
	if len(want) > 0 {
		var missing []blob.ID
		for _, id := range want {
			if ok, _, err := n.blobs.Has(id); err == nil && !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			nw.blobs.Want(missing...)
		}
	}
}

// scopeLoop recomputes the scope after entries from peers that can change
// it were stored, one recomputation at a time: a recomputation reads every held
// entry of the node's village logs, which for a village of many strangers
// takes seconds, and must hold up neither the sync sessions that store
// entries nor local publishing. Entries stored while one runs are covered
// by the next.
func (n *Node) scopeLoop(ctx context.Context, nw *network) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-nw.rescope:
		}
		n.rescope(ctx, nw)
	}
}

// rescope recomputes the scope and acts on it: the locals to keep
// connected, the sync sessions' interest and offers, the discovery loop.
func (n *Node) rescope(ctx context.Context, nw *network) {
	if err := n.recomputeScope(ctx, nw); err != nil {
		if ctx.Err() == nil {
			nw.log.Warn("recompute replication scope", "err", err)
		}
		return
	}
	nw.host.KeepConnected(villageKeepTag, nw.scope.VillageLocals())
	n.storeWantedCerts(ctx, nw)
	n.updateWanted(ctx, nw)
	nw.engine.ScopeChanged()
	n.startSyncLoops(nw)
	select {
	case nw.discover <- struct{}{}:
	default:
	}
}

// discoverGap is the least time between the starts of two discovery
// rounds that a follow or a certificate brings forward.
const discoverGap = time.Second

// discoverLoop connects, through the DHT and the peerstore, to the devices
// of this node's own account and of the accounts it follows that are not
// connected (those it knows by their certificates, and those announcing
// the account's rendezvous key), and to the peers providing the rendezvous
// keys of the villages it takes part in.
func (n *Node) discoverLoop(ctx context.Context, nw *network) {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	provided := map[entry.ID]bool{} // the villages whose rendezvous key is announced
	festivalsProvided := map[entry.ID]bool{}
	var accounts accountRendezvous // the account keys announced and looked up (accountpeers.go)
	// soon counts the rounds run early because an account was looked up
	// and not found: a device that has just started may announce its
	// account's key seconds later, and a person who has just followed
	// someone should not wait half a minute.
	soon := 0
	var lastRound time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-nw.discover:
			// A follow or a device certificate arrived: look for the
			// devices it names at once, not at the next round. (A
			// signal that comes while a round runs makes one more
			// round: the channel holds one.) At most one round per
			// discoverGap: a round goes over every account followed,
			// and a burst of follows must not pay one each.
			soon = 0
			if wait := discoverGap - time.Since(lastRound); wait > 0 {
				t.Reset(wait)
				continue
			}
		}
		lastRound = time.Now()
		var targets []identity.PublicKey
		for _, d := range nw.scope.FollowedDevices() {
			if d != n.device.Public() && !nw.isConnected(d) {
				targets = append(targets, d)
			}
		}
		sem := make(chan struct{}, 4)
		var wg sync.WaitGroup
		for _, d := range targets {
			d := d
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				defer cancel()
				_ = nw.host.ConnectKey(cctx, d, nil)
			}()
		}
		wg.Wait()
		// Accounts none of whose devices is connected (or known): their
		// devices announce the account's key.
		candidates, missing := n.accountPeers(ctx, nw, &accounts)
		for _, c := range candidates {
			n.dialAccountCandidate(ctx, nw, &accounts, c)
		}
		// Village peers after the accounts' devices: DHT look-ups are slow.
		for _, d := range n.villagePeers(ctx, nw, provided) {
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			if err := nw.host.ConnectKey(cctx, d, nil); err == nil {
				nw.log.Info("connected to a village peer found under the rendezvous key", "peer", d.Device())
			} else {
				nw.log.Debug("dial a village peer found under the rendezvous key", "peer", d.Device(), "err", err)
			}
			cancel()
		}
		for _, d := range n.festivalPeers(ctx, nw, festivalsProvided) {
			cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			if err := nw.host.ConnectKey(cctx, d, nil); err == nil {
				nw.log.Info("connected to a festival peer found under the festival rendezvous key", "peer", d.Device())
			} else {
				nw.log.Debug("dial a festival peer found under the festival rendezvous key", "peer", d.Device(), "err", err)
			}
			cancel()
		}
		next := 30 * time.Second
		if missing > 0 && soon < 6 {
			next, soon = 5*time.Second, soon+1
		}
		t.Reset(next)
	}
}

// Peers lists the connected peers with their sync state.
func (n *Node) Peers() []PeerInfo {
	nw := n.net.Load()
	if nw == nil {
		return nil
	}
	sessions := map[identity.PublicKey]replicate.SessionState{}
	for _, s := range nw.engine.Sessions() {
		sessions[s.Peer] = s
	}
	var out []PeerInfo
	for _, p := range nw.host.Peers() {
		out = append(out, n.peerInfo(p, sessions))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

func (n *Node) peerInfo(p netnode.PeerInfo, sessions map[identity.PublicKey]replicate.SessionState) PeerInfo {
	pi := PeerInfo{
		Device: p.Key.Device(), PeerID: p.PeerID, Addr: p.Addr, Outbound: p.Outbound,
		Transport: p.Transport, Latency: p.Latency, Since: p.Since, Direct: p.Direct,
	}
	if account, ok := n.shownAccount(p.Key); ok {
		pi.Account = account
	}
	pi.Services = n.peerServices(p.Key)
	if s, ok := sessions[p.Key]; ok {
		pi.Sync = &SyncInfo{
			Phase: s.Phase, CaughtUp: s.CaughtUp, LogsWanted: s.LogsWanted,
			EntriesExpected: s.EntriesExpected, EntriesReceived: s.EntriesReceived, EntriesSent: s.EntriesSent,
			BytesIn: s.BytesIn, BytesOut: s.BytesOut, Forks: s.Forks, Revoked: s.Revoked,
		}
	}
	return pi
}

// AddPeer dials a peer by multiaddr (with /p2p/) and keeps it connected:
// it is redialled while apart, also after a restart.
func (n *Node) AddPeer(ctx context.Context, multiaddr string) (PeerInfo, error) {
	nw := n.net.Load()
	if nw == nil {
		return PeerInfo{}, ErrNotServing
	}
	key, err := nw.host.Connect(ctx, multiaddr)
	if errors.Is(err, netnode.ErrBadAddress) {
		return PeerInfo{}, fmt.Errorf("%w: %v", ErrBadAddress, err)
	}
	if err != nil {
		return PeerInfo{}, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	if key == n.device.Public() {
		return PeerInfo{}, fmt.Errorf("%w: that address is this node itself", ErrBadAddress)
	}
	addr := multiaddr
	if i := strings.Index(addr, "/p2p/"); i >= 0 {
		addr = addr[:i]
	}
	nw.host.Keep(key, []string{addr})
	for _, p := range nw.host.Peers() {
		if p.Key == key {
			return n.peerInfo(p, nil), nil
		}
	}
	return PeerInfo{Device: key.Device(), Addr: addr, Outbound: true, Since: time.Now()}, nil
}

// Status reports the node's state: addresses, peers, what it holds and how
// far the sync sessions are.
func (n *Node) Status(ctx context.Context) (Status, error) {
	st := Status{Account: n.account.Account(), Device: n.device.Public().Device(), Serving: n.net.Load() != nil}
	// Counted, not listed: a list of every head held would stay in the
	// store's heads cache while the node idles (BENCHMARKS.md, "Scale",
	// item 7, ninth session).
	logs, entries, err := store.CountHeads(ctx, n.store)
	if err != nil {
		return st, err
	}
	st.Logs, st.Entries = int(logs), entries
	if st.Revoked, err = n.OwnRevocation(ctx); err != nil {
		return st, err
	}
	if st.Copies, err = n.copies(ctx); err != nil {
		return st, err
	}
	nw := n.net.Load()
	if nw == nil {
		return st, nil
	}
	st.Addrs = nw.host.Addrs()
	st.Peers = len(nw.host.Peers())
	st.Hub, st.Warnings = nw.cfg.Hub.On, n.NetworkWarnings()
	st.TURN = n.TURN()
	for _, k := range nw.host.HubSlots() {
		st.HubSlots = append(st.HubSlots, k.Device())
	}
	for _, s := range nw.engine.Sessions() {
		st.Sync.Sessions++
		if s.CaughtUp {
			st.Sync.CaughtUp++
		}
		st.Sync.EntriesExpected += s.EntriesExpected
		st.Sync.EntriesReceived += s.EntriesReceived
		st.Sync.EntriesSent += s.EntriesSent
	}
	bs := nw.blobs.Stats()
	st.Blobs = BlobTotals{Pending: len(nw.blobs.Pending()), Fetched: bs.Fetched, Served: bs.Served, Failed: bs.Failed,
		Busy: bs.Busy, Preempted: bs.Preempted, Throttled: bs.Throttled}
	return st, nil
}
