package invite

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/code-vector.txt")

// vectorCode is a fixed code whose text form is pinned in testdata.
func vectorCode() Code {
	c := Code{
		Addrs:   []string{"/ip4/192.0.2.7/tcp/4001", "/ip4/192.0.2.7/udp/4001/quic-v1"},
		Expires: time.Unix(1800000000, 0).UTC(),
	}
	for i := range c.Account {
		c.Account[i] = byte(i)
		c.Device[i] = byte(0xff - i)
	}
	for i := range c.Secret {
		c.Secret[i] = byte(0xa0 + i)
	}
	return c
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
		t.Fatalf("encoding changed:\n got %s\nwant %s\n(if doc/protocol/invite.md changed, rerun with -update)", s, want)
	}
	c, err := Parse(string(want))
	if err != nil {
		t.Fatal(err)
	}
	v := vectorCode()
	if c.Account != v.Account || c.Device != v.Device || c.Secret != v.Secret || !c.Expires.Equal(v.Expires) || strings.Join(c.Addrs, " ") != strings.Join(v.Addrs, " ") {
		t.Fatalf("parsed %+v, want %+v", c, v)
	}
	// Only QR alphanumeric characters.
	for _, r := range s {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			t.Fatalf("character %q is not in the QR alphanumeric set", r)
		}
	}
}

func TestParseForgiving(t *testing.T) {
	s, _ := vectorCode().Encode()
	wrapped := strings.ToLower(s[:20]) + "\n  " + s[20:40] + "\t" + s[40:]
	c, err := Parse(wrapped)
	if err != nil {
		t.Fatalf("a wrapped lower-case code: %v", err)
	}
	if c.Secret != vectorCode().Secret {
		t.Fatal("wrong secret")
	}
}

func TestParseErrors(t *testing.T) {
	good, _ := vectorCode().Encode()
	flipped := []byte(good)
	i := len(Prefix) + 10
	if flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "must start with"},
		{"no prefix", good[len(Prefix):], "must start with"},
		{"a pairing code", "kithpair1:" + good[len(Prefix):], "this is a pairing code"},
		{"bad base32", Prefix + "!!!!", "bad base32"},
		{"short", Prefix + "AAAA", "too short"},
		{"mistyped", string(flipped), "mistyped or incomplete"},
		{"cut", good[:len(good)-8], ""},
		{"too long", Prefix + strings.Repeat("A", MaxCodeLen), "characters, at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrCode) {
				t.Fatalf("error %v does not wrap ErrCode", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestEncodeLimits(t *testing.T) {
	c := vectorCode()
	c.Addrs = make([]string, MaxAddrs+1)
	for i := range c.Addrs {
		c.Addrs[i] = "/ip4/127.0.0.1/tcp/1"
	}
	if _, err := c.Encode(); err == nil {
		t.Fatal("encoded 9 addresses")
	}
	c.Addrs = []string{strings.Repeat("a", MaxAddrLen+1)}
	if _, err := c.Encode(); err == nil {
		t.Fatal("encoded an oversized address")
	}
}

func TestExchangeRoundTrip(t *testing.T) {
	req := Request{CertHeader: bytes.Repeat([]byte{1}, 100), CertPayload: []byte("payload")}
	req.Secret[0] = 9
	var buf bytes.Buffer
	if err := WriteRequest(&buf, req); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRequest(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secret != req.Secret || !bytes.Equal(got.CertHeader, req.CertHeader) || !bytes.Equal(got.CertPayload, req.CertPayload) {
		t.Fatalf("request round trip: %+v", got)
	}
	resp := Response{Status: Expired, Message: strings.Repeat("é", 400)}
	buf.Reset()
	if err := WriteResponse(&buf, resp); err != nil {
		t.Fatal(err)
	}
	r, err := ReadResponse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Expired || len(r.Message) != MaxStatusMessage {
		t.Fatalf("response: status %v, message of %d bytes (want truncated to %d)", r.Status, len(r.Message), MaxStatusMessage)
	}
}

func TestCertRoundTripAndLimits(t *testing.T) {
	var buf bytes.Buffer
	c := Cert{Header: bytes.Repeat([]byte{7}, 120), Payload: []byte("p")}
	if err := WriteCert(&buf, c); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCert(&buf)
	if err != nil || !bytes.Equal(got.Header, c.Header) || !bytes.Equal(got.Payload, c.Payload) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	buf.Reset()
	_ = WriteCert(&buf, Cert{Header: bytes.Repeat([]byte{7}, 300), Payload: []byte("p")})
	if _, err := ReadCert(&buf); !errors.Is(err, ErrMessage) || !strings.Contains(err.Error(), "out of bounds") {
		t.Fatalf("oversized header: %v", err)
	}
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"zero length", []byte{0, 0, 0, 0}, "outside"},
		{"huge length", []byte{0, 1, 0, 0}, "outside"},
		{"not an array", []byte{0, 0, 0, 1, 0x01}, "malformed"},
		{"non-canonical", []byte{0, 0, 0, 3, 0x81, 0x18, 0x01}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRequest(bytes.NewReader(tc.in))
			if !errors.Is(err, ErrMessage) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrMessage saying %q", err, tc.want)
			}
			_, err = ReadResponse(bytes.NewReader(tc.in))
			if !errors.Is(err, ErrMessage) {
				t.Fatalf("response: error %v, want ErrMessage", err)
			}
		})
	}
}

