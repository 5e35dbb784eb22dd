package pairing

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// seq returns n bytes start, start+1, …: fixed "randomness" for vectors.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func newDeviceKey() identity.PublicKey {
	var k identity.PublicKey
	for i := range k {
		k[i] = byte(0x30 + i)
	}
	return k
}

// runExchange runs CPace and the tags with fixed randomness; secret is the
// pairing device's, which may differ from the code's.
func runExchange(t *testing.T, code Code, secret [SecretSize]byte) (Hello, Offer, Keys, Keys) {
	t.Helper()
	in, hello, err := NewInitiator(bytes.NewReader(append(seq(0x20, SIDSize), seq(0x40, 64)...)), code, newDeviceKey())
	if err != nil {
		t.Fatal(err)
	}
	parties := Parties{Account: code.Account, Pairing: code.Device, New: newDeviceKey()}
	share, rkeys, err := Respond(bytes.NewReader(seq(0x80, 64)), parties, secret, hello)
	if err != nil {
		t.Fatal(err)
	}
	ikeys, err := in.Finish(share)
	if err != nil {
		t.Fatal(err)
	}
	return hello, Offer{Status: OK, Share: share}, ikeys, rkeys
}

func vectorRequest() (sig [64]byte, name string, certs []Cert) {
	copy(sig[:], seq(0xc0, 64))
	return sig, "phone", []Cert{{Header: seq(1, 10), Payload: seq(2, 5)}, {Header: seq(3, 4), Payload: seq(4, 3)}}
}

func TestExchangeSameSecret(t *testing.T) {
	code := vectorCode()
	_, _, ik, rk := runExchange(t, code, code.Secret)
	if ik != rk {
		t.Fatal("the two sides derived different keys from the same secret")
	}
	sig, name, certs := vectorRequest()
	tag := ik.RequestTag(sig, name)
	if !rk.CheckRequestTag(tag, sig, name) {
		t.Fatal("request tag refused")
	}
	if rk.CheckRequestTag(tag, sig, name+"x") {
		t.Fatal("request tag accepted for another name")
	}
	rt, err := rk.ResultTag(tag, certs)
	if err != nil {
		t.Fatal(err)
	}
	if !ik.CheckResultTag(rt, tag, certs) {
		t.Fatal("result tag refused")
	}
	if ik.CheckResultTag(rt, tag, certs[:1]) {
		t.Fatal("result tag accepted for other certificates")
	}
}

func TestExchangeWrongSecret(t *testing.T) {
	code := vectorCode()
	wrong := code.Secret
	wrong[0] ^= 1
	_, _, ik, rk := runExchange(t, code, wrong)
	if ik == rk {
		t.Fatal("a wrong secret gave the same keys")
	}
	sig, name, _ := vectorRequest()
	if rk.CheckRequestTag(ik.RequestTag(sig, name), sig, name) {
		t.Fatal("a request tag made with the wrong secret was accepted")
	}
}

// The channel binds the run to the two devices: a pairing device that sees
// another new device key (a relayed hello) derives other keys.
func TestExchangeBoundToDevices(t *testing.T) {
	code := vectorCode()
	in, hello, err := NewInitiator(bytes.NewReader(append(seq(0x20, SIDSize), seq(0x40, 64)...)), code, newDeviceKey())
	if err != nil {
		t.Fatal(err)
	}
	other := newDeviceKey()
	other[0] ^= 1
	share, rk, err := Respond(bytes.NewReader(seq(0x80, 64)), Parties{Account: code.Account, Pairing: code.Device, New: other}, code.Secret, hello)
	if err != nil {
		t.Fatal(err)
	}
	ik, err := in.Finish(share)
	if err != nil {
		t.Fatal(err)
	}
	if ik == rk {
		t.Fatal("keys do not depend on the new device's key")
	}
}

