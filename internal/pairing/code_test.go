package pairing

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the vectors in testdata")

// vectorCode is a fixed code whose text form is pinned in testdata.
func vectorCode() Code {
	c := Code{
		Addrs:   []string{"/ip4/192.0.2.7/tcp/4001", "/ip4/192.0.2.7/udp/4001/quic-v1"},
		Expires: time.Unix(1800000000, 0).UTC(),
	}
	for i := range c.Account {
		c.Account[i] = byte(i + 1)
		c.Device[i] = byte(0xff - i)
	}
	for i := range c.ID {
		c.ID[i] = byte(0x10 + i)
	}
	for i := range c.Secret {
		c.Secret[i] = byte(0xa0 + i)
	}
	return c
}

func sameCode(a, b Code) bool {
	return a.Account == b.Account && a.Device == b.Device && a.ID == b.ID && a.Secret == b.Secret &&
		a.Expires.Equal(b.Expires) && strings.Join(a.Addrs, " ") == strings.Join(b.Addrs, " ")
}

func TestCodeVector(t *testing.T) {
	s, err := vectorCode().Encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "code-vector.txt")
	if *update {
		if err := os.WriteFile(path, []byte(s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s != strings.TrimSpace(string(want)) {
		t.Fatalf("encoding changed:\n got %s\nwant %s\n(if doc/protocol/pairing.md changed, rerun with -update)", s, want)
	}
	c, err := Parse(string(want))
	if err != nil {
		t.Fatal(err)
	}
	if !sameCode(c, vectorCode()) {
		t.Fatalf("parsed %+v, want %+v", c, vectorCode())
	}
	// Only characters of the QR alphanumeric mode.
	for _, r := range s {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			t.Fatalf("character %q is not QR alphanumeric", r)
		}
	}
}

func TestParseLenient(t *testing.T) {
	s, _ := vectorCode().Encode()
	wrapped := strings.ToLower(s[:20]) + "\n  " + s[20:40] + "\t" + s[40:] + "\r\n"
	c, err := Parse(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if !sameCode(c, vectorCode()) {
		t.Fatal("lenient parse changed the code")
	}
}

func TestParseRefuses(t *testing.T) {
	s, _ := vectorCode().Encode()
	flip := []byte(s)
	i := len(Prefix) + 10
	if flip[i] == 'A' {
		flip[i] = 'B'
	} else {
		flip[i] = 'A'
	}
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "must start with"},
		{"invite code", "KITH1:AAAA", "invite code"},
		{"typo", string(flip), "mistyped or incomplete"},
		{"truncated", s[:len(s)-5], "mistyped or incomplete"},
		{"bad base32", Prefix + "!!!!", "mistyped or incomplete"},
		{"too short", Prefix + "AAAA", "incomplete"},
		{"too long", Prefix + strings.Repeat("A", MaxCodeLen), "characters, at most"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.in)
			if !errors.Is(err, ErrCode) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want ErrCode with %q", err, c.want)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	c := vectorCode()
	c.Addrs = make([]string, MaxAddrs+1)
	for i := range c.Addrs {
		c.Addrs[i] = "/ip4/192.0.2.1/tcp/1"
	}
	if _, err := c.Encode(); !errors.Is(err, ErrCode) {
		t.Errorf("9 addresses: %v", err)
	}
	c = vectorCode()
	c.Device = c.Account
	if _, err := c.Encode(); !errors.Is(err, ErrCode) {
		t.Errorf("device = account: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	s, _ := vectorCode().Encode()
	f.Add(s)
	f.Add(strings.ToLower(s))
	f.Add(Prefix)
	f.Add("KITH1:AAAA")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrCode) {
				t.Fatalf("error %v does not wrap ErrCode", err)
			}
			return
		}
		again, err := c.Encode()
		if err != nil {
			t.Fatalf("a parsed code does not encode: %v", err)
		}
		c2, err := Parse(again)
		if err != nil || !sameCode(c, c2) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
