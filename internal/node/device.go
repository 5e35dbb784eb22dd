package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// HoldsAccountKey reports whether this home holds the account key, which
// RevokeDevice needs. Devices made by Init and Restore hold it, until
// RemoveAccountKey.
func (n *Node) HoldsAccountKey() bool {
	n.keyMu.Lock()
	defer n.keyMu.Unlock()
	return n.holdsAccountKey
}

// Devices returns the devices this node's account has certified, revoked or
// not, as far as this node knows them.
func (n *Node) Devices(ctx context.Context) ([]store.Device, error) {
	return n.store.Devices(ctx, n.account)
}

// RevokeDevice withdraws the certificate of one of the account's devices: it
// appends a device.revoke entry, signed by the account key, to the device's
// certificate log. The revocation is final; entries the device wrote before
// stay valid. It needs the account key: the one this home holds (decrypted
// with the node's passphrase if need be), or else the one derived from
// auth's recovery phrase, used once and forgotten (ErrNoAccountKey without
// either, ErrWrongPhrase for another account's phrase). It refuses this
// node's own device, a device of another account or not known here, and a
// device already revoked. reason is optional ("" for none).
func (n *Node) RevokeDevice(ctx context.Context, device identity.PublicKey, reason string, auth *PhraseAuth) (*entry.Entry, error) {
	if device == n.device.Public() {
		return nil, errors.New("this is the device you are using; revoke it from another device")
	}
	if !n.HoldsAccountKey() && (auth == nil || auth.Phrase.IsZero()) {
		return nil, ErrNoAccountKey
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	d, err := n.store.AccountOf(ctx, device)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("device %s is not known here: no certificate of it is held (see 'kith device list')", device.Device())
	}
	if err != nil {
		return nil, err
	}
	if d.Account != n.account {
		return nil, fmt.Errorf("device %s belongs to account %s, not to this account %s", device.Device(), d.Account.Account(), n.account.Account())
	}
	if d.Revoked {
		return nil, fmt.Errorf("device %s is already revoked (by entry %s)", device.Device(), d.RevokedBy)
	}
	cert, err := n.store.Get(ctx, d.Cert)
	if err != nil {
		return nil, fmt.Errorf("certificate %s of device %s: %w", d.Cert, device.Device(), err)
	}
	if cert.Payload == nil {
		return nil, fmt.Errorf("the payload of certificate %s of device %s is not held here, so this node cannot revoke it; import it first, or revoke from another of your devices", d.Cert, device.Device())
	}
	// The revocation is seq 2 of the certificate log. If that log already
	// goes on, a second entry there would fork it.
	h, err := n.store.Head(ctx, store.LogKey{Author: n.account, LogID: cert.Header.LogID})
	if err != nil {
		return nil, err
	}
	if h.Seq != cert.Header.Seq || h.Forked || h.Ended {
		return nil, fmt.Errorf("the certificate log of device %s already continues past its certificate (seq %d held); it cannot be revoked again", device.Device(), h.Seq)
	}
	key, err := n.accountKeyFor(auth)
	if err != nil {
		return nil, err
	}
	ts := n.now()
	if ts <= cert.Header.Timestamp {
		ts = cert.Header.Timestamp + 1
	}
	keep, err := n.revokeKeep(ctx, device)
	if err != nil {
		return nil, err
	}
	e, err := content.NewDeviceRevoke(key, cert.Entry, reason, keep, ts)
	if err != nil {
		return nil, err
	}
	if err := n.appendOne(ctx, e); err != nil {
		return nil, fmt.Errorf("store the revocation: %w", err)
	}
	return e, nil
}
