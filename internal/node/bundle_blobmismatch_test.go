package node_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/node"
)

// TestImportBlobMismatch imports a bundle with a blob whose bytes do not
// hash to its id between entries: the blob is rejected with where it is
// and why, nothing of it is stored, and every entry and blob after it is
// imported. Before, the import stopped at it and read nothing more.
func TestImportBlobMismatch(t *testing.T) {
	x := signedLog(t, mustKey(t), 3)
	claimed := []byte("the picture the entry names")
	carried := []byte("other bytes, of another size") // not claimed's
	after := []byte("a blob after the bad one")

	write := func() []byte {
		var buf bytes.Buffer
		w, err := bundle.NewWriter(&buf, bundle.Meta{Created: uint64(epoch.UnixMilli()), Producer: "test"})
		if err != nil {
			t.Fatal(err)
		}
		// Records: 1 meta, 2 entry, 3 blob (claimed's id, carried's
		// bytes), 4 its chunk, 5 and 6 entries, 7-8 a good blob, 9 end.
		for _, err := range []error{
			w.Entry(x[0]),
			w.Blob(blob.Sum(claimed), int64(len(carried)), bytes.NewReader(carried)),
			w.Entry(x[1]), w.Entry(x[2]),
			w.Blob(blob.Sum(after), int64(len(after)), bytes.NewReader(after)),
			w.Close(),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		return buf.Bytes()
	}
	data := write()
	// The byte offset of record 3: the magic, then records 1 and 2.
	off := 10
	for range 2 {
		off += 4 + int(uint32(data[off])<<24|uint32(data[off+1])<<16|uint32(data[off+2])<<8|uint32(data[off+3]))
	}

	b, _ := initNode(t, node.Options{})
	before := blobCount(t, b)
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v; want it to read on past the bad blob", err)
	}
	want := node.ImportStats{EntriesNew: 3, BlobsNew: 1, BlobsRejected: 1, Bytes: int64(len(data)), Rejections: make([]node.Rejection, 1)}
	if !statsEqual(st, want) {
		t.Fatalf("Import = %+v, want 3 new entries, 1 new blob and 1 rejected", st)
	}
	r := st.Rejections[0]
	wantReason := fmt.Sprintf("bundle record 3 at byte %d: its %d bytes do not hash to the blob's id (they hash to %s)", off, len(carried), blob.Sum(carried))
	if r.What != blob.Sum(claimed).String() || r.Reason != wantReason {
		t.Errorf("rejection %+v\nwant what %s, reason %q", r, blob.Sum(claimed), wantReason)
	}
	for _, c := range []struct {
		name string
		id   blob.ID
		held bool
	}{{"claimed", blob.Sum(claimed), false}, {"carried", blob.Sum(carried), false}, {"after", blob.Sum(after), true}} {
		if ok, _, err := b.Blobs().Has(c.id); ok != c.held || err != nil {
			t.Errorf("%s: Has = %v, %v; want %v", c.name, ok, err, c.held)
		}
	}
	if got := blobCount(t, b); got != before+1 {
		t.Errorf("B holds %d blobs, want %d", got, before+1)
	}
	if tmp, err := os.ReadDir(filepath.Join(b.Blobs().Dir(), "tmp")); err != nil || len(tmp) != 0 {
		t.Errorf("blob temp dir holds %d files (%v), want none", len(tmp), err)
	}

	// With the right blob held, the same bundle's wrong bytes are still
	// rejected, not counted as known.
	if _, _, _, err := b.AddBlob(bytes.NewReader(claimed), false); err != nil {
		t.Fatal(err)
	}
	st, err = b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil || st.EntriesKnown != 3 || st.BlobsKnown != 1 || st.BlobsRejected != 1 || len(st.Rejections) != 1 || st.Rejections[0].Reason != wantReason {
		t.Errorf("second Import = %+v, %v; want 3 entries and 1 blob known, the bad blob rejected", st, err)
	}
}
