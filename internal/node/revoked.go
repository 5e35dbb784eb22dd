package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// ErrDeviceRevoked matches (errors.Is) the error of every write on a
// device its account revoked (doc/protocol/payloads.md §6.1).
var ErrDeviceRevoked = errors.New("this device was revoked by its account")

// Revocation says that this node's own device was revoked.
type Revocation struct {
	Account identity.AccountID
	Device  identity.DeviceID
	By      entry.ID // the device.revoke entry
	Reason  string   // the revocation's reason, if it gave one
}

// Message is what the user reads: what happened and what to do.
func (r *Revocation) Message() string {
	msg := fmt.Sprintf("this device (%s) was revoked by account %s, by entry %s", r.Device, r.Account, r.By)
	if r.Reason != "" {
		msg += fmt.Sprintf(" (reason: %q)", r.Reason)
	}
	return msg + ". It can no longer write; what it wrote before stays as far as the revocation keeps it. " +
		"To use kith on this machine again, start a fresh home: 'kith init --pair CODE' with a code from a device " +
		"that holds the account key, or 'kith init --restore' with the recovery phrase"
}

// RevokedError is the error of a write on a revoked device.
type RevokedError struct{ Revocation }

func (e *RevokedError) Error() string        { return e.Message() }
func (e *RevokedError) Is(target error) bool { return target == ErrDeviceRevoked }

// OwnRevocation returns the revocation of this node's device, or nil when
// the store holds none in effect (the device's certificate and a
// revocation in its certificate log, both with their payloads). It
// learns of it like of any entry: its certificate log is in the scope of
// the account's devices.
func (n *Node) OwnRevocation(ctx context.Context) (*Revocation, error) {
	self := n.device.Public()
	ds, err := n.store.Devices(ctx, n.account)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.Device != self || !d.Revoked {
			continue
		}
		r := &Revocation{Account: n.account.Account(), Device: self.Device(), By: d.RevokedBy}
		if e, err := n.store.Get(ctx, d.RevokedBy); err == nil && e.Payload != nil {
			if pl, err := content.Decode(e.Payload); err == nil {
				if rev, ok := pl.(*content.DeviceRevoke); ok {
					r.Reason = rev.Reason
				}
			}
		}
		return r, nil
	}
	return nil, nil
}

// checkNotRevoked fails every write of a revoked device with a
// *RevokedError.
func (n *Node) checkNotRevoked(ctx context.Context) error {
	r, err := n.OwnRevocation(ctx)
	if err != nil {
		return err
	}
	if r != nil {
		return &RevokedError{*r}
	}
	return nil
}
