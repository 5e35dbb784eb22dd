package node

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/store"
)

// ConfigFile is the name of the node's configuration file in its home.
const ConfigFile = "config.toml"

// Default ports: 7696 is the number in kith's key derivation path.
const (
	DefaultP2PPort = 7696
	DefaultWSPort  = 7697
	DefaultAPI     = "127.0.0.1:7690"
)

// Config is the node's configuration (doc/config.md). Zero values are
// replaced by the defaults of DefaultConfig.
type Config struct {
	// Listen are the multiaddrs the node listens on.
	Listen []string `toml:"listen"`
	// API is the HOST:PORT of the local HTTP API. Keep it on loopback.
	API string `toml:"api"`
	// Bootstrap are DHT bootstrap peers (multiaddrs with /p2p/).
	Bootstrap []string `toml:"bootstrap"`
	// MDNS finds peers on the local network.
	MDNS *bool `toml:"mdns"`
	// DHT joins kith's private Kademlia DHT.
	DHT *bool `toml:"dht"`
	// DHTServer answers DHT queries from the start, for always-on nodes
	// (hubs) and closed networks; otherwise the node serves the DHT only
	// once AutoNAT finds it reachable from outside.
	DHTServer *bool `toml:"dht_server"`
	// Relay, HolePunching and AutoNAT help nodes behind NAT reach each other.
	Relay        *bool `toml:"relay"`
	HolePunching *bool `toml:"hole_punching"`
	AutoNAT      *bool `toml:"autonat"`
	// BrowserSignalling relays the signalling of browser-to-browser
	// WebRTC for browser peers (netnode.Config.SignalRelay; a hub's relay
	// does it instead) and introduces them to each other
	// (/kith/introduce/1).
	BrowserSignalling *bool `toml:"browser_signalling"`
	// Hops is how many steps beyond the accounts one follows are
	// replicated: 1 also fetches the accounts they follow.
	Hops *int `toml:"hops"`
	// Logs are logs replicated whoever wrote them, as "dev_…/log_…". In
	// a configuration LoadConfig read from its cache (ConfigCacheFile) it
	// is nil and the logs are kept parsed only; setting it replaces them.
	Logs []string `toml:"logs"`
	// ConnLow and ConnHigh are the connection manager's watermarks.
	ConnLow  int `toml:"conn_low"`
	ConnHigh int `toml:"conn_high"`
	// Peers are multiaddrs (with /p2p/) dialled at start and kept connected.
	Peers []string `toml:"peers"`
	// MemoryLimitMB, when above 0, is a soft limit in MiB on the memory
	// Go's runtime uses (`kith serve` sets it; doc/config.md): the
	// collector runs more often near it instead of letting the heap grow
	// to twice what is live. 0: no limit.
	MemoryLimitMB int `toml:"memory_limit_mb"`
	// StrangerWork is the budget, in units a second, that peers the node
	// does not want share for new sync sessions (one unit each) and
	// village requests (doc/network.md, "Strangers' work"). 0: the
	// default, DefaultStrangerWork.
	StrangerWork int `toml:"stranger_work"`
	// Hubs are hubs (multiaddrs with /p2p/) this node keeps connected and
	// holds a relay slot at, so that it is reachable through them from
	// behind NAT (doc/network.md). Needs relay.
	Hubs []string `toml:"hubs"`
	// TURNListen is where the node's STUN and TURN server for browser
	// peers listens, IPv4 IP:PORT (UDP; 0.0.0.0: every IPv4 address of
	// this machine); empty: it runs none (ice.go, doc/protocol/ice.md).
	TURNListen string `toml:"turn_listen"`
	// MetricsListen is where Prometheus metrics are served, HOST:PORT
	// (":PORT": on loopback); empty: nowhere (metrics_config.go).
	MetricsListen string `toml:"metrics_listen"`
	// MetricsPublic allows MetricsListen on an address other than
	// loopback: the metrics have no password.
	MetricsPublic bool `toml:"metrics_public"`
	// LogFormat is "text" (key=value) or "json", one line an event.
	LogFormat string `toml:"log_format"`
	// Hub makes this node a hub for others (the [hub] table).
	Hub HubConfig `toml:"hub"`
	// Leases are holders (multiaddrs with /p2p/) this node asks to keep
	// its account's logs under a data lease, renewed before it ends
	// (doc/protocol/services.md §9; leaseask.go).
	Leases []string `toml:"leases"`
	// Store says where the entries are kept (the [store] table;
	// storeconfig.go).
	Store StoreConfig `toml:"store"`

	parsed *parsedLogs // Logs parsed when read (configcache.go)
}

