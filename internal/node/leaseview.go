package node

import (
	"context"
	"sort"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/lease"
)

// The states of a lease this node asks for.
const (
	LeaseHeld    = "held"    // granted, and its period runs by this node's clock
	LeaseRefused = "refused" // no lease runs; the holder's last answer was a refusal
	LeaseFailing = "failing" // no lease runs; the holder could not be asked
	LeaseAsking  = "asking"  // not answered yet
)

// HeldLease is a lease this node asks a holder for: shown under "copies"
// beside the account's own devices.
type HeldLease struct {
	Holder identity.DeviceID `json:"holder"`
	Name   string            `json:"name,omitempty"` // the holder's device name, when its certificate is held
	Addr   string            `json:"addr,omitempty"`
	State  string            `json:"state"`
	// Until and RenewAt are this node's clock: the end of the lease,
	// measured from when the request was sent, and when it is renewed.
	Until   time.Time `json:"until,omitzero"`
	RenewAt time.Time `json:"renew_at,omitzero"`
	// Seconds, Bytes and Entries are what the holder granted; HeldBytes
	// and HeldEntries what it said it held of the account then.
	Seconds     uint64 `json:"seconds,omitempty"`
	Bytes       uint64 `json:"bytes,omitempty"`
	Entries     uint64 `json:"entries,omitempty"`
	HeldBytes   uint64 `json:"held_bytes,omitempty"`
	HeldEntries uint64 `json:"held_entries,omitempty"`
	// Code and Reason are the holder's last refusal (a lease may still
	// run while its renewal is refused); Error the last failure to ask.
	Code   uint64 `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
	// Next is when this node asks the holder again.
	Next time.Time `json:"next,omitzero"`
}

// GrantedLease is a lease this node keeps for another account.
type GrantedLease struct {
	Account identity.AccountID `json:"account"`
	Asker   identity.DeviceID  `json:"asker"`
	// Granted and Until are this node's clock.
	Granted     time.Time `json:"granted"`
	Until       time.Time `json:"until"`
	Seconds     uint64    `json:"seconds"`
	Bytes       uint64    `json:"bytes"`
	Entries     uint64    `json:"entries"`
	HeldBytes   uint64    `json:"held_bytes"`
	HeldEntries uint64    `json:"held_entries"`
	// Over says why the lease is over its limits: the node takes no new
	// entries of the account ("" while within).
	Over string `json:"over,omitempty"`
}

// Leases are the leases this node asks others for (Held) and keeps for
// others (Granted).
type Leases struct {
	Held    []HeldLease    `json:"held"`
	Granted []GrantedLease `json:"granted"`
}

// heldLease describes h at now.
func (n *Node) heldLease(ctx context.Context, h askedLease, now time.Time) HeldLease {
	out := HeldLease{Holder: h.Holder.Device(), Addr: h.Addr, Error: h.Error, Next: h.Next, State: LeaseAsking}
	if d, err := n.store.AccountOf(ctx, h.Holder); err == nil {
		out.Name = d.Name
	}
	if h.Refused != nil {
		out.Code, out.Reason = h.Refused.Code, h.Refused.Reason
	}
	switch {
	case h.Lease != nil && lease.End(h.Sent, h.Lease.Seconds).After(now):
		out.State = LeaseHeld
	case h.Refused != nil:
		out.State = LeaseRefused
	case h.Error != "":
		out.State = LeaseFailing
	}
	if l := h.Lease; l != nil {
		out.Until, out.RenewAt = lease.End(h.Sent, l.Seconds), lease.RenewAt(h.Sent, l.Seconds)
		out.Seconds, out.Bytes, out.Entries, out.HeldBytes, out.HeldEntries = l.Seconds, l.Bytes, l.Entries, l.HeldBytes, l.HeldEntries
	}
	return out
}

// Leases returns the leases this node asks for and keeps, from the
// running network or, when it does not run, from the home's files.
func (n *Node) Leases(ctx context.Context) (Leases, error) {
	var hold *leaseHolder
	var ask *leaseAsker
	if nw := n.net.Load(); nw != nil && nw.lease != nil {
		hold, ask = nw.lease.hold, nw.lease.ask
	} else {
		var err error
		if hold, err = loadLeaseHolder(n.home); err != nil {
			return Leases{}, err
		}
		if ask, err = loadLeaseAsker(n.home); err != nil {
			return Leases{}, err
		}
	}
	now := time.Now()
	out := Leases{Held: []HeldLease{}, Granted: []GrantedLease{}}
	ask.mu.Lock()
	asked := make([]askedLease, 0, len(ask.held))
	for _, h := range ask.held {
		asked = append(asked, *h)
	}
	ask.mu.Unlock()
	for _, h := range asked {
		out.Held = append(out.Held, n.heldLease(ctx, h, now))
	}
	sort.Slice(out.Held, func(i, j int) bool { return out.Held[i].Holder.String() < out.Held[j].Holder.String() })
	hold.mu.Lock()
	for _, g := range hold.book.List() {
		out.Granted = append(out.Granted, GrantedLease{
			Account: g.Account.Account(), Asker: g.Asker.Device(), Granted: g.Granted, Until: g.Until,
			Seconds: g.Seconds, Bytes: g.Bytes, Entries: g.Entries, HeldBytes: g.Held.Bytes, HeldEntries: g.Held.Entries, Over: g.Over,
		})
	}
	hold.mu.Unlock()
	return out, nil
}
