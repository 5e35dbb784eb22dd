package netnode

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

// Config configures a Host. The zero value of every field but Key is a usable
// default; the defaults are explained in doc/network.md.
type Config struct {
	// Key is the device key; it is also the host's libp2p identity.
	Key identity.PrivateKey

	// Listen are the multiaddrs to listen on. Nil means DefaultListen.
	Listen []string

	// DataDir holds persistent state: the DHT datastore and the kept peers.
	// It is created with mode 0700. Empty means nothing is persisted (the
	// DHT keeps its records in memory and kept peers are forgotten on Close).
	DataDir string

	// Bootstrap are the DHT bootstrap peers, as multiaddrs ending in
	// /p2p/<peer id>. With Relay, they are also the static relays tried when
	// this host is not reachable directly (only a bootstrap peer that serves
	// relay, a hub, gives a slot; Hubs reserves from the start).
	Bootstrap []string

	// MDNS turns on peer discovery on the LAN by multicast DNS.
	MDNS bool

	// DHT turns on the private Kademlia DHT (protocol prefix "/kith").
	DHT bool

	// DHTServer makes the DHT answer queries from the start instead of
	// waiting until AutoNAT has found this host publicly reachable (mode
	// auto). For hubs and for tests on loopback.
	DHTServer bool

	// Relay turns on the circuit relay v2 client: dialling through relays
	// and, when this host is not reachable, reserving a slot on one of the
	// Bootstrap peers.
	Relay bool

	// MaxProviderRecordsPerPeer and MaxProviderRecords cap the DHT provider
	// records this host keeps for other peers: per peer (a peer that sends
	// more is penalised) and in all (further records are refused until old
	// ones expire). Zero means DefaultMaxProviderRecordsPerPeer and
	// DefaultMaxProviderRecords.
	MaxProviderRecordsPerPeer, MaxProviderRecords int

	// RelayService offers circuit relay v2 to other peers (hubs), from
	// the start, within RelayLimits, to the peers RelayAllow admits.
	RelayService bool

	// SignalRelay, when RelayService is off, offers a circuit relay v2
	// service only for the signalling of browser-to-browser WebRTC: slots
	// only for peers connected over WebSocket or WebRTC-direct and not
	// refused for misbehaviour, within the Signal* limits
	// (signalrelay.go, doc/browser.md).
	SignalRelay bool

	// RelayLimits bound the relay service; zero fields take the defaults
	// (DefaultRelayDuration, …).
	RelayLimits RelayLimits

	// RelayAllow, if set, says which peers may hold a slot at the relay
	// service (and so be reached through it); nil admits every peer. It
	// runs in the relay's stream handler and may take a few seconds.
	RelayAllow func(identity.PublicKey) bool

	// RelayAccount, if set, returns the account of a device, so that the
	// relay service counts relayed connections per account
	// (RelayLimits.Circuits for all its devices together); a device whose
	// account is not known counts as an account of its own. nil counts
	// per device. It runs in the relay's stream handler and may take a
	// few seconds.
	RelayAccount func(identity.PublicKey) identity.PublicKey

	// Hubs are relays (multiaddrs ending in /p2p/<id>) this host keeps
	// connected and holds a slot at from the start, without waiting for
	// AutoNAT: their circuit addresses are among Addrs. Needs Relay.
	Hubs []string

	// HolePunch turns on direct connection upgrade through relays (DCUtR).
	HolePunch bool

	// AutoNAT turns on AutoNAT v2 (client and server) and the AutoNAT v1
	// service, so that peers learn whether they are reachable.
	AutoNAT bool

	// ConnLow and ConnHigh are the connection manager's watermarks: above
	// ConnHigh connections, unprotected ones are trimmed down to ConnLow.
	// Zero means DefaultConnLow and DefaultConnHigh.
	ConnLow, ConnHigh int

	// RedialMin and RedialMax bound the back-off between redials of a kept
	// peer. Zero means DefaultRedialMin and DefaultRedialMax.
	RedialMin, RedialMax time.Duration

	// PenaltyBase and PenaltyMax bound how long a penalised peer is refused:
	// PenaltyBase at the first penalty, doubling with every repeat, at most
	// PenaltyMax. Zero means DefaultPenaltyBase and DefaultPenaltyMax.
	PenaltyBase, PenaltyMax time.Duration

	// Logger receives the host's own log lines. Nil means no logging.
	// libp2p's internal logs stay quiet unless GOLOG_LOG_LEVEL is set.
	Logger *slog.Logger
}

// Defaults used for the zero values of Config. doc/network.md explains them.
const (
	DefaultConnLow     = 100
	DefaultConnHigh    = 200
	DefaultRedialMin   = time.Second
	DefaultRedialMax   = 5 * time.Minute
	DefaultPenaltyBase = time.Minute
	DefaultPenaltyMax  = time.Hour
)

// DefaultListen are the listen addresses used when Config.Listen is nil:
// TCP, QUIC and WebSocket on every IPv4 and IPv6 interface, on ports chosen
// by the system.
var DefaultListen = []string{
	"/ip4/0.0.0.0/tcp/0",
	"/ip4/0.0.0.0/udp/0/quic-v1",
	"/ip4/0.0.0.0/tcp/0/ws",
	"/ip6/::/tcp/0",
	"/ip6/::/udp/0/quic-v1",
	"/ip6/::/tcp/0/ws",
}

// withDefaults returns cfg with its zero values replaced by the defaults, or
// an error naming the first field that is unusable.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Key.IsZero() {
		return cfg, errors.New("netnode: Config.Key is unset: the host needs the device key")
	}
	if cfg.Listen == nil {
		cfg.Listen = append([]string(nil), DefaultListen...)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	setDefault(&cfg.ConnLow, DefaultConnLow)
	setDefault(&cfg.ConnHigh, DefaultConnHigh)
	setDefault(&cfg.RedialMin, DefaultRedialMin)
	setDefault(&cfg.RedialMax, DefaultRedialMax)
	setDefault(&cfg.PenaltyBase, DefaultPenaltyBase)
	setDefault(&cfg.PenaltyMax, DefaultPenaltyMax)
	setDefault(&cfg.MaxProviderRecordsPerPeer, DefaultMaxProviderRecordsPerPeer)
	setDefault(&cfg.MaxProviderRecords, DefaultMaxProviderRecords)
	switch {
	case cfg.ConnLow < 0 || cfg.ConnHigh < cfg.ConnLow:
		return cfg, fmt.Errorf("netnode: connection watermarks low %d, high %d: want 0 <= low <= high", cfg.ConnLow, cfg.ConnHigh)
	case cfg.RedialMin < 0 || cfg.RedialMax < cfg.RedialMin:
		return cfg, fmt.Errorf("netnode: redial back-off %v to %v: want 0 <= min <= max", cfg.RedialMin, cfg.RedialMax)
	case cfg.MaxProviderRecordsPerPeer < 0 || cfg.MaxProviderRecords < 0:
		return cfg, fmt.Errorf("netnode: provider record caps %d per peer, %d in all: want 0 or more", cfg.MaxProviderRecordsPerPeer, cfg.MaxProviderRecords)
	case cfg.PenaltyBase < 0 || cfg.PenaltyMax < cfg.PenaltyBase:
		return cfg, fmt.Errorf("netnode: penalty back-off %v to %v: want 0 <= base <= max", cfg.PenaltyBase, cfg.PenaltyMax)
	}
	return cfg, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