// MaxStrangerWork is the highest stranger_work.
const MaxStrangerWork = 100000

// MinMemoryLimitMB is the least memory_limit_mb other than 0: below it a
// node collects all the time.
const MinMemoryLimitMB = 32

// DefaultConfig returns the configuration a new home starts with.
func DefaultConfig() Config {
	t, f, one := true, false, scope.DefaultHops
	return Config{
		Listen: []string{
			fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", DefaultP2PPort),
			fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", DefaultP2PPort),
			fmt.Sprintf("/ip4/0.0.0.0/tcp/%d/ws", DefaultWSPort),
			fmt.Sprintf("/ip6/::/tcp/%d", DefaultP2PPort),
			fmt.Sprintf("/ip6/::/udp/%d/quic-v1", DefaultP2PPort),
			fmt.Sprintf("/ip6/::/tcp/%d/ws", DefaultWSPort),
			// WebRTC-direct shares the QUIC port's UDP socket
			// (go-libp2p's quicreuse): browsers dial it with no
			// certificate authority (doc/browser.md).
			fmt.Sprintf("/ip4/0.0.0.0/udp/%d/webrtc-direct", DefaultP2PPort),
			fmt.Sprintf("/ip6/::/udp/%d/webrtc-direct", DefaultP2PPort),
		},
		API:               DefaultAPI,
		Bootstrap:         []string{},
		MDNS:              &t,
		DHT:               &t,
		DHTServer:         &f,
		Relay:             &t,
		HolePunching:      &t,
		AutoNAT:           &t,
		BrowserSignalling: &t,
		Hops:              &one,
		Logs:              []string{},
		ConnLow:           netnode.DefaultConnLow,
		ConnHigh:          netnode.DefaultConnHigh,
		Peers:             []string{},
		StrangerWork:      DefaultStrangerWork,
		Hubs:              []string{},
		LogFormat:         LogText,
		Hub:               defaultHub(),
		Leases:            []string{},
		Store:             defaultStore(),
	}
}

// withDefaults fills the unset fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Listen == nil || isOldDefaultListen(c.Listen) {
		c.Listen = d.Listen
	}
	if c.API == "" {
		c.API = d.API
	}
	for _, p := range []struct{ dst, def **bool }{{&c.MDNS, &d.MDNS}, {&c.DHT, &d.DHT}, {&c.DHTServer, &d.DHTServer}, {&c.Relay, &d.Relay}, {&c.HolePunching, &d.HolePunching}, {&c.AutoNAT, &d.AutoNAT}, {&c.BrowserSignalling, &d.BrowserSignalling}} {
		if *p.dst == nil {
			*p.dst = *p.def
		}
	}
	if c.Hops == nil {
		c.Hops = d.Hops
	}
	if c.ConnLow == 0 {
		c.ConnLow = d.ConnLow
	}
	if c.ConnHigh == 0 {
		c.ConnHigh = d.ConnHigh
	}
	if c.StrangerWork == 0 {
		c.StrangerWork = DefaultStrangerWork
	}
	c.Hub = c.Hub.withDefaults()
	c.Store = c.Store.withDefaults()
	return c
}

