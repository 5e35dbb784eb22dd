//go:build js && wasm

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"syscall/js"

	"github.com/kithnet/kith/internal/browserpeer"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/replicate"
)

type jsFunc = func(js.Value, []js.Value) any

// pureAPI are the functions without state: the same code as the node's,
// for the page and for the test vectors run in the browser
// (cmd/kith/e2e_wasm_test.go). Bytes are hex strings; a failure is
// {error: "…"}.
func pureAPI() map[string]jsFunc {
	return map[string]jsFunc{
		"signEntry":       signEntry,
		"decodeHeader":    decodeHeader,
		"accountKey":      accountKey,
		"newPhrase":       newPhrase,
		"phraseSeed":      phraseSeed,
		"slip10":          slip10,
		"textID":          textID,
		"decodePayload":   decodePayload,
		"deviceCert":      deviceCert,
		"decodeFrame":     decodeFrame,
		"itemHash":        itemHash,
		"fingerprint":     fingerprint,
		"deviceCertInput": deviceCertInput,
		"measureVerify":   measureVerify,
		"pairCode":        pairCode,
		"sealKey":         sealKey,
		"openKey":         openKey,
	}
}

func hexArg(args []js.Value, i int) ([]byte, error) {
	if i >= len(args) {
		return nil, errors.New("missing argument")
	}
	return hex.DecodeString(args[i].String())
}

// uintArg reads a number, or a decimal string for values beyond 2^53.
func uintArg(v js.Value) (uint64, error) {
	if v.Type() == js.TypeString {
		return strconv.ParseUint(v.String(), 10, 64)
	}
	if v.Type() != js.TypeNumber || v.Float() < 0 || v.Float() > 1<<53 {
		return 0, errors.New("not a whole number from 0 to 2^53 (give larger ones as decimal text)")
	}
	return uint64(v.Float()), nil
}

func key32(b []byte) ([32]byte, error) {
	var k [32]byte
	if len(b) != 32 {
		return k, errors.New("a key or id is 32 bytes")
	}
	copy(k[:], b)
	return k, nil
}

// signEntry(seedHex, {log_id, seq, backlink, timestamp, flags, payload}).
func signEntry(_ js.Value, args []js.Value) any {
	seed, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		return fail(err)
	}
	d := args[1]
	var draft entry.Draft
	if b, err := hex.DecodeString(d.Get("log_id").String()); err == nil && len(b) == 32 {
		copy(draft.LogID[:], b)
	} else {
		return fail(errors.New("log_id: 32 bytes in hex"))
	}
	if bl := d.Get("backlink"); bl.Truthy() {
		b, err := hex.DecodeString(bl.String())
		if err != nil || len(b) != 32 {
			return fail(errors.New("backlink: 32 bytes in hex"))
		}
		copy(draft.Backlink[:], b)
	}
	if draft.Seq, err = uintArg(d.Get("seq")); err != nil {
		return fail(fmt.Errorf("seq: %w", err))
	}
	if draft.Timestamp, err = uintArg(d.Get("timestamp")); err != nil {
		return fail(fmt.Errorf("timestamp: %w", err))
	}
	flags, err := uintArg(d.Get("flags"))
	if err != nil {
		return fail(fmt.Errorf("flags: %w", err))
	}
	draft.Flags = entry.Flags(flags)
	if draft.Payload, err = hex.DecodeString(d.Get("payload").String()); err != nil {
		return fail(err)
	}
	e, err := entry.Sign(k, draft)
	if err != nil {
		return fail(err)
	}
	return obj{
		"header":        hex.EncodeToString(e.Raw),
		"id":            hex.EncodeToString(e.ID[:]),
		"id_text":       e.ID.String(),
		"signing_input": hex.EncodeToString(e.Header.SigningInput()),
		"payload_hash":  hex.EncodeToString(e.Header.PayloadHash[:]),
		"author":        hex.EncodeToString(e.Header.Author[:]),
	}
}

