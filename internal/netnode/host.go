package netnode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	ma "github.com/multiformats/go-multiaddr"

	dht "github.com/libp2p/go-libp2p-kad-dht"
)

// Host is a running libp2p host keyed by the device key. Its methods are
// safe for concurrent use.
type Host struct {
	host      host.Host
	self      identity.PublicKey
	log       *slog.Logger
	penalties *penalties
	events    *events
	keeper    *keeper
	rejoins   *rejoiner        // redials wanted peers that disconnected (rejoin.go)
	services  *serviceBook     // services offered and announced (services.go)
	hubs      *hubClient       // slots at the configured hubs (hubclient.go); nil without hubs
	punches   *puncher         // hole punches under way and their outcomes (holepunch.go)
	relaying  *relayMeter      // counts of the relay service (metrics.go); nil without it
	signal    *signalSlots     // slots at the signalling relay (signalrelay.go); nil without it
	addrs     *addrBook        // address records, own and peers' (addrrecord.go); nil on the mock network
	dht       *dht.IpfsDHT     // nil when the DHT is off
	providing *providing       // nil when the DHT is off
	providers *cappedProviders // nil when the DHT is off
	pings     bool             // measure latency (not on the mock network)
	admission *admission       // inbound connections of strangers; nil on the mock network
	// listenWarnings: listen ports found in use and replaced by free ones
	// (listenports.go).
	listenWarnings []string
	mdnsErr        error // why mDNS, asked for, does not run (startMDNS); nil if it runs or was not asked for

	wantMu sync.Mutex
	wanted map[string]map[identity.PublicKey]bool // Want's sets by tag

	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	spawnMu sync.Mutex
	closing bool           // set by Close; guarded by spawnMu
	wg      sync.WaitGroup // the host's goroutines, started by spawn

	closers   []func() error // run by Close, last first, after the goroutines stop
	closeOnce sync.Once
	closeErr  error
}

// New starts a host for cfg: it listens, starts the DHT and mDNS if asked,
// and starts redialling the peers kept in cfg.DataDir. ctx bounds the
// start-up only; the host runs until Close.
func New(ctx context.Context, cfg Config) (*Host, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var listenWarnings []string
	cfg.Listen, listenWarnings = ownListenPorts(cfg.Listen)
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("netnode: creating the data directory: %w", err)
		}
	}
	sk, err := libp2pKey(cfg.Key)
	if err != nil {
		return nil, err
	}
	bootstrap, err := parseBootstrap(cfg.Bootstrap)
	if err != nil {
		return nil, err
	}
	pen := newPenalties(cfg.PenaltyBase, cfg.PenaltyMax, time.Now)
	adm := newAdmission(strangerConns(systemConns(cfg.ConnHigh)))
	hubs, err := parseHubs(cfg.Hubs)
	if err != nil {
		return nil, err
	}
	var hc atomic.Pointer[hubClient]
	hubAddrs := func() []ma.Multiaddr {
		if c := hc.Load(); c != nil {
			return c.addrs()
		}
		return nil
	}
	opts, release, err := libp2pOptions(cfg, sk, bootstrap, &gater{penalties: pen, admission: adm}, hubAddrs)
	if err != nil {
		return nil, err
	}
	lh, err := libp2p.New(opts...)
	if err != nil {
		release()
		return nil, fmt.Errorf("netnode: starting libp2p: %w", err)
	}
	h, err := assemble(lh, cfg, pen, keptPeersPath(cfg.DataDir), true, adm)
	if err != nil {
		return nil, errors.Join(err, lh.Close())
	}
	h.listenWarnings = listenWarnings
	for _, w := range listenWarnings {
		h.log.Warn(w)
	}
	if cfg.RelayService {
		if err := h.startRelayService(cfg.RelayLimits, cfg.RelayAllow, cfg.RelayAccount); err != nil {
			return nil, errors.Join(err, h.Close())
		}
	} else if cfg.SignalRelay {
		if err := h.startSignalRelay(nil); err != nil {
			return nil, errors.Join(err, h.Close())
		}
	}
	if cfg.DHT {
		if err := h.startDHT(ctx, cfg, bootstrap); err != nil {
			return nil, errors.Join(err, h.Close())
		}
	}
	if cfg.MDNS {
		h.startMDNS()
	}
	h.keeper.start()
	if len(hubs) > 0 {
		h.hubs = newHubClient(h, hubs)
		hc.Store(h.hubs)
		h.hubs.start()
	}
	h.startAddrRecords(cfg.Key, cfg.DataDir)
	return h, nil
}

