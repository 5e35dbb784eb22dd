package ice

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
)

type vectors struct {
	Protocol string `json:"protocol"`
	Valid    []struct {
		Name     string `json:"name"`
		Status   int    `json:"status"`
		Port     int    `json:"port,omitempty"`
		TTL      int    `json:"ttl,omitempty"`
		Username string `json:"username,omitempty"`
		Password string `json:"password,omitempty"`
		Bytes    string `json:"bytes"`
	} `json:"valid"`
	Invalid []struct {
		Name  string `json:"name"`
		Bytes string `json:"bytes"`
		Error string `json:"error"`
	} `json:"invalid"`
	Credentials []struct {
		Name     string `json:"name"`
		Secret   string `json:"secret"`
		Device   string `json:"device"`
		Now      string `json:"now"` // RFC 3339, the node's clock
		Username string `json:"username"`
		Password string `json:"password"`
		TTL      int    `json:"ttl_seconds"`
	} `json:"credentials"`
}

func readVectors(t testing.TB) vectors {
	b, err := os.ReadFile("testdata/ice-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectors: the valid answers encode to their bytes and decode back;
// the invalid ones are refused with their error; the credentials are
// derived as the vectors say.
func TestVectors(t *testing.T) {
	v := readVectors(t)
	if v.Protocol != Protocol || len(v.Valid) != 5 || len(v.Invalid) != 14 || len(v.Credentials) != 3 {
		t.Fatalf("%s: %d valid, %d invalid, %d credentials vectors; want %s, 5, 14, 3", v.Protocol, len(v.Valid), len(v.Invalid), len(v.Credentials), Protocol)
	}
	for _, c := range v.Valid {
		a := Answer{Status: Status(c.Status), Port: uint16(c.Port), TTL: uint32(c.TTL), Username: c.Username, Password: c.Password}
		want := unhex(t, c.Bytes)
		got, err := Encode(a)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: Encode = %x, %v; want %x", c.Name, got, err, want)
		}
		dec, err := Read(bytes.NewReader(want))
		if err != nil || dec != a {
			t.Fatalf("%s: Read = %+v, %v; want %+v", c.Name, dec, err, a)
		}
	}
	for _, c := range v.Invalid {
		b := unhex(t, c.Bytes)
		_, err := Read(bytes.NewReader(b))
		if err == nil || !strings.Contains(err.Error(), c.Error) {
			t.Fatalf("%s: Read(%x) = %v, want an error with %q", c.Name, b, err, c.Error)
		}
	}
	for _, c := range v.Credentials {
		now, err := time.Parse(time.RFC3339Nano, c.Now)
		if err != nil {
			t.Fatal(err)
		}
		dev := identity.PublicKey(unhex(t, c.Device))
		u, p, ttl := Credentials(unhex(t, c.Secret), dev, now)
		if u != c.Username || p != c.Password || ttl != time.Duration(c.TTL)*time.Second {
			t.Fatalf("%s: Credentials = %q, %q, %v; want %q, %q, %ds", c.Name, u, p, ttl, c.Username, c.Password, c.TTL)
		}
		gotDev, gotPass, err := Check(unhex(t, c.Secret), u, now)
		if err != nil || gotDev != dev || gotPass != p {
			t.Fatalf("%s: Check = %x, %q, %v", c.Name, gotDev[:4], gotPass, err)
		}
	}
}

// TestCheck: credentials hold until their expiry by the node's clock and
// not after; another secret gives another password; a username edited in
// any part is refused or gives another password.
func TestCheck(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, SecretSize)
	dev := identity.PublicKey(bytes.Repeat([]byte{0xab}, 32))
	now := time.Date(2026, 12, 7, 20, 0, 30, 0, time.UTC)
	u, p, ttl := Credentials(secret, dev, now)
	if ttl != TTL+30*time.Second {
		t.Fatalf("ttl %v, want %v", ttl, TTL+30*time.Second)
	}
	if u2, p2, _ := Credentials(secret, dev, now.Add(29*time.Second)); u2 != u || p2 != p {
		t.Fatalf("asked again in the same minute: %q, %q; want the same %q, %q", u2, p2, u, p)
	}
	if u2, _, _ := Credentials(secret, dev, now.Add(31*time.Second)); u2 == u {
		t.Fatalf("asked in the next minute: the same username %q", u2)
	}
	if _, got, err := Check(secret, u, now.Add(ttl-time.Second)); err != nil || got != p {
		t.Fatalf("a second before expiry: %q, %v", got, err)
	}
	if _, _, err := Check(secret, u, now.Add(ttl)); err == nil || !strings.Contains(err.Error(), "expired 0s ago: ask the node again") {
		t.Fatalf("at expiry: %v", err)
	}
	if _, got, _ := Check(bytes.Repeat([]byte{8}, SecretSize), u, now); got == p {
		t.Fatal("another secret gives the same password")
	}
	for _, c := range []struct{ username, err string }{
		{"", "has no ':'"},
		{"1796673660", "has no ':'"},
		{"+1796673660:" + dev.Hex(), "is not a decimal number"},
		{"01796673660:" + dev.Hex(), "is not a decimal number"},
		{"x:" + dev.Hex(), "is not a decimal number"},
		{"1796673660:" + strings.ToUpper(dev.Hex()), "is not 64 lowercase hex digits"},
		{"1796673660:" + dev.Hex()[2:], "is not 64 lowercase hex digits"},
		{"1796673660:" + dev.Hex()[2:] + "zz", "invalid byte"},
		{"1796680000:" + dev.Hex(), "ahead, more than this node gives"},
	} {
		if _, _, err := Check(secret, c.username, now); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Fatalf("Check(%q) = %v, want %q", c.username, err, c.err)
		}
	}
}

