package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func testEntries(t testing.TB) []*entry.Entry {
	seed := sha256.Sum256([]byte("bundle test key"))
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	var es []*entry.Entry
	var prev entry.ID
	payloads := [][]byte{[]byte("first"), {}, nil, bytes.Repeat([]byte{7}, entry.MaxPayloadSize)}
	for i, p := range payloads {
		d := entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: uint64(1000 + i), Payload: p}
		if p == nil {
			d.Payload = []byte("withheld")
		}
		e, err := entry.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			e.Payload = nil
		}
		prev = e.ID
		es = append(es, e)
	}
	return es
}

type testBlob struct {
	id   [32]byte
	data []byte
}

func testBlobs() []testBlob {
	var out []testBlob
	for _, n := range []int{0, 1, ChunkSize, ChunkSize*2 + 17} {
		d := make([]byte, n)
		for i := range d {
			d[i] = byte(i * 31)
		}
		out = append(out, testBlob{sha256.Sum256(d), d})
	}
	return out
}

func writeBundle(t testing.TB) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Meta{Created: 42, Producer: "kith test"})
	if err != nil {
		t.Fatal(err)
	}
	es := testEntries(t)
	bs := testBlobs()
	for i, e := range es {
		if err := w.Entry(e); err != nil {
			t.Fatal(err)
		}
		if i < len(bs) {
			if err := w.Blob(bs[i].id, int64(len(bs[i].data)), bytes.NewReader(bs[i].data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type readResult struct {
	entries []*entry.Entry
	blobs   map[[32]byte][]byte
}

func readAll(raw []byte) (readResult, error) {
	res := readResult{blobs: map[[32]byte][]byte{}}
	r, err := NewReader(bytes.NewReader(raw))
	if err != nil {
		return res, err
	}
	for {
		it, err := r.Next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		if it.Entry != nil {
			res.entries = append(res.entries, it.Entry)
		} else {
			b, err := io.ReadAll(it.Blob.Body)
			if err != nil {
				return res, err
			}
			res.blobs[it.Blob.ID] = b
		}
	}
}

func TestRoundTrip(t *testing.T) {
	raw := writeBundle(t)
	r, err := NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Meta(); m.Created != 42 || m.Producer != "kith test" {
		t.Fatalf("meta %+v", m)
	}
	res, err := readAll(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := testEntries(t)
	if len(res.entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(res.entries), len(want))
	}
	for i, e := range res.entries {
		if e.ID != want[i].ID || !bytes.Equal(e.Raw, want[i].Raw) {
			t.Errorf("entry %d differs", i)
		}
		if (e.Payload == nil) != (want[i].Payload == nil) || !bytes.Equal(e.Payload, want[i].Payload) {
			t.Errorf("entry %d payload: got nil=%v len %d, want nil=%v len %d", i, e.Payload == nil, len(e.Payload), want[i].Payload == nil, len(want[i].Payload))
		}
	}
	for _, b := range testBlobs() {
		got, ok := res.blobs[b.id]
		if !ok || !bytes.Equal(got, b.data) {
			t.Errorf("blob of %d bytes missing or different", len(b.data))
		}
	}
}

// records splits a bundle into the offsets of its records.
func records(raw []byte) []int {
	var offs []int
	for off := len(Magic); off+4 <= len(raw); {
		offs = append(offs, off)
		off += 4 + int(binary.BigEndian.Uint32(raw[off:]))
	}
	return offs
}

func TestRejects(t *testing.T) {
	good := writeBundle(t)
	recs := records(good)
	last := recs[len(recs)-1]
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"empty file", nil, "shorter than the 10-byte header"},
		{"not a bundle", []byte("hello world, this is text"), "does not start with KITHBNDL"},
		{"future version", mod(func(b []byte) []byte { b[9] = 2; return b }), "version 2 is not supported"},
		{"truncated in the middle", good[:len(good)/2], "truncated at byte"},
		{"no end record", good[:last], "truncated at byte"},
		{"byte after end", append(append([]byte(nil), good...), 0), "bytes after the end record"},
		{"payload byte flipped", mod(func(b []byte) []byte { b[recs[2]-1] ^= 1; return b }), "record 2 at byte 28: entry payload: SHA-256 does not match"},
		{"author byte flipped: framing fine, digest catches it", mod(func(b []byte) []byte { b[recs[1]+30] ^= 1; return b }), "file digest does not match"},
		{"blob byte flipped", mod(func(b []byte) []byte { b[recs[4]+12] ^= 1; return b }), "do not hash to its id"},
		{"digest wrong", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "file digest does not match"},
		{"zero-length record", mod(func(b []byte) []byte { copy(b[recs[1]:], []byte{0, 0, 0, 0}); return b }), "record length 0"},
		{"huge record", mod(func(b []byte) []byte { copy(b[recs[1]:], []byte{0xff, 0, 0, 0}); return b }), "outside 1..70000"},
		{"unknown kind", mod(func(b []byte) []byte { b[recs[1]+5] = 9; return b }), "unknown record kind"},
		{"second meta", append(append(append([]byte(nil), good[:recs[1]]...), good[recs[0]:recs[1]]...), good[recs[1]:]...), "a second meta record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll(c.raw)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestTruncatedErrorType(t *testing.T) {
	good := writeBundle(t)
	_, err := readAll(good[:len(good)-10])
	var te *TruncatedError
	if !errors.As(err, &te) {
		t.Fatalf("got %T %v, want *TruncatedError", err, err)
	}
}

func TestWriterChecksBlobLength(t *testing.T) {
	w, err := NewWriter(io.Discard, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Blob([32]byte{}, 10, strings.NewReader("short")); err == nil || !strings.Contains(err.Error(), "after 0 of 10 bytes") {
		t.Fatalf("error %v", err)
	}
}

func FuzzReader(f *testing.F) {
	// A small bundle keeps the fuzzer fast: two entries and a 3-byte blob.
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, Meta{Created: 1, Producer: "fuzz"})
	for _, e := range testEntries(f)[:2] {
		_ = w.Entry(e)
	}
	_ = w.Blob(sha256.Sum256([]byte("abc")), 3, strings.NewReader("abc"))
	_ = w.Close()
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:100])
	f.Add(Magic[:])
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := readAll(raw)
		if err != nil {
			return
		}
		// Accepted bundles hold only well-formed entries and blobs whose
		// bytes hash to their ids.
		for _, e := range res.entries {
			if e.ID != sha256.Sum256(e.Raw) {
				t.Fatal("entry id mismatch")
			}
		}
		for id, b := range res.blobs {
			if sha256.Sum256(b) != id {
				t.Fatal("blob hash mismatch accepted")
			}
		}
	})
}
