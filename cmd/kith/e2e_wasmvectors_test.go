package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// wasmCall is one call of the browser build's API (globalThis.kith) and
// what the native Go code says it must answer.
type wasmCall struct {
	Fn    string `json:"fn"`
	Args  []any  `json:"args"`
	label string
	check func(t *testing.T, got map[string]any)
}

func readVectors(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", path))
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// want checks that the answer has exactly these fields' values.
func want(fields map[string]any) func(*testing.T, map[string]any) {
	return func(t *testing.T, got map[string]any) {
		t.Helper()
		for k, v := range fields {
			if g := got[k]; !reflect.DeepEqual(g, v) {
				t.Errorf("%s = %#v, want %#v (answer %v)", k, g, v, got)
			}
		}
	}
}

// wantError checks that the call failed with a message containing sub.
func wantError(sub string) func(*testing.T, map[string]any) {
	return func(t *testing.T, got map[string]any) {
		t.Helper()
		msg, _ := got["error"].(string)
		if msg == "" || !strings.Contains(msg, sub) {
			t.Errorf("error %q, want one containing %q (answer %v)", msg, sub, got)
		}
	}
}

// TestWasmVectors runs the test vectors of the Go tests (entries, identity
// with BIP39 and SLIP-0010, text ids, payloads, device certificates, the
// sync protocol's frames, item hashes and fingerprints) through the
// WebAssembly build inside headless Chromium, and checks every answer
// against the vector files: the browser runs kith's own rules.
func TestWasmVectors(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	buildWasm(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(`<!doctype html><meta charset="utf-8"><title>kith wasm vectors</title>
<script src="wasm_exec.js"></script>
<script>
window.kithReady = () => { document.title = 'ready'; };
const go = new Go();
WebAssembly.instantiateStreaming(fetch('kith.wasm'), go.importObject).then(r => go.run(r.instance));
</script>`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()

	var calls []wasmCall
	add := func(label, fn string, check func(*testing.T, map[string]any), args ...any) {
		calls = append(calls, wasmCall{Fn: fn, Args: args, label: label, check: check})
	}

	var evRaw struct {
		Valid []map[string]any `json:"valid"`
	}
	readVectors(t, "internal/entry/testdata/entry-vectors.json", &evRaw)
	for _, v := range evRaw.Valid {
		s := func(k string) string { x, _ := v[k].(string); return x }
		num := func(k string) string { return v[k].(json.Number).String() } // as text: a timestamp may be beyond 2^53
		draft := map[string]any{"log_id": s("log_id_hex"), "seq": num("seq"), "backlink": s("backlink_hex"), "timestamp": num("timestamp"), "flags": num("flags"), "payload": s("payload_hex")}
		add("entry "+s("description"), "signEntry", want(map[string]any{"header": s("header_hex"), "id": s("id_hex"), "id_text": s("id_text"), "signing_input": s("signing_input_hex"), "payload_hash": s("payload_hash_hex"), "author": s("author_public_key_hex")}), s("author_seed_hex"), draft)
		add("decode entry "+s("description"), "decodeHeader", want(map[string]any{"id": s("id_hex"), "verified": true, "author": s("author_public_key_hex"), "seq": v["seq"]}), s("header_hex"))
	}
	if len(evRaw.Valid) == 0 {
		t.Fatal("no entry vectors")
	}
	var evInvalid struct {
		Invalid []map[string]string `json:"invalid"`
	}
	readVectors(t, "internal/entry/testdata/entry-vectors.json", &evInvalid)
	for _, v := range evInvalid.Invalid {
		add("invalid entry "+v["description"], "decodeHeader", wantError(v["error"]), v["header_hex"])
	}

	var acc struct {
		Path    string              `json:"path"`
		Vectors []map[string]string `json:"vectors"`
	}
	readVectors(t, "internal/identity/testdata/account-key-vectors.json", &acc)
	for i, v := range acc.Vectors {
		add("account key "+string(rune('0'+i)), "accountKey", want(map[string]any{"public_key": v["public_key"], "account_id": v["account_id"]}), v["phrase"], v["passphrase"])
		add("bip39 seed "+string(rune('0'+i)), "phraseSeed", want(map[string]any{"seed": v["bip39_seed"]}), v["phrase"], v["passphrase"])
		add("slip-0010 "+string(rune('0'+i)), "slip10", want(map[string]any{"private_key": v["private_key"], "chain_code": v["chain_code"], "public_key": v["public_key"]}), v["bip39_seed"], acc.Path)
	}
	var trezor map[string][][]string
	readVectors(t, "internal/identity/testdata/bip39-trezor-vectors.json", &trezor)
	for _, v := range trezor["english"] {
		if len(strings.Fields(v[1])) == 24 {
			add("bip39 trezor "+v[0], "phraseSeed", want(map[string]any{"seed": v[2]}), v[1], "TREZOR")
		} else {
			add("bip39 trezor (not 24 words) "+v[0], "phraseSeed", wantError("24 words"), v[1], "TREZOR")
		}
	}
	var tid struct {
		Vectors []map[string]string `json:"vectors"`
	}
	readVectors(t, "internal/identity/testdata/textid-vectors.json", &tid)
	for _, v := range tid.Vectors {
		add("text id "+v["kind"], "textID", want(map[string]any{"text": v["text"]}), v["kind"], v["bytes"])
		add("parse text id "+v["kind"], "textID", want(map[string]any{"kind": v["kind"], "bytes": v["bytes"]}), v["text"])
	}

	var pv struct {
		Valid []struct {
			Name      string         `json:"name"`
			Type      string         `json:"type"`
			Hex       string         `json:"hex"`
			Reencodes bool           `json:"reencodes"`
			View      map[string]any `json:"view"`
		} `json:"valid"`
		Invalid []struct {
			Name  string `json:"name"`
			Hex   string `json:"hex"`
			Error string `json:"error"`
		} `json:"invalid"`
		DeviceCert map[string]any `json:"device_cert"`
	}
	readVectors(t, "internal/content/testdata/payload-vectors.json", &pv)
	for _, v := range pv.Valid {
		add("payload "+v.Name, "decodePayload", func(t *testing.T, got map[string]any) {
			if got["type"] != v.Type {
				t.Errorf("type %v, want %s (%v)", got["type"], v.Type, got)
				return
			}
			var view map[string]any
			d := json.NewDecoder(strings.NewReader(got["view"].(string)))
			d.UseNumber()
			if err := d.Decode(&view); err != nil || !reflect.DeepEqual(view, v.View) {
				t.Errorf("view %v, want %v (%v)", view, v.View, err)
			}
			if v.Reencodes && got["reencoded"] != v.Hex {
				t.Errorf("re-encoded %v, want %s", got["reencoded"], v.Hex)
			}
		}, v.Hex)
	}
	for _, v := range pv.Invalid {
		add("invalid payload "+v.Name, "decodePayload", func(t *testing.T, got map[string]any) {
			if got["error"] != v.Error {
				t.Errorf("error %q, want exactly %q", got["error"], v.Error)
			}
		}, v.Hex)
	}
	dc := pv.DeviceCert
	add("device certificate input", "deviceCertInput", want(map[string]any{"input": dc["device_cert_input"]}), dc["account_key"], dc["device_key"])
	add("device certificate", "deviceCert", want(map[string]any{"header": dc["header"], "payload": dc["payload"], "id": dc["entry_id"], "log_id": dc["log_id"]}), dc["account_seed"], dc["device_seed"], dc["name"], dc["timestamp"])

	var sv struct {
		Messages     []map[string]string `json:"messages"`
		Items        []map[string]any    `json:"items"`
		Fingerprints []struct {
			Description string `json:"description"`
			Items       []int  `json:"items"`
			Fingerprint string `json:"fingerprint_hex"`
		} `json:"fingerprints"`
		Invalid []struct {
			Name     string      `json:"name"`
			FrameHex string      `json:"frame_hex"`
			Code     json.Number `json:"code"`
		} `json:"invalid"`
	}
	readVectors(t, "internal/replicate/testdata/sync-vectors.json", &sv)
	for _, m := range sv.Messages {
		add("sync "+m["name"], "decodeFrame", want(map[string]any{"reencoded": m["frame_hex"]}), m["frame_hex"])
	}
	for i, it := range sv.Items {
		add("item hash "+string(rune('0'+i)), "itemHash", want(map[string]any{"hash": it["item_hash_hex"]}), it)
	}
	for _, f := range sv.Fingerprints {
		items := []any{}
		for _, i := range f.Items {
			items = append(items, sv.Items[i])
		}
		add("fingerprint "+f.Description, "fingerprint", want(map[string]any{"fingerprint": f.Fingerprint}), items)
	}
	for _, v := range sv.Invalid {
		add("invalid sync frame "+v.Name, "decodeFrame", want(map[string]any{"code": v.Code}), v.FrameHex)
	}

	tab := br.ctx
	br.do(tab, "open the vectors page", time.Minute, chromedp.Navigate(srv.URL+"/index.html"))
	waitJS[bool](br, tab, "load the WebAssembly build", 2*time.Minute, `document.title === 'ready'`)
	in, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	// Every answer goes back as JSON text, read with UseNumber as the
	// vector files are.
	js := `JSON.stringify((` + string(in) + `).map(c => kith[c.fn](...c.args)))`
	out := get(br, tab, "run the vectors", 2*time.Minute, chromedp.Evaluate[string](js))
	var answers []map[string]any
	d := json.NewDecoder(strings.NewReader(out))
	d.UseNumber()
	if err := d.Decode(&answers); err != nil {
		t.Fatal(err)
	}
	if len(answers) != len(calls) {
		t.Fatalf("%d answers to %d calls", len(answers), len(calls))
	}
	for i, c := range calls {
		t.Run(c.label, func(t *testing.T) { c.check(t, answers[i]) })
	}
	t.Logf("%d vectors checked in the browser", len(calls))
}