// assemble wraps a started libp2p host: events, pings (if pings), kept
// peers and the admission of inbound connections (adm, nil for none). The
// kept peers are loaded from keptPath ("" keeps them in memory only) but
// not dialled until keeper.start.
func assemble(lh host.Host, cfg Config, pen *penalties, keptPath string, pings bool, adm *admission) (*Host, error) {
	self, err := keyOf(lh.ID())
	if err != nil {
		return nil, fmt.Errorf("netnode: the host's own identity: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{
		host:      lh,
		self:      self,
		log:       cfg.Logger,
		penalties: pen,
		pings:     pings,
		admission: adm,
		wanted:    map[string]map[identity.PublicKey]bool{},
		ctx:       ctx,
		cancel:    cancel,
	}
	h.closers = append(h.closers, lh.Close)
	h.keeper, err = newKeeper(h, keptPath, cfg.RedialMin, cfg.RedialMax)
	if err != nil {
		cancel()
		return nil, err
	}
	if adm != nil {
		adm.attach(h)
	}
	h.events, err = startEvents(h)
	if err != nil {
		cancel()
		return nil, err
	}
	h.rejoins = newRejoiner(h)
	h.Subscribe(h.rejoins.event)
	h.startServices()
	h.startPunch()
	h.Subscribe(h.upgradeEvent)
	if pings {
		h.spawn(h.pingLoop)
	}
	return h, nil
}

// spawn runs fn in a goroutine that Close waits for, unless Close has
// begun; it reports whether fn runs.
func (h *Host) spawn(fn func()) bool {
	h.spawnMu.Lock()
	defer h.spawnMu.Unlock()
	if h.closing {
		return false
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		fn()
	}()
	return true
}

// Close stops the host: it saves the kept peers' addresses, stops the DHT,
// mDNS and every goroutine, closes all connections and the datastore.
// Calling it again returns the first call's result.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.cancel()
		h.spawnMu.Lock()
		h.closing = true
		h.spawnMu.Unlock()
		errs := []error{h.keeper.stop()}
		h.events.stop()
		h.wg.Wait()
		for i := len(h.closers) - 1; i >= 0; i-- {
			errs = append(errs, h.closers[i]())
		}
		if err := errors.Join(errs...); err != nil {
			h.closeErr = fmt.Errorf("netnode: closing the host: %w", err)
		}
	})
	return h.closeErr
}

// PeerID returns the host's libp2p peer id in text form.
func (h *Host) PeerID() string { return h.host.ID().String() }

// Key returns the host's public key (the device key).
func (h *Host) Key() identity.PublicKey { return h.self }

// Addrs returns the host's listen addresses, each ending in /p2p/<peer id>:
// loopback, LAN and, once known, public and relay addresses.
func (h *Host) Addrs() []string {
	addrs := h.host.Addrs()
	if all, ok := h.host.(interface{ AllAddrs() []ma.Multiaddr }); ok {
		addrs = ma.Unique(append(all.AllAddrs(), addrs...))
	}
	suffix := "/p2p/" + h.host.ID().String()
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String()+suffix)
	}
	return out
}

// clearDialBackoff forgets libp2p's own dial back-off for id, so that an
// explicit or scheduled redial is not refused because earlier dials failed:
// kith decides itself when to redial.
func (h *Host) clearDialBackoff(id peer.ID) {
	if sw, ok := h.host.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(id)
	}
}

var _ io.Closer = (*Host)(nil)
