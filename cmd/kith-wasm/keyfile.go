//go:build js && wasm

package main

import (
	"errors"
	"sync"
	"syscall/js"

	"github.com/kithnet/kith/internal/identity"
)

// The device key of a browser without WebCrypto Ed25519 (doc/browser.md):
// made here, kept by the page only as a key file document encrypted under
// a passphrase (Argon2id, XChaCha20-Poly1305: identity.EncodeKeyFile), and
// held in this WebAssembly build's memory while the page is open.

// held are the device keys decrypted in this build, by public key: a peer
// of one of them signs in Go directly (newPeer), not through JavaScript.
var held struct {
	sync.Mutex
	keys map[identity.PublicKey]identity.PrivateKey
}

func hold(k identity.PrivateKey) {
	held.Lock()
	defer held.Unlock()
	if held.keys == nil {
		held.keys = map[identity.PublicKey]identity.PrivateKey{}
	}
	held.keys[k.Public()] = k
}

func heldKey(pub identity.PublicKey) (identity.PrivateKey, bool) {
	held.Lock()
	defer held.Unlock()
	k, ok := held.keys[pub]
	return k, ok
}

// signer is {device, sign} for a key held here: sign(msg Uint8Array) →
// signature Uint8Array, for the page's transport (net.js).
func signer(k identity.PrivateKey) obj {
	hold(k)
	sign := js.FuncOf(func(_ js.Value, a []js.Value) any {
		msg, err := fromJS(a[0])
		if err != nil {
			return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New(err.Error()))
		}
		sig := k.Sign(msg)
		return toJS(sig[:])
	})
	return obj{"device": k.Public().Hex(), "sign": sign}
}

// sealKey(passphrase): a Promise of {device, key_file, sign}: a new device
// key, its encrypted key file document, and a signer (openKey).
func sealKey(_ js.Value, args []js.Value) any {
	if len(args) != 1 || args[0].Type() != js.TypeString {
		return fail(errors.New("sealKey(passphrase)"))
	}
	pass := []byte(args[0].String())
	return promise(func() (any, error) {
		if len(pass) < 8 {
			return nil, errors.New("choose a passphrase of at least 8 characters")
		}
		k, err := identity.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		doc, err := identity.EncodeKeyFile(k, identity.RoleDevice, pass)
		if err != nil {
			return nil, err
		}
		o := signer(k)
		o["key_file"] = string(doc)
		return o, nil
	})
}

// openKey(key_file, passphrase): a Promise of {device, sign}: the key
// decrypted into this build's memory and a function that signs with it
// (msg Uint8Array → signature Uint8Array). A wrong passphrase rejects with
// a message saying so.
func openKey(_ js.Value, args []js.Value) any {
	if len(args) != 2 {
		return fail(errors.New("openKey(key_file, passphrase)"))
	}
	doc, pass := []byte(args[0].String()), []byte(args[1].String())
	return promise(func() (any, error) {
		k, role, err := identity.DecodeKeyFile(doc, pass)
		if errors.Is(err, identity.ErrWrongPassphrase) {
			return nil, errors.New("wrong passphrase: this browser's device key did not decrypt with it; try again")
		}
		if err != nil {
			return nil, err
		}
		if role != identity.RoleDevice {
			return nil, errors.New("the kept key is not a device key")
		}
		return signer(k), nil
	})
}
