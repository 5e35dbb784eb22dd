package services

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const leaseVectorPath = "testdata/lease.json"

// leaseVectorFile is testdata/lease.json, doc/protocol/services.md §9.
type leaseVectorFile struct {
	Comment          string            `json:"comment"`
	Requests         []leaseReqVector  `json:"requests"`
	Responses        []leaseRespVector `json:"responses"`
	Signed           leaseSignedVector `json:"signed"`
	InvalidRequests  []invalidBody     `json:"invalid_requests"`
	InvalidResponses []invalidBody     `json:"invalid_responses"`
}

type leaseReqVector struct {
	Name    string       `json:"name"`
	Request LeaseRequest `json:"request"`
	Hex     string       `json:"hex"`
}

type leaseRespVector struct {
	Name     string        `json:"name"`
	Response LeaseResponse `json:"response"`
	Hex      string        `json:"hex"`
}

// leaseSignedVector is one lease signed by the holder whose Ed25519 seed
// is Seed: the signing bytes and the signature.
type leaseSignedVector struct {
	Seed         string     `json:"seed"`
	Lease        LeaseTerms `json:"lease"`
	SigningBytes string     `json:"signing_bytes"`
	Signature    string     `json:"signature"`
	ResponseHex  string     `json:"response_hex"`
}

func nonce16(b byte) (n Nonce16) {
	for i := range n {
		n[i] = b
	}
	return n
}

// vectorHolder is the holder of the signed vector: the key of seed 42…42.
func vectorHolder() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x42}, 32))
}

func vectorLease() LeaseTerms {
	var holder Key32
	copy(holder[:], vectorHolder().Public().(ed25519.PublicKey))
	return LeaseTerms{Holder: holder, Account: key32(0xac), Asker: key32(0xde), Nonce: nonce16(0x5a),
		Seconds: 2592000, Bytes: 1 << 30, Entries: 1000000, HeldBytes: 4096, HeldEntries: 12}
}

var leaseRequestCases = []struct {
	name string
	q    LeaseRequest
}{
	{"30 days, 1 GiB", LeaseRequest{Account: key32(0xac), Nonce: nonce16(0x5a), Seconds: 2592000, Bytes: 1 << 30}},
	{"the longest, one byte", LeaseRequest{Account: key32(0x01), Nonce: nonce16(0x00), Seconds: MaxLeaseSeconds, Bytes: 1}},
}

func leaseResponseCases() []struct {
	name string
	p    LeaseResponse
} {
	l := vectorLease()
	return []struct {
		name string
		p    LeaseResponse
	}{
		{"granted", LeaseResponse{Lease: &l, Signature: signVector(l)}},
		{"not served", LeaseResponse{Code: RefuseNotServed, Reason: "this hub serves only its listed accounts"}},
		{"over limit", LeaseResponse{Code: RefuseOverLimit, Reason: "this hub holds 2000000 bytes of your logs, more than the 1048576 it keeps"}},
		{"not yours", LeaseResponse{Code: RefuseNotYours, Reason: "your device is not a current device of that account"}},
		{"full", LeaseResponse{Code: RefuseFull, Reason: "this hub keeps 64 leases and takes no more"}},
	}
}

func signVector(l LeaseTerms) (s Sig64) {
	b, err := l.SigningBytes()
	if err != nil {
		panic(err)
	}
	copy(s[:], ed25519.Sign(vectorHolder(), b))
	return s
}

