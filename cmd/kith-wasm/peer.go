//go:build js && wasm

package main

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"syscall/js"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/browserpeer"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/pairing"
)

// newPeer({device, sign, onAdded, keep, sealKey}) makes a browser peer: device is
// the device's public key (hex), sign(Uint8Array) a Promise of its Ed25519
// signature (WebCrypto), onAdded(ids, nums, bytes) is called with the
// entries from a peer that the peer newly holds, packed (packAdded), for
// the page to keep; keep(entry) a Promise that settles once one of the
// device's own new entries is kept (it is made only then:
// browserpeer.Config.Keep); sealKey, optional, its WebCrypto X25519 key
// for spaces (space.go).
func newPeer(_ js.Value, args []js.Value) any {
	if len(args) != 1 {
		return fail(errors.New("newPeer({device, sign, onAdded})"))
	}
	o := args[0]
	d, err := hex.DecodeString(o.Get("device").String())
	if err != nil || len(d) != 32 {
		return fail(errors.New("device: the 32-byte public key in hex"))
	}
	var dev identity.PublicKey
	copy(dev[:], d)
	signFn, onAdded, keepFn := o.Get("sign"), o.Get("onAdded"), o.Get("keep")
	sign := func(msg []byte) ([]byte, error) {
		if k, ok := heldKey(dev); ok { // a key without WebCrypto (keyfile.go)
			sig := k.Sign(msg)
			return sig[:], nil
		}
		v, err := await(signFn.Invoke(toJS(msg)))
		if err != nil {
			return nil, fmt.Errorf("the browser's key did not sign: %w", err)
		}
		return fromJS(v)
	}
	var keep func(*entry.Entry) error
	if keepFn.Type() == js.TypeFunction {
		keep = func(e *entry.Entry) error {
			_, err := await(keepFn.Invoke(keptObj(e)))
			return err
		}
	}
	p := browserpeer.New(browserpeer.Config{
		Keep:   keep,
		Device: dev,
		Sign:   sign,
		Now:    func() uint64 { return uint64(time.Now().UnixMilli()) },
		OnAdded: func(es []*entry.Entry) {
			if onAdded.Type() != js.TypeFunction {
				return
			}
			ids, nums, bytes := packAdded(es)
			onAdded.Invoke(ids, nums, bytes)
		},
	})
	api := js.Global().Get("Object").New()
	method := func(name string, fn func(args []js.Value) (any, error)) {
		api.Set(name, js.FuncOf(func(_ js.Value, args []js.Value) any {
			return promise(func() (any, error) { return fn(args) })
		}))
	}
	ctx := context.Background()
	method("load", func(args []js.Value) (any, error) {
		var es []*entry.Entry
		for i := range args[0].Length() {
			k := args[0].Index(i)
			raw, err := fromJS(k.Get("header"))
			if err != nil {
				return nil, fmt.Errorf("kept entry %d: %w", i, err)
			}
			var payload []byte
			if pv := k.Get("payload"); !pv.IsNull() && !pv.IsUndefined() {
				if payload, err = fromJS(pv); err != nil {
					return nil, fmt.Errorf("kept entry %d: %w", i, err)
				}
			}
			e, err := entry.Parse(raw, payload)
			if err != nil {
				return nil, fmt.Errorf("kept entry %d does not decode: %w; the browser's copy is damaged, clear the site's data and sync again", i, err)
			}
			es = append(es, e)
		}
		return nil, p.Load(ctx, es)
	})
	// createAccount(name, phrase?): a fresh account (or the one of phrase),
	// with this device certified by it; the account key is forgotten at
	// once. Returns {phrase, account_id, account}.
	method("createAccount", func(args []js.Value) (any, error) {
		var ph identity.Phrase
		var err error
		if len(args) > 1 && args[1].Truthy() {
			ph, err = identity.ParsePhrase(args[1].String())
		} else {
			ph, err = identity.NewPhrase(nil)
		}
		if err != nil {
			return nil, err
		}
		acc, err := identity.AccountKeyFromPhrase(ph, "")
		if err != nil {
			return nil, err
		}
		sig, err := sign(content.DeviceCertInput(acc.Public(), dev))
		if err != nil {
			return nil, err
		}
		if len(sig) != 64 {
			return nil, errors.New("the browser's key gave no 64-byte signature")
		}
		cert, err := content.NewPairedDeviceCert(acc, dev, [64]byte(sig), args[0].String(), uint64(time.Now().UnixMilli()))
		if err != nil {
			return nil, err
		}
		if err := p.Certify(ctx, cert); err != nil {
			return nil, err
		}
		pub := acc.Public()
		return obj{"phrase": ph.Reveal(), "account_id": pub.Account().String(), "account": hex.EncodeToString(pub[:])}, nil
	})
	api.Set("account", js.FuncOf(func(js.Value, []js.Value) any {
		a, ok := p.Account()
		if !ok {
			return nil
		}
		return obj{"account_id": a.Account().String(), "account": hex.EncodeToString(a[:]), "device_id": dev.Device().String(),
			"name": p.AccountName(ctx, a), "device_name": p.DeviceName(ctx, dev)}
	}))
	// setName(name): publish the account's profile name from this device.
	method("setName", func(args []js.Value) (any, error) {
		_, err := p.SetName(ctx, args[0].String())
		return nil, err
	})
	// post(text, images?): images, optional, the blob ids ("blob_…") of
	// pictures the page has kept already (blobs.go, prepareImage).
	method("post", func(args []js.Value) (any, error) {
		if len(args) > 1 && args[1].Truthy() && args[1].Length() > 0 {
			ids := make([]blob.ID, args[1].Length())
			for i := range ids {
				id, err := blobArg(args[1].Index(i))
				if err != nil {
					return nil, fmt.Errorf("picture %d: %w", i+1, err)
				}
				ids[i] = id
			}
			e, err := p.PostWithImages(ctx, args[0].String(), ids)
			if err != nil {
				return nil, err
			}
			return entryObj(e, true), nil
		}
		e, err := p.Post(ctx, args[0].String())
		if err != nil {
			return nil, err
		}
		return entryObj(e, true), nil
	})
	// posts(last?): the posts held (browserpeer.Peer.Posts), or only the
	// last of them in the same order (LastPosts): making JavaScript
	// objects of all of them cost the page more than the first sync's
	// verification did (BENCHMARKS.md, issue 19, "The first sync,
	// profiled").
	method("posts", func(args []js.Value) (any, error) {
		n := -1
		if len(args) > 0 && args[0].Type() == js.TypeNumber {
			n = max(0, args[0].Int())
		}
		ps, err := p.LastPosts(ctx, n)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(ps))
		for _, v := range ps {
			o := obj{"id": hex.EncodeToString(v.ID[:]), "device_id": v.Device.Device().String(), "seq": float64(v.Seq), "timestamp": float64(v.Timestamp), "text": v.Text, "own": v.Device == dev}
			if v.Account != (identity.PublicKey{}) {
				o["account_id"] = v.Account.Account().String()
			}
			o["name"], o["device_name"] = v.AccountName, v.DeviceName
			imgs := make([]any, len(v.Images))
			for i, id := range v.Images {
				imgs[i] = id.String()
			}
			o["images"] = imgs
			out = append(out, o)
		}
		return out, nil
	})
	method("certMessage", func([]js.Value) (any, error) {
		b, err := p.CertMessage(ctx)
		if err != nil {
			return nil, err
		}
		return toJS(b), nil
	})
	remoteArg := func(v js.Value) (identity.PublicKey, error) {
		var k identity.PublicKey
		b, err := hex.DecodeString(v.String())
		if err != nil || len(b) != 32 {
			return k, errors.New("the remote device key: 32 bytes in hex")
		}
		copy(k[:], b)
		return k, nil
	}
	// accountName(account): the profile name of an account (hex key), or "".
	method("accountName", func(args []js.Value) (any, error) {
		k, err := remoteArg(args[0])
		if err != nil {
			return nil, err
		}
		return p.AccountName(ctx, k), nil
	})
	// acceptCert(remote, stream, follow): read a peer's /kith/cert/1 answer.
	method("acceptCert", func(args []js.Value) (any, error) {
		remote, err := remoteArg(args[0])
		if err != nil {
			return nil, err
		}
		s := newJSStream(args[1])
		defer s.Close()
		a, err := p.AcceptCert(ctx, remote, s, args[2].Truthy())
		if err != nil {
			return nil, err
		}
		return obj{"account_id": a.Account().String(), "account": hex.EncodeToString(a[:]), "name": p.AccountName(ctx, a), "device_name": p.DeviceName(ctx, remote)}, nil
	})
	// sync(remote, stream, initiator): one sync session until it ends.
	method("sync", func(args []js.Value) (any, error) {
		remote, err := remoteArg(args[0])
		if err != nil {
			return nil, err
		}
		err = p.Sync(ctx, remote, newJSStream(args[1]), args[2].Truthy())
		if err != nil {
			return nil, err
		}
		return nil, nil
	})
	// pair(code, name, stream): this browser becomes a device of the code's
	// account (browserpeer.Peer.Pair over a /kith/pair/1 stream).
	method("pair", func(args []js.Value) (any, error) {
		code, err := pairing.Parse(args[0].String())
		if err != nil {
			return nil, err
		}
		s := newJSStream(args[2])
		defer s.Close()
		if err := p.Pair(ctx, code, s, args[1].String()); err != nil {
			return nil, err
		}
		return obj{"account_id": code.Account.Account().String(), "pairing_device_id": code.Device.Device().String()}, nil
	})
	// revocation(): the message for the person when this device was
	// revoked, or "".
	method("revocation", func([]js.Value) (any, error) {
		return p.Revocation(ctx)
	})
	villageMethods(p, method) // village.go
	api.Set("sessions", js.FuncOf(func(js.Value, []js.Value) any {
		var out []any
		for _, s := range p.Sessions() {
			out = append(out, obj{"peer": hex.EncodeToString(s.Peer[:]), "phase": s.Phase, "caught_up": s.CaughtUp, "received": float64(s.EntriesReceived), "sent": float64(s.EntriesSent)})
		}
		return out
	}))
	if err := spaceAPI(api, p, o, dev); err != nil { // space.go
		return fail(err)
	}
	return api
}

