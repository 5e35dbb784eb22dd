package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/seal"
)

// sealKeyType is the payload type of a device's encryption key (keyring.md §1).
const sealKeyType = "seal.key"

// sealKEM is the KEM of the keys this node publishes: hybrid, keyring.md §6.
var sealKEM = seal.KEMHybrid

// decryptionKey derives this device's seal.key private key of rotation rot
// from its device seed (spaces.md §6): never stored, as protected as the
// device key file.
func (n *Node) decryptionKey(kem uint16, rot uint64) (*seal.DecryptionKey, error) {
	return seal.DeviceDecryptionKey(n.device.Seed(), kem, rot)
}

// publishSealKey publishes this device's encryption key when none is
// published yet (keyring.md §1). StartNetwork calls it, so that a device
// can be written to from its node's first start on, whether it was made
// by Init, Restore or Pair, or made before keys were published at start.
// A revoked device publishes nothing.
func (n *Node) publishSealKey(ctx context.Context) error {
	_, err := n.ownDecryptionKey(ctx)
	if errors.Is(err, ErrDeviceRevoked) {
		return nil
	}
	return err
}

// ownDecryptionKey returns this device's current decryption key,
// publishing its encryption key first when it has none yet.
func (n *Node) ownDecryptionKey(ctx context.Context) (*seal.DecryptionKey, error) {
	// One caller at a time: two that both found no key would publish
	// rotation 0 twice, and the second would be refused (not greater).
	n.sealMu.Lock()
	defer n.sealMu.Unlock()
	cur, ok, err := n.sealKeyOf(ctx, n.device.Public())
	if err != nil {
		return nil, err
	}
	if ok {
		dk, err := n.decryptionKey(cur.Key.KEM, cur.Rotation)
		if err != nil {
			return nil, err
		}
		if pub := dk.Public(); pub.KEM != cur.Key.KEM || string(pub.Key) != string(cur.Key.Key) {
			return nil, fmt.Errorf("this device's published encryption key (rotation %d) is not the one its key derives; was the store copied from another device?", cur.Rotation)
		}
		return dk, nil
	}
	dk, err := n.decryptionKey(sealKEM, 0)
	if err != nil {
		return nil, err
	}
	payload, err := seal.EncodeDeviceKey(seal.DeviceKey{Key: dk.Public(), Rotation: 0})
	if err != nil {
		return nil, err
	}
	if _, err := n.AppendRaw(ctx, entry.PublicLog, payload); err != nil {
		return nil, fmt.Errorf("publish this device's encryption key: %w", err)
	}
	return dk, nil
}

// publishedDecryptionKey returns this device's current decryption key when
// it has published one, nil otherwise; it publishes nothing.
func (n *Node) publishedDecryptionKey(ctx context.Context) (*seal.DecryptionKey, error) {
	cur, ok, err := n.sealKeyOf(ctx, n.device.Public())
	if err != nil || !ok {
		return nil, err
	}
	return n.decryptionKey(cur.Key.KEM, cur.Rotation)
}
