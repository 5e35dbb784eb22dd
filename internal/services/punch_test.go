package services

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const punchVectorPath = "testdata/punch.json"

// punchVectorFile is testdata/punch.json, doc/protocol/services.md §10.
type punchVectorFile struct {
	Comment  string        `json:"comment"`
	Messages []punchVector `json:"messages"`
	Invalid  []invalidBody `json:"invalid"`
}

type punchVector struct {
	Name    string       `json:"name"`
	Message PunchMessage `json:"message"`
	Hex     string       `json:"hex"`
}

// ip4TCP is the binary multiaddr /ip4/a.b.c.d/tcp/port.
func ip4TCP(a, b, c, d byte, port uint16) Bytes {
	return Bytes{0x04, a, b, c, d, 0x06, byte(port >> 8), byte(port)}
}

var punchCases = []struct {
	name string
	m    PunchMessage
}{
	{"connect, one address", PunchMessage{Kind: PunchConnect, Addrs: []Bytes{ip4TCP(172, 31, 0, 12, 4001)}}},
	{"connect, the address a hub sees and a private one", PunchMessage{Kind: PunchConnect, Addrs: []Bytes{ip4TCP(172, 31, 0, 11, 4001), ip4TCP(10, 1, 0, 2, 4001)}}},
	{"sync", PunchMessage{Kind: PunchSync}},
	{"refusal", PunchMessage{Kind: PunchRefuse, Reason: "a punch with this peer is under way; try later"}},
}

var badPunches = []invalidBody{
	{Name: "version 2", Hex: "830201" + "80", Version: true, Error: "version 2"},
	{Name: "unknown kind", Hex: "830103" + "80", Error: "kind"},
	{Name: "connect without addresses", Hex: "830100" + "80", Error: "addresses"},
	{Name: "connect with 9 addresses", Hex: "830100" + "89" + strings.Repeat("4101", 9), Error: "addresses"},
	{Name: "empty address", Hex: "830100" + "81" + "40", Error: "address"},
	{Name: "address of 65 bytes", Hex: "830100" + "81" + "5841" + strings.Repeat("00", 65), Error: "address"},
	{Name: "sync with an address", Hex: "830101" + "81" + "4101", Error: "sync's addresses"},
	{Name: "reason not text", Hex: "830102" + "4100", Error: "reason"},
	{Name: "two elements", Hex: "820101", Error: "punch message"},
	{Name: "trailing byte", Hex: "830101" + "80" + "00", Error: "trailing bytes"},
}

func buildPunchVectors(t *testing.T) punchVectorFile {
	t.Helper()
	f := punchVectorFile{Comment: "doc/protocol/services.md §10: punch messages with their canonical encoding, and bodies every reader must refuse"}
	for _, c := range punchCases {
		f.Messages = append(f.Messages, punchVector{Name: c.name, Message: c.m, Hex: encodedHex(t, c.name, c.m.Encode)})
	}
	f.Invalid = badPunches
	return f
}

// TestPunchVectors checks testdata/punch.json against this code: valid
// messages encode to their bytes and decode back; invalid bodies are
// refused with their error. -update rewrites the file.
func TestPunchVectors(t *testing.T) {
	got := goldenVectors(t, punchVectorPath, buildPunchVectors(t))
	for _, v := range got.Messages {
		decodesTo(t, v.Name, v.Hex, v.Message, DecodePunch)
	}
	refusesAll(t, "punch", got.Invalid, ErrMalformedPunch, func(b []byte) error { _, err := DecodePunch(b); return err })
}

// TestPunchBounds: the largest connect fits its frame and reads back; a
// frame longer than the bound is refused before its body is read.
func TestPunchBounds(t *testing.T) {
	m := PunchMessage{Kind: PunchConnect}
	for range MaxPunchAddrs {
		m.Addrs = append(m.Addrs, bytes.Repeat([]byte{0xff}, MaxPunchAddr))
	}
	var buf bytes.Buffer
	if err := WritePunch(&buf, m); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len() - 4; n > MaxPunchMessage {
		t.Fatalf("largest connect is %d bytes, frame bound %d", n, MaxPunchMessage)
	}
	if got, err := ReadPunch(&buf); err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("ReadPunch: %+v, %v", got, err)
	}
	m.Addrs = append(m.Addrs, Bytes{1})
	if _, err := m.Encode(); err == nil {
		t.Fatal("Encode took 9 addresses")
	}
	if _, err := ReadPunch(bytes.NewReader([]byte{0, 0, 4, 1})); !errors.Is(err, ErrMalformedPunch) {
		t.Fatalf("a frame of 1025 bytes: %v, want ErrMalformedPunch", err)
	}
	if _, err := ReadPunch(bytes.NewReader([]byte{0, 0, 0, 3, 0x83})); !errors.Is(err, ErrTruncated) {
		t.Fatalf("a frame cut short: %v, want ErrTruncated", err)
	}
}

// FuzzDecodePunch: DecodePunch never panics, and what it accepts encodes
// back to the same bytes.
func FuzzDecodePunch(f *testing.F) {
	for _, c := range punchCases {
		b, err := c.m.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range badPunches {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodePunch(body)
		if err != nil {
			return
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatalf("DecodePunch accepted %x, Encode refuses it: %v", body, err)
		}
		if !bytes.Equal(again, body) {
			t.Fatalf("DecodePunch accepted %x, which encodes back as %x", body, again)
		}
	})
}
