package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// vector is one bundle and what a reader makes of it.
type vector struct {
	Description string `json:"description"`
	BundleHex   string `json:"bundle_hex"`
	// What the reader returns, in order: "entry ID", "rejected entry
	// RECORD OFFSET", "blob ID", "rejected blob RECORD OFFSET ID".
	Items []string `json:"items"`
	// Error is the framing or truncation error that stops the reader, ""
	// when it reads to a valid end record.
	Error string `json:"error"`
}

type vectorFile struct {
	Comment string   `json:"comment"`
	Vectors []vector `json:"vectors"`
}

// readVector reads a bundle and describes what the reader returns.
func readVector(raw []byte) (items []string, errText string) {
	items = []string{}
	r, err := NewReader(bytes.NewReader(raw))
	if err != nil {
		return items, err.Error()
	}
	for {
		it, err := r.Next()
		if err == io.EOF {
			return items, ""
		}
		if err != nil {
			return items, err.Error()
		}
		switch {
		case it.Entry != nil:
			items = append(items, "entry "+hex.EncodeToString(it.Entry.ID[:]))
		case it.Rejected != nil:
			items = append(items, "rejected entry "+strconv.Itoa(it.Rejected.Record)+" "+strconv.Itoa(int(it.Rejected.Offset)))
		case it.Blob != nil:
			_, err := io.Copy(io.Discard, it.Blob.Body)
			var bm *BlobMismatchError
			switch {
			case errors.As(err, &bm):
				items = append(items, "rejected blob "+strconv.Itoa(bm.Record)+" "+strconv.Itoa(int(bm.Offset))+" "+hex.EncodeToString(bm.ID[:]))
			case err != nil:
				return items, err.Error()
			default:
				items = append(items, "blob "+hex.EncodeToString(it.Blob.ID[:]))
			}
		}
	}
}

// buildVectors makes the vectors from the test entries.
func buildVectors(t *testing.T) vectorFile {
	es := testEntries(t)[:2] // payloads "first" and empty
	abc, abd := []byte("abc"), []byte("abd")
	write := func(f func(w *Writer)) []byte {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, Meta{Created: 1700000000000, Producer: "kith vectors"})
		if err != nil {
			t.Fatal(err)
		}
		f(w)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	valid := write(func(w *Writer) {
		_ = w.Entry(es[0])
		_ = w.Blob(sha256.Sum256(abc), 3, bytes.NewReader(abc))
		_ = w.Entry(es[1])
	})
	badPayload := write(func(w *Writer) {
		bad := *es[0]
		bad.Payload = []byte("firsT")
		_ = w.Entry(&bad)
		_ = w.Entry(es[1])
	})
	badBlob := write(func(w *Writer) {
		_ = w.Entry(es[0])
		_ = w.Blob(sha256.Sum256(abc), 3, bytes.NewReader(abd)) // abd under abc's id
		_ = w.Blob(sha256.Sum256(abd), 3, bytes.NewReader(abd))
		_ = w.Entry(es[1])
	})
	magic, bodies, ok := splitRecords(valid)
	if !ok {
		t.Fatal("the valid vector does not split into records")
	}
	kind2Bytes := append([][]byte(nil), bodies...)
	kind2Bytes[1] = append([]byte{0x83, 0x18, 0x01}, bodies[1][2:]...)
	shortBlob := append([][]byte(nil), bodies[:3]...) // meta, entry, blob record
	shortBlob = append(shortBlob, bodies[4:]...)      // its chunk left out
	digest := bytes.Clone(valid)
	digest[len(digest)-1] ^= 1

	vs := []struct {
		desc string
		raw  []byte
	}{
		{"valid: meta, an entry, a 3-byte blob (\"abc\"), an entry with an empty payload, end", valid},
		{"an entry whose payload does not match its header is rejected; the reader goes on", badPayload},
		{"a blob whose bytes (\"abd\") do not hash to its id (that of \"abc\") is rejected; the reader goes on", badBlob},
		{"record kind 1 written in two bytes (0x18 0x01): a framing error", frame(magic, kind2Bytes)},
		{"a blob record without its chunk: a framing error", frame(magic, shortBlob)},
		{"no end record: truncated", valid[:len(valid)-len(bodies[len(bodies)-1])-4]},
		{"the end record's digest does not match", digest},
	}
	var out vectorFile
	out.Comment = "kith bundle format v1 test vectors; see doc/protocol/bundle.md. items: what the reader returns in order (ids in hex, record numbers from 1, byte offsets of the records' length fields); error: the error that stops it, empty at a valid end."
	for _, v := range vs {
		items, errText := readVector(v.raw)
		out.Vectors = append(out.Vectors, vector{Description: v.desc, BundleHex: hex.EncodeToString(v.raw), Items: items, Error: errText})
	}
	return out
}

func TestVectors(t *testing.T) {
	path := filepath.Join("testdata", "bundle-vectors.json")
	got := buildVectors(t)
	gb, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	gb = append(gb, '\n')
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, gb, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	var want vectorFile
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Vectors) != 7 {
		t.Fatalf("%d vectors, want 7", len(want.Vectors))
	}
	// The golden file is the reference: read each bundle in it.
	for _, v := range want.Vectors {
		t.Run(v.Description, func(t *testing.T) {
			raw, err := hex.DecodeString(v.BundleHex)
			if err != nil {
				t.Fatal(err)
			}
			items, errText := readVector(raw)
			if !reflect.DeepEqual(items, v.Items) || errText != v.Error {
				t.Errorf("read:\n items %q\n error %q\nwant:\n items %q\n error %q", items, errText, v.Items, v.Error)
			}
		})
	}
	if !bytes.Equal(gb, b) {
		t.Fatal("testdata/bundle-vectors.json differs from what the code produces; if the format changed on purpose, update doc/protocol/bundle.md and run with -update")
	}
}