// decodeHeader(hex): the header's fields, whether its signature verifies,
// or {error}.
func decodeHeader(_ js.Value, args []js.Value) any {
	raw, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	e, err := entry.Parse(raw, nil)
	if err != nil {
		return fail(err)
	}
	return entryObj(e, e.Verify())
}

func entryObj(e *entry.Entry, verified bool) obj {
	h := e.Header
	return obj{
		"id":        hex.EncodeToString(e.ID[:]),
		"id_text":   e.ID.String(),
		"author":    hex.EncodeToString(h.Author[:]),
		"log_id":    hex.EncodeToString(h.LogID[:]),
		"seq":       float64(h.Seq),
		"backlink":  hex.EncodeToString(h.Backlink[:]),
		"timestamp": float64(h.Timestamp),
		"flags":     int(h.Flags),
		"verified":  verified,
	}
}

// accountKey(phrase, passphrase): the account key of a 24-word phrase.
func accountKey(_ js.Value, args []js.Value) any {
	p, err := identity.ParsePhrase(args[0].String())
	if err != nil {
		return fail(err)
	}
	k, err := identity.AccountKeyFromPhrase(p, args[1].String())
	if err != nil {
		return fail(err)
	}
	pub := k.Public()
	return obj{"public_key": hex.EncodeToString(pub[:]), "account_id": pub.Account().String()}
}

// newPhrase(): a fresh 24-word recovery phrase.
func newPhrase(js.Value, []js.Value) any {
	p, err := identity.NewPhrase(rand.Reader)
	if err != nil {
		return fail(err)
	}
	return obj{"phrase": p.Reveal()}
}

// phraseSeed(phrase, passphrase): the BIP39 seed of a kith (24-word) phrase.
func phraseSeed(_ js.Value, args []js.Value) any {
	p, err := identity.ParsePhrase(args[0].String())
	if err != nil {
		return fail(err)
	}
	return obj{"seed": hex.EncodeToString(p.Seed(args[1].String()))}
}

// slip10(seedHex, path).
func slip10(_ js.Value, args []js.Value) any {
	seed, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	path, err := identity.ParseSLIP10Path(args[1].String())
	if err != nil {
		return fail(err)
	}
	k, c, err := identity.DeriveSLIP10(seed, path)
	if err != nil {
		return fail(err)
	}
	priv, err := identity.KeyFromSeed(k[:])
	if err != nil {
		return fail(err)
	}
	pub := priv.Public()
	return obj{"private_key": hex.EncodeToString(k[:]), "chain_code": hex.EncodeToString(c[:]), "public_key": hex.EncodeToString(pub[:])}
}

// textID(kind, hex) or textID(text): both ways.
func textID(_ js.Value, args []js.Value) any {
	if len(args) == 1 {
		kind, b, err := identity.ParseAny(args[0].String(), identity.KindAccount, identity.KindDevice, identity.KindEntry, identity.KindBlob, identity.KindLog)
		if err != nil {
			return fail(err)
		}
		return obj{"kind": string(kind), "bytes": hex.EncodeToString(b[:])}
	}
	b, err := hexArg(args, 1)
	if err != nil {
		return fail(err)
	}
	k, err := key32(b)
	if err != nil {
		return fail(err)
	}
	return obj{"text": identity.Encode(identity.Kind(args[0].String()), k)}
}

// decodePayload(hex): {type, view (JSON text), reencoded (hex)} or {error}.
func decodePayload(_ js.Value, args []js.Value) any {
	b, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	p, err := content.Decode(b)
	if err != nil {
		return fail(err)
	}
	view, err := json.Marshal(content.ToJSON(p))
	if err != nil {
		return fail(err)
	}
	out := obj{"type": p.Type(), "view": string(view)}
	if re, err := content.Encode(p); err == nil {
		out["reencoded"] = hex.EncodeToString(re)
	}
	return out
}

// deviceCertInput(accountHex, deviceHex): what a device signs to belong to
// an account.
func deviceCertInput(_ js.Value, args []js.Value) any {
	a, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	d, err := hexArg(args, 1)
	if err != nil {
		return fail(err)
	}
	ak, err1 := key32(a)
	dk, err2 := key32(d)
	if err := errors.Join(err1, err2); err != nil {
		return fail(err)
	}
	return obj{"input": hex.EncodeToString(content.DeviceCertInput(ak, dk))}
}

