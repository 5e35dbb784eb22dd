package blobsync

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/cborwire"
)

// largeMessages are valid messages at the limits, too big for the vectors
// file.
func largeMessages() []message {
	ids := make([]blob.ID, MaxQueryIDs)
	sizes := make([]int64, MaxQueryIDs)
	for i := range ids {
		ids[i] = blob.Sum([]byte{byte(i), byte(i >> 8)})
		sizes[i] = int64(i) * 1000
	}
	return []message{
		{Kind: kindQuery, IDs: ids},
		{Kind: kindHave, Sizes: sizes},
		{Kind: kindData, Data: content(MaxChunk, 1)},
		{Kind: kindError, Code: 1 << 40, Text: strings.Repeat("x", MaxErrorText)},
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	all := largeMessages()
	for _, v := range validMessages {
		all = append(all, v.m)
	}
	for _, m := range all {
		body := encode(m)
		if len(body) > MaxMessage {
			t.Fatalf("%s: body of %d bytes is over MaxMessage", m.Kind, len(body))
		}
		got, err := decodeMessage(body)
		if err != nil {
			t.Fatalf("%s: %v", m.Kind, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%s: decodes to %+v, want %+v", m.Kind, got, m)
		}
	}
}

func TestLimitsAreTight(t *testing.T) {
	over := []struct {
		name string
		body []byte
		want string
	}{
		{"257 ids", appendQuery(nil, make([]blob.ID, MaxQueryIDs+1)),
			"blob protocol violation: malformed QUERY message: byte 2: the id list has 257 elements, at most 256 allowed"},
		{"257 sizes", appendHave(nil, make([]int64, MaxQueryIDs+1)),
			"blob protocol violation: malformed HAVE message: byte 2: the size list has 257 elements, at most 256 allowed"},
		{"65537 data bytes", append(appendDataHead(nil, MaxChunk+1), make([]byte, MaxChunk+1)...),
			"blob protocol violation: malformed DATA message: byte 2: the data has 65537 bytes, want 1 to 65536"},
		{"201 text bytes", cborwire.AppendText(cborwire.AppendUint(appendStart(nil, kindError), 1), strings.Repeat("x", 201)),
			"blob protocol violation: malformed ERROR message: byte 3: the error text has 201 bytes, at most 200 allowed"},
	}
	for _, c := range over {
		_, err := decodeMessage(c.body)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%s: error does not match ErrProtocol", c.name)
		}
	}
}

// Bodies that end inside an item, which the vectors do not cover, are
// refused with the texts the rest of the decoder's errors have.
func TestTruncatedBodies(t *testing.T) {
	for _, c := range []struct{ hex, want string }{
		{"8302", "blob protocol violation: malformed GET message: byte 2: the message ends where a value is due"},
		{"820119", "blob protocol violation: malformed HAVE message: byte 2: the message ends inside a 2-byte integer"},
		{"83021b0000", "blob protocol violation: malformed GET message: byte 2: the message ends inside a 8-byte integer"},
	} {
		if _, err := decodeMessage(mustHex(t, c.hex)); err == nil || err.Error() != c.want || !errors.Is(err, ErrProtocol) {
			t.Errorf("%s: error %v, want %q", c.hex, err, c.want)
		}
	}
}

func TestErrorTextIsCut(t *testing.T) {
	cases := []struct{ in, want string }{
		{"short", "short"},
		{strings.Repeat("a", 199) + "éz", strings.Repeat("a", 199)}, // é would straddle byte 200
		{strings.Repeat("a", 198) + "é", strings.Repeat("a", 198) + "é"},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, c := range cases {
		if got := errorText(c.in); got != c.want {
			t.Errorf("errorText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFrameWriterAndReader(t *testing.T) {
	var buf bytes.Buffer
	w := newFrameWriter(&buf)
	data := content(MaxChunk, 3)
	if err := w.send(appendQuery(w.body(), []blob.ID{idABC})); err != nil {
		t.Fatal(err)
	}
	if err := w.sendData(data); err != nil {
		t.Fatal(err)
	}
	if err := w.send(appendNotFound(w.body(), idEmpty)); err != nil {
		t.Fatal(err)
	}
	want := frames(message{Kind: kindQuery, IDs: []blob.ID{idABC}}, message{Kind: kindData, Data: data}, message{Kind: kindNotFound, ID: idEmpty})
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("wrote %d bytes, want %d: %x…", buf.Len(), len(want), buf.Bytes()[:min(buf.Len(), 64)])
	}
	r := newFrameReader(&buf)
	for i, kindWant := range []kind{kindQuery, kindData, kindNotFound} {
		m, err := r.next()
		if err != nil || m.Kind != kindWant {
			t.Fatalf("message %d: %v, %v; want %s", i+1, m.Kind, err, kindWant)
		}
		if m.Kind == kindData && !bytes.Equal(m.Data, data) {
			t.Fatal("DATA bytes differ")
		}
	}
	if _, err := r.next(); err != io.EOF {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}
}
