package api

import (
	"context"
	"errors"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// NewPairing makes a pairing code (see node.Node.NewPairing).
func (s *Service) NewPairing(_ context.Context, req wire.PairingRequest) (wire.Pairing, error) {
	ttl := req.TTLSeconds
	if ttl == 0 {
		ttl = wire.DefaultPairingTTL
	}
	if ttl < wire.MinPairingTTL || ttl > wire.MaxPairingTTL {
		return wire.Pairing{}, apiError(wire.CodeBadRequest, "ttl_seconds %d is not between %d (1 minute) and %d (1 hour)", req.TTLSeconds, wire.MinPairingTTL, wire.MaxPairingTTL)
	}
	if !s.n.Serving() {
		return wire.Pairing{}, notServing()
	}
	auth, err := phraseAuth(req.PhraseAuth)
	if err != nil {
		return wire.Pairing{}, err
	}
	p, err := s.n.NewPairing(time.Duration(ttl)*time.Second, auth)
	if err != nil {
		return wire.Pairing{}, pairError(err)
	}
	addrs := p.Addrs
	if addrs == nil {
		addrs = []string{}
	}
	svg, _ := qrSVG(p.Code) // a code too long to draw still works typed
	return wire.Pairing{ID: p.ID, Code: p.Code, Account: p.Account.String(), Device: p.Device.String(), Addrs: addrs, Expires: p.Expires.UTC(), QRSVG: svg}, nil
}

// PairingStatus says what became of a pairing code; with wait > 0 it
// answers once the status changes, or after wait. A code no longer
// pending (used, expired, void, cancelled) changes no more: it is answered
// at once (a page that asked again just after its last answer learnt the
// device had joined only when its wait ran out, 10 s later).
func (s *Service) PairingStatus(ctx context.Context, id string, wait time.Duration) (wire.PairingStatus, error) {
	st, err := s.n.PairingStatus(id)
	if err == nil && wait > 0 && st.State == node.PairPending {
		wctx, cancel := context.WithTimeout(ctx, wait)
		st, err = s.n.WaitPairing(wctx, id, st)
		cancel()
	}
	if err != nil {
		return wire.PairingStatus{}, pairError(err)
	}
	return pairingStatusOf(st), nil
}

// CancelPairing voids a pending pairing code and returns its status.
func (s *Service) CancelPairing(_ context.Context, id string) (wire.PairingStatus, error) {
	if err := s.n.CancelPairing(id); err != nil {
		return wire.PairingStatus{}, pairError(err)
	}
	st, err := s.n.PairingStatus(id)
	if err != nil {
		return wire.PairingStatus{}, pairError(err)
	}
	return pairingStatusOf(st), nil
}

func pairingStatusOf(st node.PairingStatus) wire.PairingStatus {
	out := wire.PairingStatus{
		ID: st.ID, State: string(st.State), Expires: st.Expires.UTC().Truncate(time.Second),
		InUse: st.InUse, Failures: st.Failures, AttemptsLeft: st.AttemptsLeft,
		Name: st.Name, Cert: st.Cert,
	}
	if st.State == node.PairUsed {
		out.Device = st.Device.String()
	}
	return out
}

// pairError gives the node's pairing errors their API codes.
func pairError(err error) error {
	switch {
	case errors.Is(err, node.ErrNoPairing):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrTooManyPairings):
		return withCode(wire.CodeConflict, err)
	}
	return err
}
