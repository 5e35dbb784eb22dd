package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/store"
)

func TestCursorRoundTrip(t *testing.T) {
	var c cursor
	for i := range c.log.Author {
		c.log.Author[i] = byte(i)
		c.log.LogID[i] = byte(255 - i)
	}
	c.seq = 1<<40 + 3
	s := c.String()
	if len(s) != 96 || strings.ContainsAny(s, "+/=") {
		t.Fatalf("cursor text %q: want 96 base64url characters", s)
	}
	got, err := parseCursor(s)
	if err != nil || got != c {
		t.Fatalf("parseCursor(%q) = %+v, %v; want %+v", s, got, err, c)
	}
}

var cursorSeeds = []string{
	"",
	"abc",
	strings.Repeat("A", 96),
	strings.Repeat("A", 95) + "B",
	strings.Repeat("_", 96),
	strings.Repeat("A", 86) + "AAAAAAAAAB",
	strings.Repeat("A", 97),
	strings.Repeat("A", 94) + "==",
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range cursorSeeds {
		f.Add(s)
	}
	f.Add(cursor{seq: 1}.String())
	f.Add(cursor{seq: 1 << 63}.String())
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			var we *wire.Error
			if !errors.As(err, &we) || we.Code != wire.CodeBadRequest {
				t.Fatalf("error %v is not a bad_request", err)
			}
			return
		}
		// Only canonical text is accepted: it is what String makes.
		if c.String() != s || c.seq == 0 {
			t.Fatalf("parseCursor(%q) = %+v, which prints as %q", s, c, c.String())
		}
	})
}

var hostSeeds = []struct {
	host string
	ok   bool
}{
	{"localhost", true}, {"LOCALHOST:1", true}, {"127.0.0.1", true}, {"127.0.0.1:7690", true},
	{"127.255.255.254:1", true}, {"[::1]", true}, {"[::1]:80", true}, {"::1", true},
	{"[::ffff:127.0.0.1]:1", true},
	{"", false}, {"localhost.", false}, {"evil.example", false}, {"127.0.0.1.evil.example", false},
	{"10.0.0.1", false}, {"[::]:1", false}, {"0.0.0.0", false}, {"[fe80::1%lo]:1", false},
	{"localhost:", false}, {"localhost:http", false}, {"[::1]:-1", false}, {"[::1", false}, {"127.0.0.1:1:2", false},
}

func TestLoopbackHost(t *testing.T) {
	for _, c := range hostSeeds {
		if got := loopbackHost(c.host); got != c.ok {
			t.Errorf("loopbackHost(%q) = %v, want %v", c.host, got, c.ok)
		}
	}
}

func FuzzLoopbackHost(f *testing.F) {
	for _, c := range hostSeeds {
		f.Add(c.host)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !loopbackHost(host) {
			return
		}
		// Whatever passes names localhost or a loopback address, nothing else.
		h := strings.ToLower(host)
		if i := strings.LastIndex(h, "]"); i >= 0 {
			h = h[:i+1]
		} else if strings.Count(h, ":") == 1 {
			h = h[:strings.Index(h, ":")]
		}
		h = strings.Trim(h, "[]")
		if h != "localhost" && !strings.HasPrefix(h, "127.") && !strings.Contains(h, ":") {
			t.Fatalf("loopbackHost(%q) = true", host)
		}
	})
}

// requestTypes are the bodies the API decodes.
func requestTypes() []any {
	return []any{&wire.PostRequest{}, &wire.ProfileUpdate{}, &wire.RevokeRequest{}, &wire.AddPeerRequest{}, &wire.InviteRequest{}, &wire.JoinRequest{}}
}

var bodySeeds = []string{
	`{"text":"hi","images":["blob_x"],"reply_to":"ent_y"}`,
	`{"name":"Ada","about":null,"image":""}`,
	`{"reason":"lost"}`,
	`{"addr":"/ip4/127.0.0.1/tcp/1/p2p/x"}`,
	`{"ttl_seconds":3600}`,
	`{"code":"k"}`,
	`{}`, `null`, `[]`, `{"a":1}`, `{} {}`, `{"text":"\ud800"}`, `{"ttl_seconds":1e400}`, ` `, `{"text":`,
}

var badBodies = []struct{ body, want string }{
	{`{"text":1}`, `field "text" cannot hold a JSON number`},
	{`[1]`, "expected an object, got a JSON array"},
	{`{} {}`, "more after its JSON object"},
	{`  `, "the body is empty"},
	{`{"x":1}`, `unknown field "x"`},
}

