package services

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

const addrsVectorPath = "testdata/addrs.json"

// addrsVectorFile is testdata/addrs.json, doc/protocol/services.md §11.
type addrsVectorFile struct {
	Comment string        `json:"comment"`
	Seed    string        `json:"device_seed"`
	Records []addrsVector `json:"records"`
	Invalid []invalidBody `json:"invalid"`
}

type addrsVector struct {
	Name         string     `json:"name"`
	Record       AddrRecord `json:"record"`
	SigningInput string     `json:"signing_input"`
	Hex          string     `json:"hex"`
}

// addrsKey is the device of the vectors: seed 32 bytes of 0x42.
func addrsKey(t testing.TB) identity.PrivateKey {
	k, err := identity.KeyFromSeed(bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func signedRecord(t testing.TB, seq uint64, addrs ...Bytes) AddrRecord {
	k := addrsKey(t)
	a := AddrRecord{Device: Key32(k.Public()), Seq: seq, Addrs: addrs}
	if err := a.Sign(k.Sign); err != nil {
		t.Fatal(err)
	}
	return a
}

func addrsCases(t testing.TB) []struct {
	name string
	a    AddrRecord
} {
	return []struct {
		name string
		a    AddrRecord
	}{
		{"first record, one address", signedRecord(t, 1, ip4TCP(172, 31, 0, 20, 4001))},
		{"after a move, two addresses", signedRecord(t, 2, ip4TCP(172, 31, 0, 30, 4001), ip4TCP(10, 9, 0, 2, 4001))},
	}
}

func TestAddrsVectors(t *testing.T) {
	want := addrsVectorFile{Comment: "doc/protocol/services.md §11: address records signed by the device of seed 42…42, with the bytes signed and their encoding, and bodies every reader must refuse", Seed: strings.Repeat("42", 32)}
	var first string
	for _, c := range addrsCases(t) {
		in, err := c.a.SigningInput()
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.a.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = hex.EncodeToString(b)
		}
		want.Records = append(want.Records, addrsVector{Name: c.name, Record: c.a, SigningInput: hex.EncodeToString(in), Hex: hex.EncodeToString(b)})
	}
	flip := []byte(first)
	flip[len(flip)-1] ^= 1 // the last hex digit of the signature
	dev := first[4:72]     // the device
	want.Invalid = []invalidBody{
		{Name: "version 2", Hex: "8502" + first[4:], Version: true, Error: "version 2"},
		{Name: "seq 0", Hex: "8501" + dev + "00814804ac1f0014060fa1" + "5840" + strings.Repeat("00", 64), Error: "seq 0"},
		{Name: "no addresses", Hex: "8501" + dev + "0180" + "5840" + strings.Repeat("00", 64), Error: "addresses"},
		{Name: "short signature", Hex: "8501" + dev + "01814804ac1f0014060fa1" + "5820" + strings.Repeat("00", 32), Error: "signature"},
		{Name: "trailing byte", Hex: first + "00", Error: "trailing bytes"},
	}
	got := goldenVectors(t, addrsVectorPath, want)
	for _, v := range got.Records {
		a := decodesTo(t, v.Name, v.Hex, v.Record, DecodeAddrRecord)
		if err := a.Verify(); err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
	}
	refusesAll(t, "record", got.Invalid, ErrMalformedAddrs, func(b []byte) error { _, err := DecodeAddrRecord(b); return err })
	// A flipped signature bit decodes but does not verify.
	body, _ := hex.DecodeString(string(flip))
	a, err := DecodeAddrRecord(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(); !errors.Is(err, ErrAddrSignature) {
		t.Fatalf("a record with a flipped signature bit: %v, want ErrAddrSignature", err)
	}
}

// TestAddrRecordSpoofed: a record naming another device than the key that
// signed it, or whose addresses or seq were changed after signing, does
// not verify.
func TestAddrRecordSpoofed(t *testing.T) {
	a := signedRecord(t, 5, ip4TCP(172, 31, 0, 20, 4001))
	other, _ := identity.KeyFromSeed(bytes.Repeat([]byte{7}, 32))
	forged := a
	forged.Device = Key32(other.Public())
	moved := a
	moved.Addrs = []Bytes{ip4TCP(192, 168, 1, 1, 80)}
	bumped := a
	bumped.Seq = 6
	for name, r := range map[string]AddrRecord{"another device": forged, "other addresses": moved, "a higher seq": bumped} {
		if err := r.Verify(); !errors.Is(err, ErrAddrSignature) {
			t.Errorf("%s: Verify = %v, want ErrAddrSignature", name, err)
		}
	}
}

// FuzzDecodeAddrRecord: DecodeAddrRecord never panics, and what it accepts
// encodes back to the same bytes.
func FuzzDecodeAddrRecord(f *testing.F) {
	for _, c := range addrsCases(f) {
		b, err := c.a.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := DecodeAddrRecord(body)
		if err != nil {
			return
		}
		_ = a.Verify()
		again, err := a.Encode()
		if err != nil {
			t.Fatalf("DecodeAddrRecord accepted %x, Encode refuses it: %v", body, err)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("DecodeAddrRecord accepted %x, which encodes back as %x", body, again)
		}
	})
}

// TestAddrRecordBounds: the largest record (8 addresses of 64 bytes, the
// highest seq) is 640 bytes, within its frame, and reads back.
func TestAddrRecordBounds(t *testing.T) {
	var addrs []Bytes
	for range MaxRecordAddrs {
		addrs = append(addrs, bytes.Repeat([]byte{0xff}, MaxPunchAddr))
	}
	a := signedRecord(t, ^uint64(0), addrs...)
	var buf bytes.Buffer
	if err := WriteAddrRecord(&buf, a); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len() - 4; n != 640 || n > MaxAddrRecord {
		t.Fatalf("largest record is %d bytes, want 640 (frame bound %d)", n, MaxAddrRecord)
	}
	if got, err := ReadAddrRecord(&buf); err != nil || !reflect.DeepEqual(got, a) || got.Verify() != nil {
		t.Fatalf("ReadAddrRecord: %+v, %v", got, err)
	}
	if _, err := ReadAddrRecord(bytes.NewReader([]byte{0, 0, 3, 1})); !errors.Is(err, ErrMalformedAddrs) {
		t.Fatalf("a frame of 769 bytes: %v, want ErrMalformedAddrs", err)
	}
}
