package node

import (
	"fmt"

	"github.com/kithnet/kith/internal/lease"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/services"
)

// HubLease is the lease part of the [hub] table (doc/config.md): whether
// the node keeps other accounts' logs under data leases
// (doc/protocol/services.md §9), and within which limits per account.
type HubLease struct {
	// Lease offers data leases to the accounts Serve names.
	Lease bool `toml:"lease"`
	// LeaseMB and LeaseEntries bound what the hub keeps of one account;
	// LeaseSeconds is the longest lease it grants; LeaseAccounts the most
	// accounts it keeps leases for at once.
	LeaseMB       int `toml:"lease_mb"`
	LeaseEntries  int `toml:"lease_entries"`
	LeaseSeconds  int `toml:"lease_seconds"`
	LeaseAccounts int `toml:"lease_accounts"`
}

// Defaults of the lease settings.
const (
	DefaultLeaseMB       = 1024
	DefaultLeaseEntries  = 1_000_000
	DefaultLeaseSeconds  = 30 * 24 * 3600
	DefaultLeaseAccounts = 64
)

// withDefaults fills the unset lease settings.
func (h HubLease) withDefaults() HubLease {
	for _, p := range []struct {
		dst *int
		def int
	}{{&h.LeaseMB, DefaultLeaseMB}, {&h.LeaseEntries, DefaultLeaseEntries}, {&h.LeaseSeconds, DefaultLeaseSeconds}, {&h.LeaseAccounts, DefaultLeaseAccounts}} {
		if *p.dst == 0 {
			*p.dst = p.def
		}
	}
	return h
}

// check validates the lease settings.
func (h HubLease) check() error {
	for _, v := range []struct {
		name string
		v    int
	}{{"lease_mb", h.LeaseMB}, {"lease_entries", h.LeaseEntries}, {"lease_seconds", h.LeaseSeconds}, {"lease_accounts", h.LeaseAccounts}} {
		if v.v < 1 {
			return fmt.Errorf("hub.%s = %d: it must be at least 1", v.name, v.v)
		}
	}
	if uint64(h.LeaseSeconds) > services.MaxLeaseSeconds {
		return fmt.Errorf("hub.lease_seconds = %d: at most %d", h.LeaseSeconds, uint64(services.MaxLeaseSeconds))
	}
	return nil
}

// limits are the per-account limits of the leases granted.
func (h HubLease) limits() lease.Limits {
	return lease.Limits{Bytes: uint64(h.LeaseMB) << 20, Entries: uint64(h.LeaseEntries), Seconds: uint64(h.LeaseSeconds), Accounts: h.LeaseAccounts}
}

// leaseService is the lease service with its limits as announced.
func (h HubLease) leaseService() services.Service {
	l := h.limits()
	return services.Service{Name: services.Lease, Limits: []services.Limit{
		{Key: services.LimitBytes, Value: l.Bytes},
		{Key: services.LimitSeconds, Value: l.Seconds},
		{Key: services.LimitEntries, Value: l.Entries},
	}}
}

// checkLeaseHubs checks the leases setting: holders to ask, as multiaddrs
// with /p2p/.
func (c Config) checkLeaseHubs() error {
	for i, a := range c.Leases {
		if _, _, err := netnode.ParsePeerAddr(a); err != nil {
			return fmt.Errorf("leases: holder %d: %w", i+1, err)
		}
	}
	return nil
}