func TestDecodeJSON(t *testing.T) {
	var p wire.PostRequest
	if err := decodeJSON([]byte(bodySeeds[0]), &p); err != nil || p.Text != "hi" || len(p.Images) != 1 || p.ReplyTo != "ent_y" {
		t.Errorf("decodeJSON = %+v, %v", p, err)
	}
	for _, c := range badBodies {
		var v wire.PostRequest
		err := decodeJSON([]byte(c.body), &v)
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != wire.CodeBadRequest || !strings.Contains(we.Message, c.want) {
			t.Errorf("decodeJSON(%q) = %v, want a bad_request containing %q", c.body, err, c.want)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for i, s := range bodySeeds {
		f.Add(s, uint8(i))
	}
	for _, c := range badBodies {
		f.Add(c.body, uint8(0))
	}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		types := requestTypes()
		v := types[int(which)%len(types)]
		err := decodeJSON([]byte(body), v)
		if err == nil {
			// What is accepted encodes again.
			if _, merr := json.Marshal(v); merr != nil {
				t.Fatalf("accepted %q into %T, which does not encode: %v", body, v, merr)
			}
			return
		}
		var we *wire.Error
		if !errors.As(err, &we) || we.Code != wire.CodeBadRequest {
			t.Fatalf("decodeJSON(%q) error %v is not a bad_request", body, err)
		}
	})
}

func TestAsciiJSON(t *testing.T) {
	got := asciiJSON(&wire.Error{Code: "failed", Message: "naïve 😀 \n"})
	want := `{"code":"failed","message":"na\u00efve \ud83d\ude00 \n"}`
	if got != want {
		t.Errorf("asciiJSON = %s, want %s", got, want)
	}
	var back wire.Error
	if err := json.Unmarshal([]byte(got), &back); err != nil || back.Message != "naïve 😀 \n" {
		t.Errorf("asciiJSON does not decode back: %+v, %v", back, err)
	}
}

func TestCopyHoldingLast(t *testing.T) {
	data := bytes.Repeat([]byte("abcdefghij"), 20000)
	var out bytes.Buffer
	if err := copyHoldingLast(&out, iotest.OneByteReader(bytes.NewReader(data[:1000]))); err != nil || !bytes.Equal(out.Bytes(), data[:1000]) {
		t.Errorf("one byte at a time: %d bytes, %v", out.Len(), err)
	}
	out.Reset()
	if err := copyHoldingLast(&out, bytes.NewReader(data)); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Errorf("whole: %d bytes, %v", out.Len(), err)
	}
	out.Reset()
	if err := copyHoldingLast(&out, bytes.NewReader(nil)); err != nil || out.Len() != 0 {
		t.Errorf("empty: %d bytes, %v", out.Len(), err)
	}
	// On a failure at the end, everything but the last byte was written.
	out.Reset()
	boom := errors.New("corrupt")
	err := copyHoldingLast(&out, io.MultiReader(bytes.NewReader(data[:100]), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || !bytes.Equal(out.Bytes(), data[:99]) {
		t.Errorf("failing reader: %d bytes, %v; want 99 and the error", out.Len(), err)
	}
}

func TestSafeContentType(t *testing.T) {
	for _, c := range []struct{ head, want string }{
		{"\x89PNG\r\n\x1a\n", "image/png"},
		{"\xff\xd8\xff", "image/jpeg"},
		{"GIF89a", "image/gif"},
		{"<html>", "application/octet-stream"},
		{"<?xml version='1.0'?><svg/>", "application/octet-stream"},
		{"%PDF-1.4", "application/octet-stream"},
		{"hello", "text/plain; charset=utf-8"},
		{"\x00\x01\x02", "application/octet-stream"},
		{"ID3", "audio/mpeg"},
	} {
		if got := safeContentType([]byte(c.head)); got != c.want {
			t.Errorf("safeContentType(%q) = %q, want %q", c.head, got, c.want)
		}
	}
}

func TestEtagMatches(t *testing.T) {
	id := blob.Sum([]byte("x"))
	tag := `"` + id.Hex() + `"`
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false}, {tag, true}, {"W/" + tag, true}, {`"a", ` + tag, true}, {"*", true}, {`"other"`, false}, {id.Hex(), false},
	} {
		if got := etagMatches(c.header, id); got != c.want {
			t.Errorf("etagMatches(%q) = %v, want %v", c.header, got, c.want)
		}
	}
}

func TestErrorOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
	}{
		{&wire.Error{Code: wire.CodeConflict, Message: "m"}, wire.CodeConflict},
		{errors.Join(errors.New("x"), store.ErrNotFound), wire.CodeNotFound},
		{&blob.TooLargeError{Limit: 1, Size: 2}, wire.CodeTooLarge},
		{errors.New("disk on fire"), wire.CodeFailed},
	} {
		if got := ErrorOf(c.err); got.Code != c.code || got.Message != c.err.Error() {
			t.Errorf("ErrorOf(%v) = %+v, want code %s with the error's text", c.err, got, c.code)
		}
	}
}