// deviceCert(accountSeedHex, deviceSeedHex, name, timestamp): the
// device.add entry of payloads.md's vector, made by an account that holds
// the device key (content.NewDeviceCert). A browser's own certificate is
// made without it (createAccount, content.NewPairedDeviceCert).
func deviceCert(_ js.Value, args []js.Value) any {
	seed, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	acc, err := identity.KeyFromSeed(seed)
	if err != nil {
		return fail(err)
	}
	dseed, err := hexArg(args, 1)
	if err != nil {
		return fail(err)
	}
	dev, err := identity.KeyFromSeed(dseed)
	if err != nil {
		return fail(err)
	}
	ts, err := uintArg(args[3])
	if err != nil {
		return fail(err)
	}
	e, err := content.NewDeviceCert(acc, dev, args[2].String(), ts)
	if err != nil {
		return fail(err)
	}
	return obj{"header": hex.EncodeToString(e.Raw), "payload": hex.EncodeToString(e.Payload), "id": hex.EncodeToString(e.ID[:]), "log_id": hex.EncodeToString(e.Header.LogID[:])}
}

// decodeFrame(hex): one sync frame: {kind, reencoded} or {error, code}.
func decodeFrame(_ js.Value, args []js.Value) any {
	b, err := hexArg(args, 0)
	if err != nil {
		return fail(err)
	}
	m, n, err := replicate.ReadMessage(bytes.NewReader(b))
	if err != nil {
		out := obj{"error": err.Error()}
		var pe *replicate.ProtocolError
		if errors.As(err, &pe) {
			out["code"] = int(pe.Code)
		}
		return out
	}
	return obj{"kind": int(m.Kind()), "name": m.Kind().String(), "length": n, "reencoded": hex.EncodeToString(replicate.AppendFrame(nil, m))}
}

func itemArg(v js.Value) (replicate.Item, error) {
	var it replicate.Item
	a, err1 := hex.DecodeString(v.Get("author_hex").String())
	l, err2 := hex.DecodeString(v.Get("log_id_hex").String())
	h, err3 := hex.DecodeString(v.Get("head_hex").String())
	if err := errors.Join(err1, err2, err3); err != nil || len(a) != 32 || len(l) != 32 || len(h) != 32 {
		return it, errors.New("an item is {author_hex, log_id_hex, seq, head_hex}, 32 bytes each")
	}
	copy(it.Log.Author[:], a)
	copy(it.Log.LogID[:], l)
	copy(it.Head[:], h)
	it.Seq = uint64(v.Get("seq").Float())
	return it, nil
}

// itemHash({author_hex, log_id_hex, seq, head_hex}).
func itemHash(_ js.Value, args []js.Value) any {
	it, err := itemArg(args[0])
	if err != nil {
		return fail(err)
	}
	h := replicate.ItemHash(it)
	return obj{"hash": hex.EncodeToString(h[:])}
}

// fingerprint([item…]).
func fingerprint(_ js.Value, args []js.Value) any {
	var items []replicate.Item
	for i := range args[0].Length() {
		it, err := itemArg(args[0].Index(i))
		if err != nil {
			return fail(err)
		}
		items = append(items, it)
	}
	f := replicate.FingerprintOf(items)
	return obj{"fingerprint": hex.EncodeToString(f[:])}
}

// measureVerify(n): browserpeer.MeasureVerify in the browser.
func measureVerify(_ js.Value, args []js.Value) any {
	r, err := browserpeer.MeasureVerify(args[0].Int())
	if err != nil {
		return fail(err)
	}
	return obj{"entries": r.Entries, "verify_ms": float64(r.Verify.Microseconds()) / 1000, "ingest_ms": float64(r.Ingest.Microseconds()) / 1000, "verify_per_second": r.VerifyPerSecond, "ingest_per_second": r.IngestPerSecond}
}
