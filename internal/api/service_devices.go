package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
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
	out := wire.DeviceList{Account: s.n.Account().String(), Devices: []wire.Device{}}
	for _, d := range devs {
		j := wire.Device{
			ID:         d.Device.Device().String(),
			Name:       d.Name,
			Revoked:    d.Revoked,
			ThisDevice: d.Device == s.n.Device().Key(),
			Cert:       d.Cert.String(),
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
	e, err := s.n.RevokeDevice(ctx, dev.Key(), req.Reason)
	if err != nil {
		return wire.Revoked{}, s.revokeError(ctx, dev, err)
	}
	return wire.Revoked{ID: e.ID.String(), Device: dev.String(), Revoked: true}, nil
}

// revokeError gives a refused revocation its code, keeping the node's
// message: not_found for a device not known here, conflict when the
// device's state refuses it (this device, another account's, revoked).
func (s *Service) revokeError(ctx context.Context, dev identity.DeviceID, err error) error {
	if errors.Is(err, node.ErrNoAccountKey) {
		return err
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
