package node_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// homeWithPosts returns a node with posts (one with an image) and the
// image's bytes.
func homeWithPosts(t *testing.T, posts int) (*node.Node, []byte) {
	t.Helper()
	n, _ := initNode(t, node.Options{})
	ctx := t.Context()
	_, withGPS := pngWithGPS(t)
	img, _, _, err := n.AddBlob(bytes.NewReader(withGPS), true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range posts {
		var images []blob.ID
		if i == 1 {
			images = []blob.ID{img}
		}
		if _, err := n.Post(ctx, fmt.Sprintf("post %d", i), images, entry.ID{}); err != nil {
			t.Fatal(err)
		}
	}
	return n, readBlob(t, n, img)
}

func export(t *testing.T, n *node.Node, accounts ...identity.PublicKey) ([]byte, node.ExportStats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := n.Export(t.Context(), &buf, accounts, nil)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Errorf("ExportStats.Bytes = %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

// readBundle parses a bundle and returns its entries and blob ids, and the
// error that stopped it (nil at a valid end). Rejected entries are skipped;
// see rejectedIn.
func readBundle(t *testing.T, b []byte) ([]*entry.Entry, []blob.ID, error) {
	t.Helper()
	r, err := bundle.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, err
	}
	var es []*entry.Entry
	var blobs []blob.ID
	for {
		it, err := r.Next()
		if err == io.EOF {
			return es, blobs, nil
		}
		if err != nil {
			return es, blobs, err
		}
		switch {
		case it.Entry != nil:
			es = append(es, it.Entry)
		case it.Blob != nil:
			blobs = append(blobs, blob.ID(it.Blob.ID))
		}
	}
}

// rejectedIn returns the entry records of a bundle that its reader reports
// as rejected.
func rejectedIn(t *testing.T, b []byte) []*bundle.RejectedEntry {
	t.Helper()
	r, err := bundle.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []*bundle.RejectedEntry
	for {
		it, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("read bundle: %v", err)
		}
		if it.Rejected != nil {
			out = append(out, it.Rejected)
		}
	}
}

// writeBundle writes a bundle with the given entries, then the given blobs.
func writeBundle(t *testing.T, es []*entry.Entry, blobs ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := bundle.NewWriter(&buf, bundle.Meta{Created: uint64(epoch.UnixMilli()), Producer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := w.Entry(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range blobs {
		if err := w.Blob(blob.Sum(b), int64(len(b)), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// foreignHeads returns n's heads without the logs of n's own account.
func foreignHeads(t *testing.T, n *node.Node) []store.Head {
	t.Helper()
	own := map[identity.PublicKey]bool{n.Account().Key(): true, n.Device().Key(): true}
	var out []store.Head
	for _, h := range heads(t, n) {
		if !own[h.Log.Author] {
			out = append(out, h)
		}
	}
	return out
}

func blobCount(t *testing.T, n *node.Node) int {
	t.Helper()
	count := 0
	if err := n.Blobs().List(func(blob.ID, int64) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	return count
}

func TestExportImport(t *testing.T) {
	a, img := homeWithPosts(t, 3)
	want := allEntries(t, a)
	if len(want) != 4 { // device certificate + 3 posts
		t.Fatalf("home A holds %d entries, want 4", len(want))
	}
	data, est := export(t, a)
	if est.Logs != 2 || est.Entries != 4 || est.Blobs != 1 || est.BlobsMissing != 0 {
		t.Errorf("ExportStats = %+v, want 2 logs, 4 entries, 1 blob", est)
	}

	b, _ := initNode(t, node.Options{})
	own := heads(t, b)
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	wantStats := node.ImportStats{EntriesNew: len(want), BlobsNew: 1, Bytes: int64(len(data))}
	if !statsEqual(st, wantStats) {
		t.Errorf("Import = %+v, want %+v", st, wantStats)
	}
	// B holds A's logs exactly as A does, besides its own.
	if got, wantH := foreignHeads(t, b), heads(t, a); !slices.Equal(got, wantH) {
		t.Errorf("B's heads of A's logs = %+v, want %+v", got, wantH)
	}
	if got := len(heads(t, b)); got != len(own)+2 {
		t.Errorf("B has %d logs, want %d", got, len(own)+2)
	}
	for _, e := range want {
		got, err := b.Store().Get(t.Context(), e.ID)
		if err != nil {
			t.Fatalf("B: Get(%s): %v", e.ID, err)
		}
		if !bytes.Equal(got.Raw, e.Raw) || !bytes.Equal(got.Payload, e.Payload) || got.Type != e.Type {
			t.Errorf("B: entry %s differs from A's", e.ID)
		}
	}
	if got := readBlob(t, b, blob.Sum(img)); !bytes.Equal(got, img) {
		t.Error("B: the image differs from A's")
	}
	// B's profile of A is still "none"; A's account is known by its device.
	dev, err := b.Store().AccountOf(t.Context(), a.Device().Key())
	if err != nil || dev.Account != a.Account().Key() {
		t.Errorf("B: AccountOf(A's device) = %+v, %v", dev, err)
	}

	// Importing again changes nothing.
	st, err = b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("second Import: %v", err)
	}
	wantStats = node.ImportStats{EntriesKnown: len(want), BlobsKnown: 1, Bytes: int64(len(data))}
	if !statsEqual(st, wantStats) {
		t.Errorf("second Import = %+v, want %+v", st, wantStats)
	}
	if got := blobCount(t, b); got != 1 {
		t.Errorf("B holds %d blobs, want 1", got)
	}
}

func statsEqual(a, b node.ImportStats) bool {
	return a.EntriesNew == b.EntriesNew && a.EntriesKnown == b.EntriesKnown && a.EntriesForked == b.EntriesForked &&
		a.EntriesRejected == b.EntriesRejected && a.BlobsNew == b.BlobsNew && a.BlobsKnown == b.BlobsKnown &&
		a.BlobsRejected == b.BlobsRejected && a.Bytes == b.Bytes && len(a.Rejections) == len(b.Rejections)
}

func TestExportAccountFilter(t *testing.T) {
	a, _ := homeWithPosts(t, 3)
	c, _ := homeWithPosts(t, 2)
	// A also holds C's data.
	cdata, _ := export(t, c)
	if _, err := a.Import(t.Context(), bytes.NewReader(cdata), nil); err != nil {
		t.Fatal(err)
	}
	if got := len(heads(t, a)); got != 4 {
		t.Fatalf("A holds %d logs, want 4", got)
	}

	cases := []struct {
		name    string
		account identity.PublicKey
		authors []identity.PublicKey
		entries int
	}{
		{"own", a.Account().Key(), []identity.PublicKey{a.Account().Key(), a.Device().Key()}, 4},
		{"other", c.Account().Key(), []identity.PublicKey{c.Account().Key(), c.Device().Key()}, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, st := export(t, a, tc.account)
			if st.Logs != 2 || st.Entries != tc.entries || st.Blobs != 1 {
				t.Errorf("ExportStats = %+v, want 2 logs, %d entries, 1 blob", st, tc.entries)
			}
			es, blobs, err := readBundle(t, data)
			if err != nil {
				t.Fatalf("read bundle: %v", err)
			}
			if len(es) != tc.entries || len(blobs) != 1 {
				t.Errorf("bundle has %d entries and %d blobs, want %d and 1", len(es), len(blobs), tc.entries)
			}
			for _, e := range es {
				if !slices.Contains(tc.authors, e.Header.Author) {
					t.Errorf("entry %s by %s is not of the account", e.ID, e.Header.Author.Device())
				}
			}
		})
	}

	stranger, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Export(t.Context(), io.Discard, []identity.PublicKey{stranger.Public()}, nil)
	if err == nil || !strings.Contains(err.Error(), "no logs of") {
		t.Errorf("Export of an unknown account: err = %v, want \"no logs of …\"", err)
	}
}

// signedLog returns n signed post entries of key's public log.
func signedLog(t *testing.T, key identity.PrivateKey, n int) []*entry.Entry {
	t.Helper()
	var out []*entry.Entry
	var prev entry.ID
	for i := range n {
		payload, err := content.Encode(&content.Post{Text: fmt.Sprintf("entry %d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		e, err := entry.Sign(key, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: uint64(epoch.UnixMilli()) + uint64(i), Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		prev = e.ID
	}
	return out
}

func TestImportForgedSignature(t *testing.T) {
	k1, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	x := signedLog(t, k1, 5)
	y := signedLog(t, k2, 3)

	// Forge x[2] (seq 3): flip a bit of the signature's R, then re-parse so
	// the id and raw header are consistent with the changed bytes.
	raw := slices.Clone(x[2].Raw)
	raw[len(raw)-64] ^= 0x01
	forged, err := entry.Parse(raw, x[2].Payload)
	if err != nil {
		t.Fatalf("Parse(forged): %v", err)
	}
	if forged.Verify() {
		t.Fatal("the forged entry still verifies")
	}

	// Interleave the logs; y's entries come before and after the forgery.
	order := []*entry.Entry{x[0], y[0], x[1], forged, y[1], x[3], x[4], y[2]}
	data := writeBundle(t, order)
	// The framing and digest are sound: only the signature is wrong.
	if es, _, err := readBundle(t, data); err != nil || len(es) != len(order) {
		t.Fatalf("bundle reads %d entries, %v; want %d, nil", len(es), err, len(order))
	}

	b, _ := initNode(t, node.Options{})
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if st.EntriesNew != 5 || st.EntriesRejected != 3 || st.EntriesKnown != 0 || st.EntriesForked != 0 {
		t.Errorf("Import = %+v, want 5 new and 3 rejected", st)
	}
	reasons := map[string]string{}
	for _, r := range st.Rejections {
		reasons[r.What] = r.Reason
	}
	if len(reasons) != 3 {
		t.Errorf("rejections = %+v, want 3", st.Rejections)
	}
	if r := reasons[forged.ID.String()]; !strings.Contains(r, "signature") {
		t.Errorf("forged entry: reason %q does not mention the signature", r)
	}
	for _, e := range x[3:] {
		if r := reasons[e.ID.String()]; !strings.Contains(r, "missing") {
			t.Errorf("seq %d after the forgery: reason %q, want a missing predecessor", e.Header.Seq, r)
		}
	}

	for _, c := range []struct {
		e    *entry.Entry
		held bool
	}{
		{x[0], true}, {x[1], true}, {forged, false}, {x[2], false}, {x[3], false}, {x[4], false},
		{y[0], true}, {y[1], true}, {y[2], true},
	} {
		_, err := b.Store().Get(t.Context(), c.e.ID)
		switch {
		case c.held && err != nil:
			t.Errorf("seq %d of %s: Get: %v, want it stored", c.e.Header.Seq, c.e.Header.Author.Device(), err)
		case !c.held && !errors.Is(err, store.ErrNotFound):
			t.Errorf("seq %d of %s: Get: err = %v, want store.ErrNotFound", c.e.Header.Seq, c.e.Header.Author.Device(), err)
		}
	}
	got := foreignHeads(t, b)
	want := []store.Head{
		{Log: store.LogKey{Author: k1.Public()}, Seq: 2, ID: x[1].ID},
		{Log: store.LogKey{Author: k2.Public()}, Seq: 3, ID: y[2].ID},
	}
	slices.SortFunc(want, func(a, b store.Head) int { return bytes.Compare(a.Log.Author[:], b.Log.Author[:]) })
	if !slices.Equal(got, want) {
		t.Errorf("heads = %+v, want %+v", got, want)
	}
	forks, err := b.Store().Forks(t.Context())
	if err != nil || len(forks) != 0 {
		t.Errorf("Forks = %+v, %v; want none", forks, err)
	}
}

// TestImportBadPayload imports a bundle whose framing and digest are sound
// but one of whose entries carries a payload that does not match its
// header: that entry is rejected with the record it was in, the rest of its
// log after it is rejected as missing its predecessor, and everything else
// is stored.
func TestImportBadPayload(t *testing.T) {
	k1, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	x := signedLog(t, k1, 5)
	y := signedLog(t, k2, 3)
	bad := *x[2] // seq 3
	bad.Payload = slices.Clone(x[2].Payload)
	bad.Payload[len(bad.Payload)-1] ^= 0x01

	// Records: 1 meta, then the entries; the bad one is record 5.
	order := []*entry.Entry{x[0], y[0], x[1], &bad, y[1], x[3], x[4], y[2]}
	data := writeBundle(t, order)
	rej := rejectedIn(t, data)
	if len(rej) != 1 || rej[0].Record != 5 || rej[0].ID != x[2].ID {
		t.Fatalf("reader rejects %+v, want record 5 (seq 3 of x)", rej)
	}

	b, _ := initNode(t, node.Options{})
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	want := node.ImportStats{EntriesNew: 5, EntriesRejected: 3, Bytes: int64(len(data)), Rejections: make([]node.Rejection, 3)}
	if !statsEqual(st, want) {
		t.Errorf("Import = %+v, want 5 new and 3 rejected", st)
	}
	reasons := map[string]string{}
	for _, r := range st.Rejections {
		reasons[r.What] = r.Reason
	}
	r := reasons[x[2].ID.String()]
	if where := fmt.Sprintf("record 5 at byte %d", rej[0].Offset); !strings.Contains(r, where) || !strings.Contains(r, "payload") {
		t.Errorf("bad entry: reason %q, want it to say %q and mention the payload", r, where)
	}
	for _, e := range x[3:] {
		if r := reasons[e.ID.String()]; !strings.Contains(r, "missing") {
			t.Errorf("seq %d after the bad entry: reason %q, want a missing predecessor", e.Header.Seq, r)
		}
	}
	for _, c := range []struct {
		e    *entry.Entry
		held bool
	}{
		{x[0], true}, {x[1], true}, {x[2], false}, {x[3], false}, {x[4], false},
		{y[0], true}, {y[1], true}, {y[2], true},
	} {
		_, err := b.Store().Get(t.Context(), c.e.ID)
		switch {
		case c.held && err != nil:
			t.Errorf("seq %d of %s: Get: %v, want it stored", c.e.Header.Seq, c.e.Header.Author.Device(), err)
		case !c.held && !errors.Is(err, store.ErrNotFound):
			t.Errorf("seq %d of %s: Get: err = %v, want store.ErrNotFound", c.e.Header.Seq, c.e.Header.Author.Device(), err)
		}
	}
	got := foreignHeads(t, b)
	wantHeads := []store.Head{
		{Log: store.LogKey{Author: k1.Public()}, Seq: 2, ID: x[1].ID},
		{Log: store.LogKey{Author: k2.Public()}, Seq: 3, ID: y[2].ID},
	}
	slices.SortFunc(wantHeads, func(a, b store.Head) int { return bytes.Compare(a.Log.Author[:], b.Log.Author[:]) })
	if !slices.Equal(got, wantHeads) {
		t.Errorf("heads = %+v, want %+v", got, wantHeads)
	}

	// With the good entry in a later bundle, the log completes.
	st, err = b.Import(t.Context(), bytes.NewReader(writeBundle(t, x)), nil)
	if err != nil || st.EntriesNew != 3 || st.EntriesKnown != 2 || st.EntriesRejected != 0 {
		t.Errorf("second Import = %+v, %v; want 3 new and 2 known", st, err)
	}
}

// TestImportImageLocation imports blobs: an image with GPS coordinates is
// refused and not kept, a clean image and a file that is no image are
// stored.
func TestImportImageLocation(t *testing.T) {
	plain, withGPS := pngWithGPS(t)
	other := []byte("GPSLatitude 52.5: a text file is not an image and is kept as it is")
	data := writeBundle(t, nil, withGPS, plain, other)

	b, _ := initNode(t, node.Options{})
	before := blobCount(t, b)
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	want := node.ImportStats{BlobsNew: 2, BlobsRejected: 1, Bytes: int64(len(data)), Rejections: make([]node.Rejection, 1)}
	if !statsEqual(st, want) {
		t.Fatalf("Import = %+v, want 2 new blobs and 1 rejected", st)
	}
	if r := st.Rejections[0]; r.What != blob.Sum(withGPS).String() || !strings.Contains(r.Reason, "location") {
		t.Errorf("rejection %+v, want the GPS image with a reason about its location", r)
	}
	for _, c := range []struct {
		name string
		data []byte
		held bool
	}{{"GPS image", withGPS, false}, {"clean image", plain, true}, {"not an image", other, true}} {
		if ok, _, err := b.Blobs().Has(blob.Sum(c.data)); ok != c.held || err != nil {
			t.Errorf("%s: Has = %v, %v; want %v", c.name, ok, err, c.held)
		}
	}
	if got := blobCount(t, b); got != before+2 {
		t.Errorf("B holds %d blobs, want %d", got, before+2)
	}
	if tmp, err := os.ReadDir(filepath.Join(b.Blobs().Dir(), "tmp")); err != nil || len(tmp) != 0 {
		t.Errorf("blob temp dir holds %d files (%v), want none", len(tmp), err)
	}

	// Importing again refuses the GPS image again, and knows the others.
	st, err = b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil || st.BlobsKnown != 2 || st.BlobsRejected != 1 || st.BlobsNew != 0 {
		t.Errorf("second Import = %+v, %v; want 2 known and 1 rejected", st, err)
	}
}

// TestImportMalformedImage: a file that starts like a JPEG but is not one
// cannot be checked for a location, and is refused.
func TestImportMalformedImage(t *testing.T) {
	broken := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x40}, "Exif\x00\x00 and then the file ends"...)
	data := writeBundle(t, nil, broken)
	b, _ := initNode(t, node.Options{})
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if st.BlobsRejected != 1 || st.BlobsNew != 0 || len(st.Rejections) != 1 || !strings.Contains(st.Rejections[0].Reason, "malformed JPEG") {
		t.Errorf("Import = %+v, want the blob rejected as a malformed JPEG", st)
	}
	if ok, _, _ := b.Blobs().Has(blob.Sum(broken)); ok {
		t.Error("the malformed JPEG is stored")
	}
}

// TestImportCancelled: an import whose context is done stores nothing more.
func TestImportCancelled(t *testing.T) {
	plain, _ := pngWithGPS(t)
	data := writeBundle(t, signedLog(t, mustKey(t), 3), plain, []byte("a blob"))
	b, _ := initNode(t, node.Options{})
	before := blobCount(t, b)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	st, err := b.Import(ctx, bytes.NewReader(data), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Import: err = %v, want context.Canceled", err)
	}
	if st.EntriesNew != 0 || st.BlobsNew != 0 || st.BlobsRejected != 0 {
		t.Errorf("Import = %+v, want nothing done", st)
	}
	if got := blobCount(t, b); got != before {
		t.Errorf("B holds %d blobs, want %d", got, before)
	}
}

func mustKey(t *testing.T) identity.PrivateKey {
	t.Helper()
	k, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestImportTruncated(t *testing.T) {
	a, img := homeWithPosts(t, 20)
	data, _ := export(t, a)
	all, blobs, err := readBundle(t, data)
	if err != nil || len(all) != 21 || len(blobs) != 1 {
		t.Fatalf("bundle: %d entries, %d blobs, %v", len(all), len(blobs), err)
	}
	// Blobs follow the entries: the end of the blob's data is the end of
	// the file less its end record (a few dozen bytes).
	cases := []struct {
		name      string
		cut       int
		blobHeld  bool
		allStored bool
	}{
		{"among entries", len(data) / 4, false, false},
		{"inside the blob", len(data) - len(img)/2, false, true},
		{"before the end record", len(data) - 10, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cut := data[:c.cut]
			// What a reader gets before the cut is what may be stored.
			before, _, rerr := readBundle(t, cut)
			var te *bundle.TruncatedError
			if !errors.As(rerr, &te) {
				t.Fatalf("reading the cut bundle: err = %v, want *bundle.TruncatedError", rerr)
			}
			if c.allStored != (len(before) == len(all)) || len(before) == 0 {
				t.Fatalf("%d of %d entries precede the cut; case expects all=%v", len(before), len(all), c.allStored)
			}

			b, _ := initNode(t, node.Options{})
			st, err := b.Import(t.Context(), bytes.NewReader(cut), nil)
			if !errors.As(err, &te) {
				t.Fatalf("Import: err = %v, want *bundle.TruncatedError", err)
			}
			wantBlobs := 0
			if c.blobHeld {
				wantBlobs = 1
			}
			if st.EntriesNew != len(before) || st.EntriesRejected != 0 || st.BlobsNew != wantBlobs || st.BlobsRejected != 0 {
				t.Errorf("Import = %+v, want %d new entries and %d new blobs", st, len(before), wantBlobs)
			}
			for i, e := range all {
				_, err := b.Store().Get(t.Context(), e.ID)
				if i < len(before) && err != nil {
					t.Errorf("entry %d (before the cut) not stored: %v", i, err)
				}
				if i >= len(before) && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("entry %d (after the cut): Get err = %v, want ErrNotFound", i, err)
				}
			}
			if ok, _, _ := b.Blobs().Has(blob.Sum(img)); ok != c.blobHeld {
				t.Errorf("blob held = %v, want %v", ok, c.blobHeld)
			}
			if got := blobCount(t, b); got != wantBlobs {
				t.Errorf("B holds %d blobs, want %d", got, wantBlobs)
			}
			// No partial blob is left behind in the blob store's temp dir.
			if tmp, err := os.ReadDir(filepath.Join(b.Blobs().Dir(), "tmp")); err != nil || len(tmp) != 0 {
				t.Errorf("blob temp dir holds %d files (%v), want none", len(tmp), err)
			}
		})
	}
}

func TestImportGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	a, _ := homeWithPosts(t, 2)
	valid, _ := export(t, a)
	cases := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"random", random(4096)},
		{"magic then random", append(bundle.Magic[:], random(4096)...)},
		{"newer version", append([]byte("KITHBNDL\x00\x02"), valid[10:]...)},
		{"valid meta then random", append(slices.Clone(valid[:metaEnd(t, valid)]), random(4096)...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := initNode(t, node.Options{Now: stepClock(epoch.Add(time.Hour), time.Second)})
			before := heads(t, b)
			st, err := b.Import(t.Context(), bytes.NewReader(c.data), nil)
			if err == nil {
				t.Fatal("Import of garbage succeeded")
			}
			var fe *bundle.FormatError
			var te *bundle.TruncatedError
			if !errors.As(err, &fe) && !errors.As(err, &te) {
				t.Errorf("Import: err = %v (%T), want a *bundle.FormatError or *bundle.TruncatedError", err, err)
			}
			if st.EntriesNew != 0 || st.BlobsNew != 0 {
				t.Errorf("Import = %+v, want nothing new", st)
			}
			if after := heads(t, b); !slices.Equal(after, before) {
				t.Errorf("heads changed: %+v, were %+v", after, before)
			}
			if got := blobCount(t, b); got != 0 {
				t.Errorf("B holds %d blobs, want 0", got)
			}
		})
	}
}

// metaEnd returns the offset just after a bundle's meta record.
func metaEnd(t *testing.T, b []byte) int {
	t.Helper()
	r, err := bundle.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return int(r.Offset())
}

func TestExportImportDeleted(t *testing.T) {
	a, _ := initNode(t, node.Options{})
	ctx := t.Context()
	keep, err := a.Post(ctx, "keep", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := a.Post(ctx, "gone", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	data, st := export(t, a)
	if st.Entries != 4 {
		t.Errorf("exported %d entries, want 4", st.Entries)
	}
	// The deleted payload is not in the bundle.
	es, _, err := readBundle(t, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.ID == gone.ID && e.Payload != nil {
			t.Error("the bundle carries the deleted payload")
		}
	}
	b, _ := initNode(t, node.Options{})
	ist, err := b.Import(ctx, bytes.NewReader(data), nil)
	if err != nil || ist.EntriesNew != 4 || ist.EntriesRejected != 0 {
		t.Fatalf("Import = %+v, %v; want 4 new", ist, err)
	}
	g, err := b.Store().Get(ctx, gone.ID)
	if err != nil || !g.Deleted || g.Payload != nil {
		t.Errorf("B: deleted post = %+v, %v; want Deleted without payload", g, err)
	}
	k, err := b.Store().Get(ctx, keep.ID)
	if err != nil || k.Deleted || !bytes.Equal(k.Payload, keep.Payload) || k.Type != content.TypePost {
		t.Errorf("B: kept post = %+v, %v", k, err)
	}
}

// An entry validly signed but carrying an invalid typed payload is kept as
// a header; the import counts the refused payload and the log goes on.
func TestImportRefusedPayload(t *testing.T) {
	k := mustKey(t)
	good, err := content.Encode(&content.Post{Text: "fine"})
	if err != nil {
		t.Fatal(err)
	}
	// {"text": 5, "type": "post"}: a post whose text is not text.
	invalid := []byte("\xa2dtext\x05dtypedpost")
	var es []*entry.Entry
	var prev entry.ID
	for i, p := range [][]byte{good, invalid, good} {
		e, err := entry.Sign(k, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: uint64(i + 1), Payload: p})
		if err != nil {
			t.Fatal(err)
		}
		prev = e.ID
		es = append(es, e)
	}
	data := writeBundle(t, es)
	b, _ := initNode(t, node.Options{})
	st, err := b.Import(t.Context(), bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if st.EntriesNew != 3 || st.EntriesRejected != 0 || st.PayloadsRefused != 1 || len(st.Rejections) != 1 {
		t.Fatalf("Import = %+v, want 3 new, 0 rejected, 1 payload refused", st)
	}
	if r := st.Rejections[0]; r.What != es[1].ID.String() || !strings.Contains(r.Reason, "payload refused") || !strings.Contains(r.Reason, "text") {
		t.Fatalf("rejection %+v", r)
	}
	got, err := b.Store().Get(t.Context(), es[1].ID)
	if err != nil || got.Payload != nil || got.Type != "" {
		t.Fatalf("refused entry stored as %+v (%v), want the header alone", got, err)
	}
	h, err := b.Store().Head(t.Context(), store.LogKey{Author: k.Public(), LogID: entry.PublicLog})
	if err != nil || h.Seq != 3 {
		t.Fatalf("head %+v %v, want seq 3", h, err)
	}
}
