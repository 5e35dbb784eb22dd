//go:build js && wasm

package main

import (
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/kithnet/kith/internal/browserpeer"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
)

// The spaces of a browser peer (doc/browser.md, "Spaces"): its decryption
// key, and the methods the page calls, all named space*.

// webCryptoX25519 is the browser's X25519 decryption key, a
// non-extractable WebCrypto key: Go asks it for Diffie-Hellman values
// (derive: a Promise of crypto.subtle.deriveBits), never for the key.
type webCryptoX25519 struct {
	pub    *ecdh.PublicKey
	derive js.Value
}

func (k *webCryptoX25519) PublicKey() *ecdh.PublicKey { return k.pub }
func (k *webCryptoX25519) Curve() ecdh.Curve          { return ecdh.X25519() }

// ECDH blocks on the browser's answer: it is called from a goroutine
// (promise), never on the page's thread.
func (k *webCryptoX25519) ECDH(remote *ecdh.PublicKey) ([]byte, error) {
	v, err := await(k.derive.Invoke(toJS(remote.Bytes())))
	if err != nil {
		return nil, fmt.Errorf("the browser's X25519 key: %w", err)
	}
	b, err := fromJS(v)
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("the browser's X25519 key gave %d bytes, not 32", len(b))
	}
	return b, nil
}

// spaceKeyOf returns the device's decryption key: derived from the device
// key when this build holds it (a browser without WebCrypto Ed25519: the
// hybrid ML-KEM-768 + X25519 key a node derives, spaces.md §6), else the
// page's WebCrypto X25519 key o.sealKey = {publicRaw, deriveBits}; nil
// when there is neither.
func spaceKeyOf(o js.Value, dev identity.PublicKey) (*seal.DecryptionKey, error) {
	if k, ok := heldKey(dev); ok {
		return seal.DeviceDecryptionKey(k.Seed(), seal.KEMHybrid, 0)
	}
	sk := o.Get("sealKey")
	if sk.IsUndefined() || sk.IsNull() {
		return nil, nil
	}
	raw, err := fromJS(sk.Get("publicRaw"))
	if err != nil {
		return nil, fmt.Errorf("sealKey.publicRaw: %w", err)
	}
	pub, err := ecdh.X25519().NewPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("sealKey.publicRaw: %w", err)
	}
	if sk.Get("deriveBits").Type() != js.TypeFunction {
		return nil, errors.New("sealKey.deriveBits: a function of the other side's public key")
	}
	return seal.NewHeldDecryptionKey(&webCryptoX25519{pub: pub, derive: sk.Get("deriveBits")})
}

// spaceAPI gives the peer its decryption key and sets the space methods
// on its API object:
//
//	spaceKeyKind() → "X25519 (WebCrypto)", "ML-KEM-768 + X25519", or ""
//	spacePublishKey() → Promise of true when it published its key now
//	spaceList() → Promise of [{id, name, role, note, members, posts}]
func spaceAPI(api js.Value, p *browserpeer.Peer, o js.Value, dev identity.PublicKey) error {
	dk, err := spaceKeyOf(o, dev)
	if err != nil {
		return err
	}
	kind := ""
	if dk != nil {
		p.SetSealKey(dk)
		kind = "ML-KEM-768 + X25519"
		if dk.KEM == seal.KEMX25519 {
			kind = "X25519 (WebCrypto)"
		}
	}
	ctx := context.Background()
	api.Set("spaceKeyKind", js.FuncOf(func(js.Value, []js.Value) any { return kind }))
	api.Set("spacePublishKey", js.FuncOf(func(js.Value, []js.Value) any {
		return promise(func() (any, error) { return p.PublishSealKey(ctx) })
	}))
	api.Set("spaceList", js.FuncOf(func(js.Value, []js.Value) any {
		return promise(func() (any, error) {
			vs, err := p.Spaces(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]any, 0, len(vs))
			for _, v := range vs {
				out = append(out, spaceObj(v, dev))
			}
			return out, nil
		})
	}))
	return nil
}

func spaceObj(v browserpeer.SpaceView, dev identity.PublicKey) obj {
	role := ""
	if v.Role != 0 {
		role = v.Role.String()
	}
	members := make([]any, 0, len(v.Members))
	for _, m := range v.Members {
		members = append(members, obj{"account_id": m.Account.Account().String(), "name": m.Name, "role": m.Role.String()})
	}
	posts := make([]any, 0, len(v.Posts))
	for _, m := range v.Posts {
		po := obj{"id": m.ID.String(), "device_id": m.Device.Device().String(), "seq": float64(m.Seq), "status": m.Status,
			"detail": m.Detail, "text": m.Text, "time_ms": float64(m.TimeMs), "name": m.AccountName, "device_name": m.DeviceName,
			"removed": m.Removed, "own": m.Device == dev}
		if m.Account != (identity.PublicKey{}) {
			po["account_id"] = m.Account.Account().String()
		}
		if !m.Reply.IsZero() {
			po["reply"] = m.Reply.String()
		}
		posts = append(posts, po)
	}
	return obj{"id": v.ID.String(), "id_hex": hex.EncodeToString(v.ID[:]), "name": v.Name, "role": role, "note": v.Note, "members": members, "posts": posts}
}
