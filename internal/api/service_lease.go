package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// Leases lists the leases this node asks holders for and those it keeps
// for others (doc/protocol/services.md §9).
func (s *Service) Leases(ctx context.Context) (wire.Leases, error) {
	ls, err := s.n.Leases(ctx)
	if err != nil {
		return wire.Leases{}, err
	}
	out := wire.Leases{Held: heldLeasesOf(ls.Held), Granted: make([]wire.GrantedLease, 0, len(ls.Granted))}
	for _, g := range ls.Granted {
		out.Granted = append(out.Granted, wire.GrantedLease{
			Account: g.Account.String(), Name: s.profileName(ctx, g.Account.Key()), Asker: g.Asker.String(),
			Granted: g.Granted, Until: g.Until, Seconds: g.Seconds, Bytes: g.Bytes, Entries: g.Entries,
			HeldBytes: g.HeldBytes, HeldEntries: g.HeldEntries, Over: g.Over,
		})
	}
	return out, nil
}

// Lease asks the holder at req.Holder to keep this account's logs, now
// and, renewed, from then on. A refusal is hub_refused with its reason;
// the holder stays on the list and is asked again later.
func (s *Service) Lease(ctx context.Context, req wire.LeaseRequest) (wire.HeldLease, error) {
	if req.Holder == "" {
		return wire.HeldLease{}, apiError(wire.CodeBadRequest, "no holder: give the holder's address, /ip4/…/p2p/… (a hub's 'kith status' shows it)")
	}
	if !s.n.Serving() {
		return wire.HeldLease{}, notServing()
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	h, err := s.n.Lease(ctx, req.Holder)
	if err != nil {
		return wire.HeldLease{}, err
	}
	return heldLeaseOf(h), nil
}

// heldLeasesOf converts; never null.
func heldLeasesOf(hs []node.HeldLease) []wire.HeldLease {
	out := make([]wire.HeldLease, 0, len(hs))
	for _, h := range hs {
		out = append(out, heldLeaseOf(h))
	}
	return out
}

func heldLeaseOf(h node.HeldLease) wire.HeldLease {
	return wire.HeldLease{
		Holder: h.Holder.String(), Name: h.Name, Addr: h.Addr, State: h.State, Until: h.Until, RenewAt: h.RenewAt,
		Seconds: h.Seconds, Bytes: h.Bytes, Entries: h.Entries, HeldBytes: h.HeldBytes, HeldEntries: h.HeldEntries,
		Code: h.Code, Reason: h.Reason, Error: h.Error, Next: h.Next,
	}
}

func (s *Server) leases(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.Leases(r.Context())
	return respond(w, v, err)
}

func (s *Server) lease(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	var req wire.LeaseRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	v, err := s.svc.Lease(r.Context(), req)
	return respond(w, v, err)
}

// StopLease stops asking the holder (dev_…) for a lease and answers the
// leases left.
func (s *Service) StopLease(ctx context.Context, holder string) (wire.Leases, error) {
	dev, err := identity.ParseDevice(holder)
	if err != nil {
		return wire.Leases{}, apiError(wire.CodeBadRequest, "holder %q: %v: give the holder's device, dev_… ('kith leases' lists them)", holder, err)
	}
	if !s.n.Serving() {
		return wire.Leases{}, notServing()
	}
	if err := s.n.StopLease(ctx, dev.Key()); err != nil {
		return wire.Leases{}, err
	}
	return s.Leases(ctx)
}

func (s *Server) stopLease(w http.ResponseWriter, r *http.Request, _ url.Values) error {
	v, err := s.svc.StopLease(r.Context(), r.PathValue("holder"))
	return respond(w, v, err)
}