var (
	reqOK     = "8501" + "5820" + strings.Repeat("ac", 32) + "50" + strings.Repeat("5a", 16)
	leaseKeys = "5820" + strings.Repeat("11", 32) + "5820" + strings.Repeat("ac", 32) + "5820" + strings.Repeat("de", 32) + "50" + strings.Repeat("5a", 16)
	sig       = "5840" + strings.Repeat("00", 64)
	badLease  = []invalidBody{
		{Name: "version 2", Hex: "8502" + reqOK[4:] + "0101", Version: true, Error: "version 2"},
		{Name: "0 seconds", Hex: reqOK + "0001", Error: "0 seconds"},
		{Name: "seconds above 2^32-1", Hex: reqOK + "1b0000000100000000" + "01", Error: "seconds"},
		{Name: "0 bytes", Hex: reqOK + "0100", Error: "0 bytes"},
		{Name: "short nonce", Hex: "8501" + "5820" + strings.Repeat("ac", 32) + "4f" + strings.Repeat("5a", 15) + "0101", Error: "nonce"},
		{Name: "no account", Hex: "8401" + "50" + strings.Repeat("5a", 16) + "0101", Error: "lease request"},
		{Name: "trailing byte", Hex: reqOK + "0101" + "00", Error: "trailing bytes"},
	}
	badLeaseResps = []invalidBody{
		{Name: "version 2", Hex: "830201" + "60", Version: true, Error: "version 2"},
		{Name: "refusal with a lease's length", Hex: "84010160" + sig, Error: "a grant has 4"},
		{Name: "grant without signature", Hex: "830100" + "89" + leaseKeys + "0101010000", Error: "a grant has 4"},
		{Name: "grant of 0 entries", Hex: "840100" + "89" + leaseKeys + "0101000000" + sig, Error: "each must be at least 1"},
		{Name: "short signature", Hex: "840100" + "89" + leaseKeys + "0101010000" + "5820" + strings.Repeat("00", 32), Error: "signature"},
		{Name: "reason not text", Hex: "83010141" + "00", Error: "reason"},
		{Name: "trailing byte", Hex: "8301016000", Error: "trailing bytes"},
	}
)

func buildLeaseVectors(t *testing.T) leaseVectorFile {
	t.Helper()
	f := leaseVectorFile{Comment: "doc/protocol/services.md §9: lease requests and responses with their canonical encoding, one lease signed by a fixed key, and bodies every reader must refuse"}
	for _, c := range leaseRequestCases {
		f.Requests = append(f.Requests, leaseReqVector{Name: c.name, Request: c.q, Hex: encodedHex(t, c.name, c.q.Encode)})
	}
	for _, c := range leaseResponseCases() {
		f.Responses = append(f.Responses, leaseRespVector{Name: c.name, Response: c.p, Hex: encodedHex(t, c.name, c.p.Encode)})
	}
	l := vectorLease()
	sb, err := l.SigningBytes()
	if err != nil {
		t.Fatal(err)
	}
	s := signVector(l)
	resp, err := LeaseResponse{Lease: &l, Signature: s}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	f.Signed = leaseSignedVector{Seed: strings.Repeat("42", 32), Lease: l, SigningBytes: hex.EncodeToString(sb), Signature: hex.EncodeToString(s[:]), ResponseHex: hex.EncodeToString(resp)}
	f.InvalidRequests, f.InvalidResponses = badLease, badLeaseResps
	return f
}

// TestLeaseVectors checks testdata/lease.json against this code: valid
// messages encode to their bytes and decode back, the signed lease's
// signing bytes and signature are as written and verify; invalid bodies
// are refused with their error. -update rewrites the file.
func TestLeaseVectors(t *testing.T) {
	got := goldenVectors(t, leaseVectorPath, buildLeaseVectors(t))
	for _, v := range got.Requests {
		decodesTo(t, v.Name, v.Hex, v.Request, DecodeLeaseRequest)
	}
	for _, v := range got.Responses {
		decodesTo(t, v.Name, v.Hex, v.Response, DecodeLeaseResponse)
	}
	// The signed bytes: the context, a zero byte, the lease's encoding.
	sb, _ := hex.DecodeString(got.Signed.SigningBytes)
	enc, _ := got.Signed.Lease.Encode()
	if !bytes.Equal(sb, append([]byte("kith/lease/v1\x00"), enc...)) {
		t.Fatalf("signing bytes %x are not the context, 0x00 and the lease %x", sb, enc)
	}
	sigb, _ := hex.DecodeString(got.Signed.Signature)
	if !ed25519.Verify(got.Signed.Lease.Holder[:], sb, sigb) {
		t.Fatal("the vector's signature does not verify with the holder's key")
	}
	// The lease's bytes stand in the response exactly as signed.
	resp, _ := hex.DecodeString(got.Signed.ResponseHex)
	if !bytes.Contains(resp, enc) || !bytes.HasPrefix(resp, []byte{0x84, 0x01, 0x00}) {
		t.Fatalf("response %x does not hold the lease %x after 84 01 00", resp, enc)
	}
	refusesAll(t, "request", got.InvalidRequests, ErrMalformedLease, func(b []byte) error { _, err := DecodeLeaseRequest(b); return err })
	refusesAll(t, "response", got.InvalidResponses, ErrMalformedLease, func(b []byte) error { _, err := DecodeLeaseResponse(b); return err })
}

