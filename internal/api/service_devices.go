package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// Devices lists the devices of the node's account, revoked ones too.
func (s *Service) Devices(ctx context.Context) (wire.DeviceList, error) {
	devs, err := s.n.Devices(ctx)
	if err != nil {
		return wire.DeviceList{}, err
	}
	custody, err := s.n.DeviceCustody(ctx, devs)
	if err != nil {
		return wire.DeviceList{}, err
	}
	out := wire.DeviceList{Account: s.n.Account().String(), Devices: []wire.Device{}}
	for _, d := range devs {
		j := wire.Device{
			ID:         d.Device.Device().String(),
			Name:       d.Name,
			Revoked:    d.Revoked,
			ThisDevice: d.Device == s.n.Device().Key(),
			Cert:       d.Cert.String(),
			AccountKey: custody[d.Device].String(),
		}
		if d.Revoked {
			j.RevokedBy = d.RevokedBy.String()
		}
		out.Devices = append(out.Devices, j)
	}
	return out, nil
}

// RevokeDevice revokes one of the account's devices (see
// node.Node.RevokeDevice).
func (s *Service) RevokeDevice(ctx context.Context, deviceText string, req wire.RevokeRequest) (wire.Revoked, error) {
	dev, err := identity.ParseDevice(deviceText)
	if err != nil {
		return wire.Revoked{}, apiError(wire.CodeBadRequest, "device: %v", err)
	}
	auth, err := phraseAuth(req.PhraseAuth)
	if err != nil {
		return wire.Revoked{}, err
	}
	e, err := s.n.RevokeDevice(ctx, dev.Key(), req.Reason, auth)
	if err != nil {
		return wire.Revoked{}, s.revokeError(ctx, dev, err)
	}
	out := wire.Revoked{ID: e.ID.String(), Device: dev.String(), Revoked: true}
	if p, err := content.Decode(e.Payload); err == nil {
		if r, ok := p.(*content.DeviceRevoke); ok {
			out.KeptLogs = len(r.KeepAt)
			for _, k := range r.KeepAt {
				out.KeptEntries += k.Seq
			}
		}
	}
	return out, nil
}

// RemoveAccountKey deletes the account key from this device, once the
// request shows the recovery phrase is at hand (see
// node.Node.RemoveAccountKey).
func (s *Service) RemoveAccountKey(ctx context.Context, req wire.AccountKeyRemove) (wire.AccountKeyRemoved, error) {
	if req.Phrase == "" {
		return wire.AccountKeyRemoved{}, apiError(wire.CodeBadRequest, "type your recovery phrase to remove the account key: it is then the only way to certify or revoke devices")
	}
	auth, err := phraseAuth(req.PhraseAuth)
	if err != nil {
		return wire.AccountKeyRemoved{}, err
	}
	if !s.n.HoldsAccountKey() {
		return wire.AccountKeyRemoved{}, apiError(wire.CodeConflict, "this device does not hold the account key; nothing to remove")
	}
	if err := s.n.RemoveAccountKey(ctx, *auth); err != nil {
		if errors.Is(err, node.ErrWrongPhrase) {
			return wire.AccountKeyRemoved{}, withCode(wire.CodeBadRequest, err)
		}
		return wire.AccountKeyRemoved{}, err
	}
	return wire.AccountKeyRemoved{Removed: true, Device: s.n.Device().String()}, nil
}

// phraseAuth parses a recovery phrase given for one operation; nil when
// none is given.
func phraseAuth(a wire.PhraseAuth) (*node.PhraseAuth, error) {
	if a.Phrase == "" {
		return nil, nil
	}
	p, err := identity.ParsePhrase(a.Phrase)
	if err != nil {
		return nil, apiError(wire.CodeBadRequest, "recovery phrase: %v", err)
	}
	return &node.PhraseAuth{Phrase: p, PhrasePassphrase: a.PhrasePassphrase}, nil
}

// revokeError gives a refused revocation its code, keeping the node's
// message: not_found for a device not known here, conflict when the
// device's state refuses it (this device, another account's, revoked).
func (s *Service) revokeError(ctx context.Context, dev identity.DeviceID, err error) error {
	if errors.Is(err, node.ErrNoAccountKey) {
		return err
	}
	if errors.Is(err, node.ErrWrongPhrase) {
		return withCode(wire.CodeBadRequest, err)
	}
	if dev.Key() == s.n.Device().Key() {
		return withCode(wire.CodeConflict, err)
	}
	d, aerr := s.n.Store().AccountOf(ctx, dev.Key())
	switch {
	case errors.Is(aerr, store.ErrNotFound):
		return withCode(wire.CodeNotFound, err)
	case aerr == nil && (d.Revoked || d.Account != s.n.Account().Key()):
		return withCode(wire.CodeConflict, err)
	}
	return err
}
