package bundle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"
)

// TestBlobMismatch: a blob whose bytes do not hash to its id is reported as
// a rejected blob, and every record after it is still read, whether the
// caller reads the blob's bytes or skips them.
func TestBlobMismatch(t *testing.T) {
	es := testEntries(t)
	good := []byte("the right bytes")
	wrong := []byte("the wrong bytes") // same size, different hash
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Meta{Created: 42, Producer: "kith test"})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Entry(es[0]))
	// Records: 1 meta, 2 entry, 3 blob (claims good's id, carries wrong's
	// bytes), 4 its chunk, 5 entry, 6 blob, 7 chunk, 8 entry, 9 end.
	must(w.Blob(sha256.Sum256(good), int64(len(wrong)), bytes.NewReader(wrong)))
	must(w.Entry(es[1]))
	must(w.Blob(sha256.Sum256(wrong), int64(len(wrong)), bytes.NewReader(wrong)))
	must(w.Entry(es[2]))
	must(w.Close())
	raw := buf.Bytes()
	recs := records(raw)

	for _, readBodies := range []bool{true, false} {
		r, err := NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var entries, blobsOK int
		var mismatches []*BlobMismatchError
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read bodies %v: Next: %v; want the bundle to read to its end", readBodies, err)
			}
			switch {
			case it.Entry != nil:
				entries++
			case it.Blob != nil && readBodies:
				b, err := io.ReadAll(it.Blob.Body)
				var bm *BlobMismatchError
				switch {
				case errors.As(err, &bm):
					mismatches = append(mismatches, bm)
				case err != nil:
					t.Fatalf("blob body: %v", err)
				case !bytes.Equal(b, wrong):
					t.Fatalf("blob body %q", b)
				default:
					blobsOK++
				}
			}
		}
		if entries != 3 {
			t.Errorf("read bodies %v: %d entries, want 3", readBodies, entries)
		}
		if !readBodies {
			continue
		}
		if blobsOK != 1 || len(mismatches) != 1 {
			t.Fatalf("%d good blobs and %d mismatches, want 1 and 1", blobsOK, len(mismatches))
		}
		m := mismatches[0]
		if m.Record != 3 || m.Offset != int64(recs[2]) || m.ID != sha256.Sum256(good) || m.Got != sha256.Sum256(wrong) {
			t.Errorf("mismatch = record %d at %d, id %x, got %x; want record 3 at %d", m.Record, m.Offset, m.ID[:4], m.Got[:4], recs[2])
		}
		if msg := m.Error(); !strings.Contains(msg, "record 3 at byte ") || !strings.Contains(msg, "do not hash to its id") {
			t.Errorf("message %q", msg)
		}
		var fe *FormatError
		if errors.As(m, &fe) {
			t.Error("a blob mismatch is a *FormatError: the importer would stop at it")
		}
	}
}

// TestKindNotCanonical: a record kind written in two bytes (0x18 0x01) is a
// framing error whose message names the bytes as they are and as they
// should be.
func TestKindNotCanonical(t *testing.T) {
	magic, bodies, ok := splitRecords(writeBundle(t))
	if !ok {
		t.Fatal("the good bundle does not split into records")
	}
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"kind 1 in two bytes", append([]byte{0x83, 0x18, 0x01}, bodies[1][2:]...), "record 2 at byte 28: record kind 1 is written 0x18 0x01, not in canonical CBOR (which writes it as the single byte 0x01)"},
		{"kind 1 in three bytes", append([]byte{0x83, 0x19, 0x00, 0x01}, bodies[1][2:]...), "record kind 1 is written 0x19 0x00 0x01, not in canonical CBOR (which writes it as the single byte 0x01)"},
		{"kind 300", []byte{0x83, 0x19, 0x01, 0x2c, 0x40, 0xf6}, "record 2 at byte 28: unknown record kind 300 (kinds are 0 to 4)"},
		{"kind 9", []byte{0x83, 0x09, 0x40, 0xf6}, "record 2 at byte 28: unknown record kind 9 (kinds are 0 to 4)"},
		{"kind negative", []byte{0x83, 0x20, 0x40, 0xf6}, "record 2 at byte 28: the record kind is not an unsigned integer (byte 0x20)"},
		{"not an array", []byte{0xa1, 0x01, 0x02}, "record 2 at byte 28: the record is not a CBOR array (first byte 0xa1)"},
		{"empty array", []byte{0x80}, "record 2 at byte 28: the record is an empty array, without a kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bs := append([][]byte(nil), bodies...)
			bs[1] = c.body
			_, err := readAll(frame(magic, bs))
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want a *FormatError containing %q", err, c.want)
			}
		})
	}
}