// check validates the values that do not need the network to check.
func (c Config) check() error {
	if *c.Hops < 0 || *c.Hops > scope.MaxHops {
		return fmt.Errorf("hops = %d: it must be 0…%d", *c.Hops, scope.MaxHops)
	}
	if c.ConnLow < 1 || c.ConnHigh < c.ConnLow {
		return fmt.Errorf("conn_low = %d, conn_high = %d: need 1 ≤ conn_low ≤ conn_high", c.ConnLow, c.ConnHigh)
	}
	if _, ok := c.cachedLogKeys(); !ok {
		if _, err := c.logKeys(); err != nil {
			return err
		}
	}
	if err := c.checkHubs(); err != nil {
		return err
	}
	if err := c.checkOps(); err != nil {
		return err
	}
	if err := c.checkTURN(); err != nil {
		return err
	}
	if err := c.checkLeaseHubs(); err != nil {
		return err
	}
	if err := c.Store.check(); err != nil {
		return err
	}
	if c.MemoryLimitMB < 0 || c.MemoryLimitMB > 0 && c.MemoryLimitMB < MinMemoryLimitMB {
		return fmt.Errorf("memory_limit_mb = %d: give 0 (no limit) or at least %d", c.MemoryLimitMB, MinMemoryLimitMB)
	}
	if c.StrangerWork < 1 || c.StrangerWork > MaxStrangerWork {
		return fmt.Errorf("stranger_work = %d: give 1…%d units a second (0 for the default, %d)", c.StrangerWork, MaxStrangerWork, DefaultStrangerWork)
	}
	return nil
}

// logKeys parses Logs (or returns them as parsed when the config was
// read from its cache, ConfigCacheFile).
func (c Config) logKeys() ([]store.LogKey, error) {
	if ks, ok := c.cachedLogKeys(); ok {
		return ks, nil
	}
	var out []store.LogKey
	for _, s := range c.Logs {
		k, err := ParseLogKey(s)
		if err != nil {
			return nil, fmt.Errorf("logs: %w", err)
		}
		out = append(out, k)
	}
	return out, nil
}

// ParseLogKey parses a log as AUTHOR/LOG: dev_…/log_… (or acc_…/log_…).
func ParseLogKey(s string) (store.LogKey, error) {
	dev, lg, ok := strings.Cut(s, "/")
	if !ok {
		return store.LogKey{}, fmt.Errorf("%q must be AUTHOR/LOG, e.g. dev_…/log_…", s)
	}
	_, author, err := identity.ParseAny(dev, identity.KindDevice, identity.KindAccount)
	if err != nil {
		return store.LogKey{}, fmt.Errorf("%q: %v", s, err)
	}
	id, err := entry.ParseLogID(lg)
	if err != nil {
		return store.LogKey{}, fmt.Errorf("%q: %v", s, err)
	}
	return store.LogKey{Author: author, LogID: id}, nil
}

// fileSum returns the SHA-256 of the file at path, read in pieces.
func fileSum(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, fmt.Errorf("read %s: %w", path, err)
	}
	h.Sum(sum[:0])
	return sum, nil
}

// configHeader is written above the values of a new config file.
const configHeader = `# kith node configuration (doc/config.md).
# Flags given to 'kith serve' override these values; delete a line to get
# its default back.
`

// LoadConfig reads the home's config file, writing one with the defaults
// first when there is none, and returns it with defaults filled in.
func LoadConfig(home string) (Config, error) {
	path := filepath.Join(home, ConfigFile)
	// The file is hashed as it is read: when the cache holds it, its
	// bytes (130 MB for a million logs) are never held at once.
	sum, err := fileSum(path)
	if errors.Is(err, fs.ErrNotExist) {
		var buf bytes.Buffer
		buf.WriteString(configHeader)
		if err := toml.NewEncoder(&buf).Encode(DefaultConfig()); err != nil {
			return Config{}, err
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			return Config{}, fmt.Errorf("write %s: %w", path, err)
		}
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, err
	}
	if c, ok := readConfigCache(home, sum); ok {
		c = c.withDefaults()
		if err := c.check(); err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	sum = sha256.Sum256(b) // of what is parsed, were the file written meanwhile
	var c Config
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return Config{}, fmt.Errorf("%s: unknown setting %s (see doc/config.md)", path, strings.Join(keys, ", "))
	}
	decoded := c
	keys, err := c.logKeys()
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	c.parsed = &parsedLogs{from: c.Logs, keys: keys}
	c = c.withDefaults()
	if err := c.check(); err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	writeConfigCache(home, sum, decoded, keys)
	return c, nil
}