func TestRespondRefusesBadShares(t *testing.T) {
	code := vectorCode()
	p := Parties{Account: code.Account, Pairing: code.Device, New: newDeviceKey()}
	for name, share := range map[string][elementSize]byte{
		"identity": {},
		"not a point": func() (b [32]byte) {
			copy(b[:], mustHex("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"))
			return
		}(),
		"non-canonical": func() (b [32]byte) { b[0] = 0xff; return }(),
	} {
		_, _, err := Respond(bytes.NewReader(seq(0x80, 64)), p, code.Secret, Hello{Share: share})
		if !errors.Is(err, ErrIdentity) {
			t.Errorf("%s: err %v, want ErrIdentity", name, err)
		}
	}
	// A hello reflecting the responder's own share.
	in, h, _ := NewInitiator(bytes.NewReader(append(seq(0x20, SIDSize), seq(0x80, 64)...)), code, newDeviceKey())
	_ = in
	if _, _, err := Respond(bytes.NewReader(seq(0x80, 64)), p, code.Secret, h); !errors.Is(err, ErrSameShare) {
		t.Errorf("reflected share: err %v, want ErrSameShare", err)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// exchangeVector pins every derived value and message of one run with
// fixed randomness (testdata/exchange-vector.json, doc/protocol/pairing.md).
type exchangeVector struct {
	Note         string `json:"note"`
	Code         string `json:"code"`
	NewDevice    string `json:"new_device"`
	InitRandom   string `json:"initiator_random"`
	RespRandom   string `json:"responder_random"`
	CI           string `json:"ci"`
	Generator    string `json:"generator"`
	Hello        string `json:"hello"`
	Offer        string `json:"offer"`
	RequestKey   string `json:"request_key"`
	ResultKey    string `json:"result_key"`
	DeviceSig    string `json:"device_sig"`
	Name         string `json:"name"`
	Request      string `json:"request"`
	CertHeader0  string `json:"cert0_header"`
	CertPayload0 string `json:"cert0_payload"`
	CertHeader1  string `json:"cert1_header"`
	CertPayload1 string `json:"cert1_payload"`
	Result       string `json:"result"`
	Refusal      string `json:"refusal"`
}

func TestExchangeVector(t *testing.T) {
	code := vectorCode()
	hello, offer, ik, _ := runExchange(t, code, code.Secret)
	sig, name, certs := vectorRequest()
	req := Request{Tag: ik.RequestTag(sig, name), DeviceSig: sig, Name: name}
	rt, err := ik.ResultTag(req.Tag, certs)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(m interface{ Encode() ([]byte, error) }) string {
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(b)
	}
	text, _ := code.Encode()
	p := Parties{Account: code.Account, Pairing: code.Device, New: newDeviceKey()}
	got := exchangeVector{
		Note:        "kith pairing exchange, doc/protocol/pairing.md; messages are framed (4-byte length, canonical CBOR)",
		Code:        text,
		NewDevice:   hex.EncodeToString(p.New[:]),
		InitRandom:  hex.EncodeToString(append(seq(0x20, SIDSize), seq(0x40, 64)...)),
		RespRandom:  hex.EncodeToString(seq(0x80, 64)),
		CI:          hex.EncodeToString(p.channelID()),
		Generator:   hex.EncodeToString(generator(code.Secret[:], p.channelID(), hello.SID[:]).Encode(nil)),
		Hello:       enc(hello),
		Offer:       enc(offer),
		RequestKey:  hex.EncodeToString(ik.request[:]),
		ResultKey:   hex.EncodeToString(ik.result[:]),
		DeviceSig:   hex.EncodeToString(sig[:]),
		Name:        name,
		Request:     enc(req),
		CertHeader0: hex.EncodeToString(certs[0].Header), CertPayload0: hex.EncodeToString(certs[0].Payload),
		CertHeader1: hex.EncodeToString(certs[1].Header), CertPayload1: hex.EncodeToString(certs[1].Payload),
		Result:  enc(Result{Status: OK, Message: "welcome", Tag: rt, Certs: certs}),
		Refusal: enc(Result{Status: WrongCode, Message: "wrong code"}),
	}
	path := filepath.Join("testdata", "exchange-vector.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want exchangeVector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("the exchange changed:\n got %+v\nwant %+v\n(if doc/protocol/pairing.md changed, rerun with -update)", got, want)
	}
	// The pinned messages read back to what made them.
	h2, err := ReadHello(bytes.NewReader(mustHex(want.Hello)))
	if err != nil || h2 != hello {
		t.Fatalf("hello: %v", err)
	}
	r2, err := ReadRequest(bytes.NewReader(mustHex(want.Request)))
	if err != nil || r2 != req {
		t.Fatalf("request: %v", err)
	}
	res, err := ReadResult(bytes.NewReader(mustHex(want.Result)))
	if err != nil || res.Tag != rt || len(res.Certs) != 2 || !ik.CheckResultTag(res.Tag, req.Tag, res.Certs) {
		t.Fatalf("result: %v %+v", err, res)
	}
}

// BenchmarkRespond is the pairing device's cost of one run's CPace (what a
// peer with a code's id makes it spend per hello).
func BenchmarkRespond(b *testing.B) {
	code := vectorCode()
	_, hello, err := NewInitiator(bytes.NewReader(append(seq(0x20, SIDSize), seq(0x40, 64)...)), code, newDeviceKey())
	if err != nil {
		b.Fatal(err)
	}
	p := Parties{Account: code.Account, Pairing: code.Device, New: newDeviceKey()}
	for b.Loop() {
		if _, _, err := Respond(bytes.NewReader(seq(0x80, 64)), p, code.Secret, hello); err != nil {
			b.Fatal(err)
		}
	}
}