// TestEncodeRefuses: Encode makes no answer Decode would refuse.
func TestEncodeRefuses(t *testing.T) {
	for _, a := range []Answer{
		{Status: Off, Port: 1},
		{Status: 4},
		{Status: Given, TTL: 1, Username: "u", Password: "p"},
		{Status: Given, Port: 1, Username: "u", Password: "p"},
		{Status: Given, Port: 1, TTL: MaxTTL + 1, Username: "u", Password: "p"},
		{Status: Given, Port: 1, TTL: 1, Password: "p"},
		{Status: Given, Port: 1, TTL: 1, Username: "u u", Password: "p"},
		{Status: Given, Port: 1, TTL: 1, Username: "u", Password: strings.Repeat("p", MaxField+1)},
	} {
		if b, err := Encode(a); err == nil {
			t.Fatalf("Encode(%+v) = %x, want an error", a, b)
		}
	}
}

// TestReadTooLong: a stream longer than MaxSize is refused.
func TestReadTooLong(t *testing.T) {
	if _, err := Read(bytes.NewReader(make([]byte, MaxSize+1))); err == nil || !strings.Contains(err.Error(), "longer than its largest size (266 bytes)") {
		t.Fatalf("Read = %v", err)
	}
}

// FuzzDecode: Decode never panics, and what it accepts encodes back to
// the same bytes.
func FuzzDecode(f *testing.F) {
	v := readVectors(f)
	for _, c := range v.Valid {
		f.Add(unhex(f, c.Bytes))
	}
	for _, c := range v.Invalid {
		f.Add(unhex(f, c.Bytes))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(a)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("Decode(%x) = %+v, which encodes to %x, %v", b, a, again, err)
		}
	})
}

// FuzzCheck: Check never panics on any username.
func FuzzCheck(f *testing.F) {
	for _, c := range readVectors(f).Credentials {
		f.Add(c.Username)
	}
	f.Add("")
	f.Add("9:")
	secret := bytes.Repeat([]byte{1}, SecretSize)
	now := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, u string) {
		dev, p, err := Check(secret, u, now)
		if err == nil && (p == "" || !strings.HasSuffix(u, dev.Hex())) {
			t.Fatalf("Check(%q) = %x, %q", u, dev[:4], p)
		}
	})
}