// packAdded packs entries for the page in three values, whatever their
// number, so that handing a first sync's 10,000 entries to JavaScript
// makes three js.Values, not ten an entry (each one a finalizer in Go's
// runtime: the page's largest cost after rendering, BENCHMARKS.md, issue
// 19, "The first sync, profiled"). For entry i:
//
//   - ids, a string: from 192·i, the hex of its id, its author and its
//     log id (64 characters each);
//   - nums, a Uint8Array of little-endian float64s: from 5·i, its seq,
//     then the start and end in bytes of its header and of its payload
//     (both −1 when the payload is not held);
//   - bytes, a Uint8Array: the headers and payloads.
//
// The page's unpackAdded (web/peer/app.js) makes of them the objects
// keptObj makes one by one.
func packAdded(es []*entry.Entry) (ids string, nums, bytes js.Value) {
	n := 0
	for _, e := range es {
		n += len(e.Raw) + len(e.Payload)
	}
	hx := make([]byte, 0, 192*len(es))
	b := make([]byte, 0, n)
	f := make([]float64, 0, 5*len(es))
	for _, e := range es {
		hx = hex.AppendEncode(hx, e.ID[:])
		hx = hex.AppendEncode(hx, e.Header.Author[:])
		hx = hex.AppendEncode(hx, e.Header.LogID[:])
		f = append(f, float64(e.Header.Seq), float64(len(b)), float64(len(b)+len(e.Raw)))
		b = append(b, e.Raw...)
		if e.Payload == nil {
			f = append(f, -1, -1)
		} else {
			f = append(f, float64(len(b)), float64(len(b)+len(e.Payload)))
			b = append(b, e.Payload...)
		}
	}
	fb := make([]byte, 8*len(f))
	for i, v := range f {
		binary.LittleEndian.PutUint64(fb[8*i:], math.Float64bits(v))
	}
	return string(hx), toJS(fb), toJS(b)
}

// keptObj is an entry as the page keeps it in IndexedDB.
func keptObj(e *entry.Entry) js.Value {
	o := js.Global().Get("Object").New()
	o.Set("id", hex.EncodeToString(e.ID[:]))
	o.Set("author", hex.EncodeToString(e.Header.Author[:]))
	o.Set("log_id", hex.EncodeToString(e.Header.LogID[:]))
	o.Set("seq", float64(e.Header.Seq))
	o.Set("header", toJS(e.Raw))
	if e.Payload != nil {
		o.Set("payload", toJS(e.Payload))
	} else {
		o.Set("payload", js.Null())
	}
	return o
}