// A stream that breaks or ends before a message is complete is not a
// malformed message (doc/protocol/invite.md, "Failures and breaches"): the
// stream's error comes back, wrapped, and ErrMessage does not match.
func TestReadStreamFailures(t *testing.T) {
	var frame bytes.Buffer
	if err := WriteRequest(&frame, Request{CertHeader: bytes.Repeat([]byte{1}, 100), CertPayload: []byte("payload")}); err != nil {
		t.Fatal(err)
	}
	errReset := errors.New("stream reset")
	for _, tc := range []struct {
		name string
		in   io.Reader
		want error
	}{
		{"ended before the message", bytes.NewReader(nil), io.EOF},
		{"ended inside the length", bytes.NewReader(frame.Bytes()[:2]), io.ErrUnexpectedEOF},
		{"ended inside the body", bytes.NewReader(frame.Bytes()[:frame.Len()/2]), io.ErrUnexpectedEOF},
		{"reset before the message", iotest.ErrReader(errReset), errReset},
		{"reset inside the length", io.MultiReader(bytes.NewReader(frame.Bytes()[:3]), iotest.ErrReader(errReset)), errReset},
		{"reset inside the body", io.MultiReader(bytes.NewReader(frame.Bytes()[:frame.Len()-1]), iotest.ErrReader(errReset)), errReset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRequest(tc.in)
			if !errors.Is(err, tc.want) || errors.Is(err, ErrMessage) {
				t.Fatalf("error %v, want one matching %v and not ErrMessage", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	good, _ := vectorCode().Encode()
	f.Add(good)
	f.Add(strings.ToLower(good))
	f.Add(Prefix + "AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		again, err := c.Encode()
		if err != nil {
			t.Fatalf("parsed code does not encode: %v", err)
		}
		c2, err := Parse(again)
		if err != nil || c2.Secret != c.Secret || c2.Account != c.Account {
			t.Fatalf("re-encoded code does not parse back: %v", err)
		}
	})
}

func FuzzReadMessage(f *testing.F) {
	var buf bytes.Buffer
	_ = WriteRequest(&buf, Request{CertHeader: []byte{1, 2, 3}})
	f.Add(buf.Bytes())
	buf.Reset()
	_ = WriteResponse(&buf, Response{Status: Blocked, Message: "no"})
	f.Add(buf.Bytes())
	buf.Reset()
	_ = WriteCert(&buf, Cert{Header: []byte{1}, Payload: []byte{2}})
	f.Add(buf.Bytes())
	f.Add([]byte{0, 0, 0, 1, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadRequest(bytes.NewReader(b))
		_, _ = ReadResponse(bytes.NewReader(b))
		_, _ = ReadCert(bytes.NewReader(b))
	})
}
