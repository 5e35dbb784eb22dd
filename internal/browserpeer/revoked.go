package browserpeer

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/content"
)

// ErrRevoked matches (errors.Is) the error of every write of a device its
// account revoked.
var ErrRevoked = errors.New("this device was revoked by its account")

// Revocation returns a message for the person when the store holds a
// revocation of this device by its account (learnt like any entry: the
// device's certificate log is in its scope), or "" when it holds none.
func (p *Peer) Revocation(ctx context.Context) (string, error) {
	d, err := p.store.AccountOf(ctx, p.cfg.Device)
	if err != nil || !d.Revoked {
		return "", nil
	}
	msg := fmt.Sprintf("This browser (device %s) was revoked by its account %s", p.cfg.Device.Device(), d.Account.Account())
	if e, err := p.store.Get(ctx, d.RevokedBy); err == nil && e.Payload != nil {
		if pl, err := content.Decode(e.Payload); err == nil {
			if rev, ok := pl.(*content.DeviceRevoke); ok && rev.Reason != "" {
				msg += fmt.Sprintf(" (reason: %q)", rev.Reason)
			}
		}
	}
	return msg + ". It can no longer post; what it posted before stays as far as the revocation keeps it. To use kith in this browser again, clear this site's data and pair it anew, or restore from the recovery phrase.", nil
}

// revokedError is the error of a write on a revoked device.
type revokedError struct{ msg string }

func (e *revokedError) Error() string        { return e.msg }
func (e *revokedError) Is(target error) bool { return target == ErrRevoked }

func (p *Peer) checkNotRevoked(ctx context.Context) error {
	msg, err := p.Revocation(ctx)
	if err != nil {
		return err
	}
	if msg != "" {
		return &revokedError{msg}
	}
	return nil
}
