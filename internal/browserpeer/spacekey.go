package browserpeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// ErrNoSealKey: the peer was given no decryption key (SetSealKey), so it
// publishes none and opens no space's key.
var ErrNoSealKey = errors.New("this browser holds no key to read spaces with")

// sealKeyType is the payload type of a device's encryption key (keyring.md §1).
const sealKeyType = "seal.key"

// maxSealKeys bounds the seal.key entries of one public log read (the
// first ones, by seq), as a node does.
const maxSealKeys = 1000

// SetSealKey gives the peer its device's decryption key (keyring.md §1):
// a WebCrypto X25519 key held by the browser (seal.NewHeldDecryptionKey),
// or the key derived from a device key held in the WebAssembly build
// (seal.DeviceDecryptionKey). The spaces are read again with it.
func (p *Peer) SetSealKey(dk *seal.DecryptionKey) {
	p.sp.mu.Lock()
	p.sp.key = dk
	p.sp.rings = nil // what was tried without the key is tried again
	p.sp.mu.Unlock()
	p.wakeSpaces()
}

// SealKey returns the decryption key SetSealKey gave, or nil.
func (p *Peer) SealKey() *seal.DecryptionKey {
	p.sp.mu.Lock()
	defer p.sp.mu.Unlock()
	return p.sp.key
}

// PublishSealKey publishes the device's encryption key in its public log
// (keyring.md §1) unless the key its log makes current is this one
// already: the first time with rotation 0; after the browser lost the
// key the log names (its site data was partly cleared, a new WebCrypto
// key was made), with the next rotation, so that admins wrap new epochs
// to the key the browser holds. It reports whether it published.
func (p *Peer) PublishSealKey(ctx context.Context) (bool, error) {
	dk := p.SealKey()
	if dk == nil {
		return false, ErrNoSealKey
	}
	if _, ok := p.Account(); !ok {
		return false, errors.New("this browser has no account yet: make, restore or pair one first")
	}
	p.sp.publishMu.Lock()
	defer p.sp.publishMu.Unlock()
	pub := dk.Public()
	cur, ok, err := p.currentSealKey(ctx, p.cfg.Device)
	if err != nil {
		return false, err
	}
	if ok && cur.Key.KEM == pub.KEM && bytes.Equal(cur.Key.Key, pub.Key) {
		return false, nil
	}
	next := seal.DeviceKey{Key: pub}
	if ok {
		if cur.Rotation >= seal.MaxRotation {
			return false, fmt.Errorf("this device's encryption key was rotated %d times, the most there can be", cur.Rotation)
		}
		next.Rotation = cur.Rotation + 1
	}
	payload, err := seal.EncodeDeviceKey(next)
	if err != nil {
		return false, err
	}
	if _, err := p.Publish(ctx, entry.PublicLog, payload); err != nil {
		return false, fmt.Errorf("publish this browser's encryption key: %w", err)
	}
	return true, nil
}

// currentSealKey is device's current encryption key as the store holds
// its public log (keyring.md §1: the highest seq whose rotation grows).
func (p *Peer) currentSealKey(ctx context.Context, device identity.PublicKey) (seal.DeviceKey, bool, error) {
	var pubs []seal.Published
	log := store.LogKey{Author: device, LogID: entry.PublicLog}
	for from := uint64(1); len(pubs) < maxSealKeys; {
		rs, err := p.store.Log(ctx, log, from, 256)
		if err != nil {
			return seal.DeviceKey{}, false, err
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			from = r.Entry.Header.Seq + 1
			if r.Type != sealKeyType || r.Entry.Payload == nil || len(pubs) >= maxSealKeys {
				continue
			}
			k, err := seal.DecodeDeviceKey(r.Entry.Payload)
			if err != nil {
				continue // refused: not a key
			}
			pubs = append(pubs, seal.Published{Seq: r.Entry.Header.Seq, Key: k})
		}
	}
	cur, ok, _ := seal.CurrentDeviceKey(pubs)
	return cur, ok, nil
}
