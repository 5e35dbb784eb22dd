package node

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// sealKeyType is the payload type of a device's encryption key (keyring.md §1).
const sealKeyType = "seal.key"

// maxSealKeys bounds the seal.key entries of one device a node reads
// (the first ones it stored): a device that rotates more often than that
// makes only its own key stale.
const maxSealKeys = 1000

// sealKEM is the KEM of the keys this node publishes: hybrid, keyring.md §6.
var sealKEM = seal.KEMHybrid

// decryptionKey derives this device's seal.key private key of rotation rot
// from its device seed (spaces.md §6): never stored, as protected as the
// device key file.
func (n *Node) decryptionKey(kem uint16, rot uint64) (*seal.DecryptionKey, error) {
	info := binary.BigEndian.AppendUint16(nil, kem)
	info = binary.BigEndian.AppendUint64(info, rot)
	ikm, err := hkdf.Key(sha256.New, n.device.Seed(), []byte("kith-seal-device-v1"), string(info), 32)
	if err != nil {
		return nil, err
	}
	return seal.DeriveDecryptionKey(kem, ikm)
}

// publishedSealKeys returns the seal.key payloads in device's public log.
func (n *Node) publishedSealKeys(ctx context.Context, device identity.PublicKey) ([]seal.Published, error) {
	public := entry.PublicLog
	es, err := n.store.Find(ctx, store.Query{Type: sealKeyType, LogID: &public, Authors: []identity.PublicKey{device}, Limit: maxSealKeys})
	if err != nil {
		return nil, err
	}
	var out []seal.Published
	for _, e := range es {
		if e.Header.LogID != entry.PublicLog || e.Payload == nil {
			continue
		}
		k, err := seal.DecodeDeviceKey(e.Payload)
		if err != nil {
			continue
		}
		out = append(out, seal.Published{Seq: e.Header.Seq, Key: k})
	}
	return out, nil
}

// sealKeyOf returns device's current encryption key as held (keyring.md
// §1), ok false when none is held.
func (n *Node) sealKeyOf(ctx context.Context, device identity.PublicKey) (seal.DeviceKey, bool, error) {
	pubs, err := n.publishedSealKeys(ctx, device)
	if err != nil {
		return seal.DeviceKey{}, false, err
	}
	cur, ok, _ := seal.CurrentDeviceKey(pubs)
	return cur, ok, nil
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
