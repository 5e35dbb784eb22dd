package netnode

import (
	"fmt"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	ma "github.com/multiformats/go-multiaddr"
)

// RelayLimits bound what a host's relay service (Config.RelayService)
// carries for others. Zero fields take the defaults.
type RelayLimits struct {
	// Duration is how long one relayed connection may last before the
	// relay closes it.
	Duration time.Duration
	// Data is how many bytes one relayed connection may carry in each
	// direction before the relay closes it.
	Data int64
	// Circuits is how many relayed connections one account (all its
	// devices together, Config.RelayAccount) may have through the relay
	// at once, either end.
	Circuits int
	// Reservations is how many peers may hold a slot at once.
	Reservations int
}

// The defaults of RelayLimits: large enough to sync through (libp2p's own,
// 2 minutes and 128 KiB, only let two nodes arrange a direct connection).
const (
	DefaultRelayDuration     = time.Hour
	DefaultRelayData         = 1 << 30
	DefaultRelayCircuits     = 16
	DefaultRelayReservations = 1024
)

// Reservations from one address: a household or a community centre
// behind one NAT address shares a hub (see connsPerAddress).
const (
	relayReservationsPerIP  = 64
	relayReservationsPerASN = 256
)

// WithDefaults returns l with its zero fields set to the defaults.
func (l RelayLimits) WithDefaults() RelayLimits {
	setDefault(&l.Duration, DefaultRelayDuration)
	setDefault(&l.Data, DefaultRelayData)
	setDefault(&l.Circuits, DefaultRelayCircuits)
	setDefault(&l.Reservations, DefaultRelayReservations)
	return l
}

// Service returns the relay service with these limits as announced to a
// peer (doc/protocol/services.md §4).
func (l RelayLimits) Service() services.Service {
	l = l.WithDefaults()
	return services.Service{Name: services.Relay, Limits: []services.Limit{
		{Key: services.LimitBytes, Value: uint64(l.Data)},
		{Key: services.LimitSeconds, Value: uint64(l.Duration / time.Second)},
		{Key: services.LimitConnections, Value: uint64(l.Circuits)},
	}}
}

func (l RelayLimits) check() error {
	if l.Duration < time.Second || l.Data < 1 || l.Circuits < 1 || l.Reservations < 1 {
		return fmt.Errorf("netnode: relay limits %v, %d bytes, %d circuits, %d reservations: want at least 1 s and 1 of each", l.Duration, l.Data, l.Circuits, l.Reservations)
	}
	return nil
}

// startRelayService makes the host a circuit relay v2 for others, from
// the start: libp2p's own relay service waits until AutoNAT finds the host
// publicly reachable, which a hub that knows it is need not wait for, and
// which never happens on a LAN or in tests.
func (h *Host) startRelayService(limits RelayLimits, allow func(identity.PublicKey) bool, accountOf func(identity.PublicKey) identity.PublicKey) error {
	limits = limits.WithDefaults()
	if err := limits.check(); err != nil {
		return err
	}
	rc := relay.DefaultResources()
	rc.Limit = &relay.RelayLimit{Duration: limits.Duration, Data: limits.Data}
	rc.MaxCircuits = limits.Circuits
	rc.MaxReservations = limits.Reservations
	rc.MaxReservationsPerIP = relayReservationsPerIP
	rc.MaxReservationsPerASN = relayReservationsPerASN
	h.relaying = newRelayMeter(limits.Duration)
	r, err := relay.New(h.host, relay.WithResources(rc), relay.WithACL(relayACL{h: h, allow: allow, accountOf: accountOf, circuits: limits.Circuits}), relay.WithMetricsTracer(h.relaying))
	if err != nil {
		return fmt.Errorf("netnode: starting the relay service: %w", err)
	}
	h.closers = append(h.closers, r.Close)
	return nil
}

// relayACL admits to the relay the peers allow admits (nil: every peer)
// and not refused: a slot only for them, and connections through the
// relay only to them (anyone may reach a peer that holds a slot: that is
// what the slot is for).
type relayACL struct {
	h         *Host
	allow     func(identity.PublicKey) bool
	accountOf func(identity.PublicKey) identity.PublicKey // nil: count per device (libp2p's own limit)
	circuits  int                                         // per account
}

func (a relayACL) admits(id peer.ID) bool {
	key, err := keyOf(id)
	if err != nil {
		return false
	}
	if _, refused := a.h.penalties.refusedUntil(key); refused {
		return false
	}
	return a.allow == nil || a.allow(key)
}

func (a relayACL) AllowReserve(p peer.ID, _ ma.Multiaddr) bool {
	ok := a.admits(p)
	if !ok {
		a.h.log.Info("relay slot refused: the hub does not serve this peer", "peer", p.String())
	}
	return ok
}

func (a relayACL) AllowConnect(src peer.ID, _ ma.Multiaddr, dest peer.ID) bool {
	key, err := keyOf(src)
	if err != nil {
		return false
	}
	if _, refused := a.h.penalties.refusedUntil(key); refused {
		return false
	}
	if !a.admits(dest) {
		return false
	}
	if why := a.accountFull(src, dest); why != "" {
		a.h.log.Info("relayed connection refused: "+why, "src", src.String(), "dest", dest.String(), "limit", a.circuits)
		return false
	}
	return true
}
