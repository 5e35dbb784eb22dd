package content

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

var update = flag.Bool("update", false, "rewrite testdata/payload-vectors.json from the tables in the tests")

const vectorPath = "testdata/payload-vectors.json"

// vectorFile is the layout of testdata/payload-vectors.json, the test
// vectors of doc/protocol/payloads.md for other implementations.
type vectorFile struct {
	Comment    string           `json:"comment"`
	Valid      []validVector    `json:"valid"`
	Invalid    []invalidVector  `json:"invalid"`
	DeviceCert deviceCertVector `json:"device_cert"`
}

type validVector struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Hex  string `json:"hex"`
	// Canonical: re-encoding the typed value gives Hex again (false for
	// unknown types and for known types with extra keys).
	Canonical bool           `json:"reencodes"`
	View      map[string]any `json:"view"`
}

type invalidVector struct {
	Name       string `json:"name"`
	Hex        string `json:"hex"`
	Error      string `json:"error"`
	NotCBORMap bool   `json:"not_cbor_map"`
}

type deviceCertVector struct {
	AccountSeed  string `json:"account_seed"`
	DeviceSeed   string `json:"device_seed"`
	AccountKey   string `json:"account_key"`
	DeviceKey    string `json:"device_key"`
	Name         string `json:"name"`
	Timestamp    uint64 `json:"timestamp"`
	LogID        string `json:"log_id"`
	SigningInput string `json:"device_cert_input"`
	DeviceSig    string `json:"device_sig"`
	Payload      string `json:"payload"`
	Header       string `json:"header"`
	EntryID      string `json:"entry_id"`
	RevokeReason string `json:"revoke_reason"`
	RevokeTime   uint64 `json:"revoke_timestamp"`
	RevokePay    string `json:"revoke_payload"`
	RevokeHeader string `json:"revoke_header"`
	RevokeID     string `json:"revoke_entry_id"`
}

// jsonView normalises a ToJSON view to what encoding/json reads back.
func jsonView(t testing.TB, v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // keep 64-bit integers exact
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func buildVectors(t *testing.T) vectorFile {
	f := vectorFile{Comment: "Test vectors for doc/protocol/payloads.md. valid: payloads that decode; view is the JSON view. invalid: payloads that must be rejected; error is this implementation's message; not_cbor_map marks bytes that are not a CBOR map with a text \"type\" (kept as opaque payloads). device_cert: a device certificate and its revocation built from the given Ed25519 seeds; header is the encoded signed entry header (doc/protocol/entry.md)."}
	addValid := func(name string, b []byte) {
		p, extra, err := decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, unknown := p.(*Unknown)
		f.Valid = append(f.Valid, validVector{Name: name, Type: p.Type(), Hex: hex.EncodeToString(b), Canonical: !unknown && extra == 0, View: jsonView(t, ToJSON(p))})
	}
	for _, c := range typedCases() {
		b, err := Encode(c.p)
		if err != nil {
			t.Fatal(err)
		}
		addValid(c.name, b)
	}
	account, device, cert, _ := newCert(t)
	rev, err := NewDeviceRevoke(account, cert, "lost on a train", []KeptHead{{ID: eid("village head"), KeptAt: KeptAt{LogID: entry.LogID{31: 7}, Seq: 12}}, {ID: eid("public head"), KeptAt: KeptAt{Seq: 40}}}, ts+1)
	if err != nil {
		t.Fatal(err)
	}
	addValid("device.add/certificate", cert.Payload)
	addValid("device.revoke/certificate", rev.Payload)
	addValid("post/extra-keys", cborOf(t, map[string]any{"type": "post", "text": "hi", "lang": "en"}))
	addValid("unknown/village.found", cborOf(t, map[string]any{"type": "village.found", "charter": []byte{0xca, 0xfe}, "n": uint64(3), "neg": int64(-7), "nested": map[any]any{uint64(1): "a", "k": []any{true, nil}}}))
	addValid("unknown/type-only", cborOf(t, map[string]any{"type": "x"}))
	addValid("unknown/integer-range", unhex(t, "a4"+"6162"+"3bffffffffffffffff"+"6175"+"1bffffffffffffffff"+hType+hX+"656279746573"+"a2"+"00"+"f6"+"4100"+"f4"))

	for _, c := range rejectCases() {
		f.Invalid = append(f.Invalid, invalidVector{Name: c.name, Hex: c.hex, Error: c.want, NotCBORMap: c.not})
	}
	for _, c := range fieldRejectCases() {
		f.Invalid = append(f.Invalid, invalidVector{Name: c.name, Hex: hex.EncodeToString(cborOf(t, c.m)), Error: c.want})
	}

	a, d := account.Public(), device.Public()
	sig := device.Sign(DeviceCertInput(a, d))
	f.DeviceCert = deviceCertVector{
		AccountSeed:  hex.EncodeToString(account.Seed()),
		DeviceSeed:   hex.EncodeToString(device.Seed()),
		AccountKey:   a.Hex(),
		DeviceKey:    d.Hex(),
		Name:         "laptop",
		Timestamp:    ts,
		LogID:        DeviceCertLog(d).Hex(),
		SigningInput: hex.EncodeToString(DeviceCertInput(a, d)),
		DeviceSig:    hex.EncodeToString(sig[:]),
		Payload:      hex.EncodeToString(cert.Payload),
		Header:       hex.EncodeToString(cert.Raw),
		EntryID:      cert.ID.Hex(),
		RevokeReason: "lost on a train",
		RevokeTime:   ts + 1,
		RevokePay:    hex.EncodeToString(rev.Payload),
		RevokeHeader: hex.EncodeToString(rev.Raw),
		RevokeID:     rev.ID.Hex(),
	}
	return f
}

// TestVectors checks testdata/payload-vectors.json against the tables of
// these tests (regenerate with -update) and, independently, checks every
// vector in the file against Decode.
func TestVectors(t *testing.T) {
	want := buildVectors(t)
	enc, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	enc = append(enc, '\n')
	if *update {
		if err := os.WriteFile(vectorPath, enc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, enc) {
		t.Errorf("%s is out of date; if the format change is intended, run: go test ./internal/content -run TestVectors -update", vectorPath)
	}

	var f vectorFile
	d := json.NewDecoder(bytes.NewReader(got))
	d.UseNumber()
	if err := d.Decode(&f); err != nil {
		t.Fatal(err)
	}
	for _, v := range f.Valid {
		b, _ := hex.DecodeString(v.Hex)
		p, err := Decode(b)
		if err != nil {
			t.Errorf("valid %s: %v", v.Name, err)
			continue
		}
		if p.Type() != v.Type || !reflect.DeepEqual(jsonView(t, ToJSON(p)), v.View) {
			t.Errorf("valid %s: type %q view %v", v.Name, p.Type(), ToJSON(p))
		}
		if v.Canonical {
			again, err := Encode(p)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("valid %s: re-encoded to %x, %v", v.Name, again, err)
			}
		}
	}
	for _, v := range f.Invalid {
		b, _ := hex.DecodeString(v.Hex)
		_, err := Decode(b)
		if err == nil || err.Error() != v.Error || errors.Is(err, ErrNotCBORMap) != v.NotCBORMap {
			t.Errorf("invalid %s: got %v, want %q", v.Name, err, v.Error)
		}
	}
	dc := f.DeviceCert
	if len(f.Valid) == 0 || len(f.Invalid) == 0 || dc.Payload == "" {
		t.Fatal("empty vector file")
	}
}