// TestLeaseFrames: a framed request and response read back; a frame
// length out of bounds is malformed; a stream cut short is truncated.
func TestLeaseFrames(t *testing.T) {
	var buf bytes.Buffer
	q := leaseRequestCases[0].q
	if err := WriteLeaseRequest(&buf, q); err != nil {
		t.Fatal(err)
	}
	full := append([]byte(nil), buf.Bytes()...)
	if got, err := ReadLeaseRequest(&buf); err != nil || got != q {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := ReadLeaseRequest(bytes.NewReader(full[:len(full)-1])); !errors.Is(err, ErrTruncated) {
		t.Fatalf("cut short: %v, want ErrTruncated", err)
	}
	for _, head := range [][]byte{{0, 0, 0, 0}, {0, 0, 1, 1}} {
		if _, err := ReadLeaseRequest(bytes.NewReader(head)); !errors.Is(err, ErrMalformedLease) || !strings.Contains(err.Error(), "frame length") {
			t.Fatalf("frame head %x: %v, want a malformed frame length", head, err)
		}
	}
	p := leaseResponseCases()[0].p
	buf.Reset()
	if err := WriteLeaseResponse(&buf, p); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadLeaseResponse(&buf); err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if _, err := ReadLeaseResponse(bytes.NewReader([]byte{0, 0, 4, 1})); !errors.Is(err, ErrMalformedLease) {
		t.Fatalf("a response frame of 1025 bytes: %v, want malformed", err)
	}
}

// TestLeaseEncodeRefuses: nothing out of the format is written.
func TestLeaseEncodeRefuses(t *testing.T) {
	l := vectorLease()
	l.Entries = 0
	for name, f := range map[string]func() error{
		"request of 0 seconds":   func() error { _, err := (LeaseRequest{Bytes: 1}).Encode(); return err },
		"request of 0 bytes":     func() error { _, err := (LeaseRequest{Seconds: 1}).Encode(); return err },
		"request over 2^32-1 s":  func() error { _, err := (LeaseRequest{Seconds: MaxLeaseSeconds + 1, Bytes: 1}).Encode(); return err },
		"grant of 0 entries":     func() error { _, err := (LeaseResponse{Lease: &l}).Encode(); return err },
		"neither grant nor code": func() error { _, err := (LeaseResponse{}).Encode(); return err },
		"reason over 256 bytes": func() error {
			_, err := (LeaseResponse{Code: 1, Reason: strings.Repeat("x", 257)}).Encode()
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: encoded", name)
		}
	}
}

// FuzzDecodeLeaseRequest: DecodeLeaseRequest never panics, and what it
// accepts encodes back to the same bytes.
func FuzzDecodeLeaseRequest(f *testing.F) {
	for _, c := range leaseRequestCases {
		b, _ := c.q.Encode()
		f.Add(b)
	}
	for _, c := range badLease {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		q, err := DecodeLeaseRequest(body)
		if err != nil {
			return
		}
		again, err := q.Encode()
		if err != nil || !bytes.Equal(again, body) {
			t.Fatalf("DecodeLeaseRequest accepted %x, which encodes back as %x, %v", body, again, err)
		}
	})
}

// FuzzDecodeLeaseResponse: DecodeLeaseResponse never panics, and what it
// accepts encodes back to the same bytes.
func FuzzDecodeLeaseResponse(f *testing.F) {
	for _, c := range leaseResponseCases() {
		b, _ := c.p.Encode()
		f.Add(b)
	}
	for _, c := range badLeaseResps {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodeLeaseResponse(body)
		if err != nil {
			return
		}
		again, err := p.Encode()
		if err != nil || !bytes.Equal(again, body) {
			t.Fatalf("DecodeLeaseResponse accepted %x, which encodes back as %x, %v", body, again, err)
		}
	})
}
