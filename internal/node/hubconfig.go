package node

import (
	"fmt"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// HubConfig is the [hub] table of config.toml (doc/config.md): whether
// this node is a hub, whom it serves and within which limits.
type HubConfig struct {
	// On makes the node a hub (kith serve --hub): it serves circuit relay
	// v2 to the accounts Serve names and announces it to them.
	On bool `toml:"on"`
	// Serve is whom the hub serves: "everyone", "locals" (the locals of
	// the villages the node takes part in) or "accounts" (Accounts).
	Serve string `toml:"serve"`
	// Accounts are the accounts served with Serve = "accounts", as acc_….
	Accounts []string `toml:"accounts"`
	// RelayMinutes, RelayMB and RelayConnections bound one relayed
	// connection's time and bytes (each way) and a device's relayed
	// connections at once; RelaySlots the devices holding a slot at once.
	RelayMinutes     int `toml:"relay_minutes"`
	RelayMB          int `toml:"relay_mb"`
	RelayConnections int `toml:"relay_connections"`
	RelaySlots       int `toml:"relay_slots"`
	// HeadsLogs is the most logs one head-tracking request may name
	// (doc/protocol/services.md §6): 1…1024.
	HeadsLogs int `toml:"heads_logs"`
	// HubLease: data leases (leaseconfig.go).
	HubLease
}

// Whom a hub serves.
const (
	HubServeEveryone = "everyone"
	HubServeLocals   = "locals"
	HubServeAccounts = "accounts"
)

// defaultHub is the [hub] table of a new config file: off, and the
// relay limits of netnode's defaults.
func defaultHub() HubConfig {
	return HubConfig{
		Serve:            HubServeEveryone,
		Accounts:         []string{},
		RelayMinutes:     int(netnode.DefaultRelayDuration / time.Minute),
		RelayMB:          netnode.DefaultRelayData >> 20,
		RelayConnections: netnode.DefaultRelayCircuits,
		RelaySlots:       netnode.DefaultRelayReservations,
		HeadsLogs:        services.MaxHeadsLogs,
		HubLease:         HubLease{}.withDefaults(),
	}
}

// withDefaults fills the unset fields of h from defaultHub.
func (h HubConfig) withDefaults() HubConfig {
	d := defaultHub()
	if h.Serve == "" {
		h.Serve = d.Serve
	}
	if h.Accounts == nil {
		h.Accounts = d.Accounts
	}
	for _, p := range []struct {
		dst *int
		def int
	}{{&h.RelayMinutes, d.RelayMinutes}, {&h.RelayMB, d.RelayMB}, {&h.RelayConnections, d.RelayConnections}, {&h.RelaySlots, d.RelaySlots}, {&h.HeadsLogs, d.HeadsLogs}} {
		if *p.dst == 0 {
			*p.dst = p.def
		}
	}
	h.HubLease = h.HubLease.withDefaults()
	return h
}

// check validates the table.
func (h HubConfig) check() error {
	switch h.Serve {
	case HubServeEveryone, HubServeLocals:
		if len(h.Accounts) > 0 {
			return fmt.Errorf("hub.accounts is set but hub.serve = %q: set hub.serve = %q to serve only those accounts", h.Serve, HubServeAccounts)
		}
	case HubServeAccounts:
		if len(h.Accounts) == 0 {
			return fmt.Errorf("hub.serve = %q but hub.accounts is empty: list the accounts (acc_…) to serve", HubServeAccounts)
		}
	default:
		return fmt.Errorf("hub.serve = %q: give %q, %q or %q", h.Serve, HubServeEveryone, HubServeLocals, HubServeAccounts)
	}
	if _, err := h.accounts(); err != nil {
		return err
	}
	for _, v := range []struct {
		name string
		v    int
	}{{"relay_minutes", h.RelayMinutes}, {"relay_mb", h.RelayMB}, {"relay_connections", h.RelayConnections}, {"relay_slots", h.RelaySlots}, {"heads_logs", h.HeadsLogs}} {
		if v.v < 1 {
			return fmt.Errorf("hub.%s = %d: it must be at least 1", v.name, v.v)
		}
	}
	if h.HeadsLogs > services.MaxHeadsLogs {
		return fmt.Errorf("hub.heads_logs = %d: at most %d (doc/protocol/services.md §6)", h.HeadsLogs, services.MaxHeadsLogs)
	}
	return h.HubLease.check()
}

// accounts parses Accounts.
func (h HubConfig) accounts() (map[identity.PublicKey]bool, error) {
	out := make(map[identity.PublicKey]bool, len(h.Accounts))
	for _, s := range h.Accounts {
		_, key, err := identity.ParseAny(s, identity.KindAccount)
		if err != nil {
			return nil, fmt.Errorf("hub.accounts: %q: %v", s, err)
		}
		out[key] = true
	}
	return out, nil
}

// relayLimits are the relay service's limits.
func (h HubConfig) relayLimits() netnode.RelayLimits {
	return netnode.RelayLimits{
		Duration:     time.Duration(h.RelayMinutes) * time.Minute,
		Data:         int64(h.RelayMB) << 20,
		Circuits:     h.RelayConnections,
		Reservations: h.RelaySlots,
	}
}

// checkHubs checks the hubs and the [hub] table.
func (c Config) checkHubs() error {
	if len(c.Hubs) > 0 && c.Relay != nil && !*c.Relay {
		return fmt.Errorf("hubs are set but relay = false: a slot at a hub is a relay reservation; set relay = true (or drop --no-nat)")
	}
	for i, a := range c.Hubs {
		if _, _, err := netnode.ParsePeerAddr(a); err != nil {
			return fmt.Errorf("hub %d: %w", i+1, err)
		}
	}
	return c.Hub.check()
}
