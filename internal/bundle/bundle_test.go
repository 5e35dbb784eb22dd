package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
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
	entries  []*entry.Entry
	rejected []*RejectedEntry
	blobs    map[[32]byte][]byte
	nblobs   int // blob records, counting repeated ids and bad blobs
	badBlobs []*BlobMismatchError
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
		switch {
		case it.Entry != nil:
			res.entries = append(res.entries, it.Entry)
		case it.Rejected != nil:
			res.rejected = append(res.rejected, it.Rejected)
		case it.Blob != nil:
			res.nblobs++
			b, err := io.ReadAll(it.Blob.Body)
			var bm *BlobMismatchError
			if errors.As(err, &bm) {
				res.badBlobs = append(res.badBlobs, bm)
				continue
			}
			if err != nil {
				return res, err
			}
			res.blobs[it.Blob.ID] = b
		default:
			return res, errors.New("Next returned an empty item")
		}
	}
}

// splitRecords splits a bundle into its first len(Magic) bytes and its
// record bodies, following the length fields as they are. ok is false when
// the lengths do not add up to the file's size.
func splitRecords(raw []byte) (magic []byte, bodies [][]byte, ok bool) {
	if len(raw) < len(Magic) {
		return nil, nil, false
	}
	for off := len(Magic); off < len(raw); {
		if len(raw)-off < 4 {
			return nil, nil, false
		}
		n := int(binary.BigEndian.Uint32(raw[off:]))
		off += 4
		if n > len(raw)-off {
			return nil, nil, false
		}
		bodies = append(bodies, raw[off:off+n])
		off += n
	}
	return raw[:len(Magic)], bodies, true
}

// frame writes a bundle from its magic and record bodies, with length fields
// that fit the bodies. When the last body is an end record (kind 4), it is
// replaced by one whose counts and digest match the records before it: a
// test can alter records and keep the file's framing valid.
func frame(magic []byte, bodies [][]byte) []byte {
	out := append([]byte(nil), magic...)
	var entries, blobs uint64
	for i, b := range bodies {
		if i == len(bodies)-1 && kind(b) == kindEnd {
			sum := sha256.Sum256(out)
			var err error
			if b, err = encMode.Marshal(endRecord{Kind: kindEnd, Entries: entries, Blobs: blobs, Digest: sum[:]}); err != nil {
				panic(err)
			}
		}
		switch kind(b) {
		case kindEntry:
			entries++
		case kindBlob:
			blobs++
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
		out = append(out, b...)
	}
	return out
}

// reframe re-frames raw with a fresh end record (see frame). ok is false
// when raw does not split into records.
func reframe(raw []byte) ([]byte, bool) {
	magic, bodies, ok := splitRecords(raw)
	if !ok {
		return nil, false
	}
	return frame(magic, bodies), true
}

// mustEncode encodes a record body.
func mustEncode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
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
	if len(res.rejected) != 0 {
		t.Fatalf("%d rejected entries, want none", len(res.rejected))
	}
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
	magic, bodies, ok := splitRecords(good)
	if !ok {
		t.Fatal("the good bundle does not split into records")
	}
	// withRecord re-frames the good bundle with record 2 (the first entry)
	// replaced by body, and a matching end record.
	withRecord := func(body []byte) []byte {
		bs := append([][]byte(nil), bodies...)
		bs[1] = body
		return frame(magic, bs)
	}
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
		// The entry is rejected and reading goes on; the digest then
		// catches the change.
		{"payload byte flipped, digest not updated", mod(func(b []byte) []byte { b[recs[2]-1] ^= 1; return b }), "file digest does not match"},
		{"author byte flipped: framing fine, digest catches it", mod(func(b []byte) []byte { b[recs[1]+30] ^= 1; return b }), "file digest does not match"},
		// The blob is rejected and reading goes on (TestBlobMismatch);
		// the digest then catches the change.
		{"blob byte flipped", mod(func(b []byte) []byte { b[recs[4]+12] ^= 1; return b }), "file digest does not match"},
		{"digest wrong", mod(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "file digest does not match"},
		{"entry count wrong", mod(func(b []byte) []byte { b[last+4+2]++; return b }), "end record counts 5 entries and 4 blobs, the file holds 4 and 4"},
		{"zero-length record", mod(func(b []byte) []byte { copy(b[recs[1]:], []byte{0, 0, 0, 0}); return b }), "record length 0"},
		{"huge record", mod(func(b []byte) []byte { copy(b[recs[1]:], []byte{0xff, 0, 0, 0}); return b }), "outside 1..70000"},
		{"unknown kind", mod(func(b []byte) []byte { b[recs[1]+5] = 9; return b }), "unknown record kind"},
		{"second meta", append(append(append([]byte(nil), good[:recs[1]]...), good[recs[0]:recs[1]]...), good[recs[1]:]...), "a second meta record"},
		// Entry records that are not [1, bstr, bstr|null] in canonical
		// CBOR are framing errors even with a matching end record.
		{"entry header null", withRecord([]byte{0x83, 0x01, 0xf6, 0xf6}), "record 2 at byte 28: malformed entry record: the header is null"},
		{"entry header text", withRecord([]byte{0x83, 0x01, 0x61, 'a', 0xf6}), "record 2 at byte 28: malformed entry record"},
		{"entry payload number", withRecord([]byte{0x83, 0x01, 0x40, 0x00}), "record 2 at byte 28: malformed entry record"},
		{"entry record of four elements", withRecord([]byte{0x84, 0x01, 0x40, 0xf6, 0x00}), "record 2 at byte 28: malformed entry record"},
		{"entry record not canonical", withRecord([]byte{0x83, 0x01, 0x58, 0x00, 0xf6}), "record 2 at byte 28: malformed entry record: not in canonical CBOR encoding"},
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

// TestRejectedEntry checks that an entry record that is well framed but
// invalid (payload not matching its header, header not decoding) is
// reported as rejected and that every other entry and blob is still read.
func TestRejectedEntry(t *testing.T) {
	good := writeBundle(t)
	magic, bodies, ok := splitRecords(good)
	if !ok {
		t.Fatal("the good bundle does not split into records")
	}
	if again := frame(magic, bodies); !bytes.Equal(again, good) {
		t.Fatal("re-framing the good bundle changes it")
	}
	es := testEntries(t)
	// Records: 1 meta, 2 entry 1, 3 blob 0 (empty), 4 entry 2, 5-6 blob 1,
	// 7 entry 3 (payload withheld), 8-9 blob 2, 10 entry 4, 11-14 blob 3,
	// 15 end.
	entryRec := map[int]int{2: 0, 4: 1, 7: 2, 10: 3} // record number -> index in es
	for rec, i := range entryRec {
		if kind(bodies[rec-1]) != kindEntry {
			t.Fatalf("record %d (entry %d) is of kind %d", rec, i, kind(bodies[rec-1]))
		}
	}
	offset := func(rec int) int64 {
		off := int64(len(Magic))
		for _, b := range bodies[:rec-1] {
			off += 4 + int64(len(b))
		}
		return off
	}

	flipped := bytes.Clone(es[0].Payload)
	flipped[len(flipped)-1] ^= 1
	short := es[3].Payload[1:]
	garbage := []byte("not a header")
	cases := []struct {
		name   string
		record int
		body   []byte
		id     [32]byte
		want   string
	}{
		{"payload byte flipped", 2, mustEncode(t, entryRecord{Kind: kindEntry, Header: es[0].Raw, Payload: flipped}), es[0].ID, "entry payload: SHA-256 does not match"},
		{"payload one byte short", 10, mustEncode(t, entryRecord{Kind: kindEntry, Header: es[3].Raw, Payload: short}), es[3].ID, fmt.Sprintf("entry payload: %d bytes, header says %d", len(short), len(es[3].Payload))},
		{"header not decodable", 7, mustEncode(t, entryRecord{Kind: kindEntry, Header: garbage}), sha256.Sum256(garbage), ""},
		{"header empty", 4, mustEncode(t, entryRecord{Kind: kindEntry, Header: []byte{}, Payload: es[1].Payload}), [32]byte{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bs := append([][]byte(nil), bodies...)
			bs[c.record-1] = c.body
			raw := frame(magic, bs)
			res, err := readAll(raw)
			if err != nil {
				t.Fatalf("read: %v; want the bundle to read to its end", err)
			}
			if len(res.rejected) != 1 {
				t.Fatalf("%d rejected entries, want 1", len(res.rejected))
			}
			rej := res.rejected[0]
			if rej.Record != c.record || rej.Offset != offset(c.record) || rej.ID != c.id || rej.Err == nil {
				t.Errorf("rejected = record %d at %d, id %x, err %v; want record %d at %d, id %x",
					rej.Record, rej.Offset, rej.ID[:4], rej.Err, c.record, offset(c.record), c.id[:4])
			}
			if !strings.Contains(rej.Error(), fmt.Sprintf("record %d at byte %d", c.record, offset(c.record))) || !strings.Contains(rej.Err.Error(), c.want) {
				t.Errorf("rejection %q, want the record, its offset and %q", rej.Error(), c.want)
			}
			// Every other entry, in order, and every blob.
			var want []*entry.Entry
			for i, e := range es {
				if i != entryRec[c.record] {
					want = append(want, e)
				}
			}
			if len(res.entries) != len(want) {
				t.Fatalf("%d entries, want %d", len(res.entries), len(want))
			}
			for i, e := range res.entries {
				if e.ID != want[i].ID || !bytes.Equal(e.Payload, want[i].Payload) || (e.Payload == nil) != (want[i].Payload == nil) {
					t.Errorf("entry %d differs", i)
				}
			}
			for _, b := range testBlobs() {
				if got, ok := res.blobs[b.id]; !ok || !bytes.Equal(got, b.data) {
					t.Errorf("blob of %d bytes missing or different", len(b.data))
				}
			}
		})
	}

	// Several rejected entries in a row do not stop the reader either.
	bs := append([][]byte(nil), bodies...)
	for rec := range entryRec {
		bs[rec-1] = mustEncode(t, entryRecord{Kind: kindEntry, Header: []byte{0xff}})
	}
	res, err := readAll(frame(magic, bs))
	if err != nil || len(res.rejected) != 4 || len(res.entries) != 0 || res.nblobs != 4 {
		t.Errorf("all entries bad: %d rejected, %d entries, %d blobs, %v; want 4, 0, 4, nil", len(res.rejected), len(res.entries), res.nblobs, err)
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
	es := testEntries(f)[:2]
	for _, e := range es {
		_ = w.Entry(e)
	}
	_ = w.Blob(sha256.Sum256([]byte("abc")), 3, strings.NewReader("abc"))
	_ = w.Close()
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:100])
	f.Add(Magic[:])
	// The same bundle with the first entry's payload damaged (and the end
	// record fixed): one rejected entry.
	if magic, bodies, ok := splitRecords(good); ok {
		bodies[1] = mustEncode(f, entryRecord{Kind: kindEntry, Header: es[0].Raw, Payload: []byte("firsT")})
		f.Add(frame(magic, bodies))
	}
	// A blob whose bytes do not hash to its id: a rejected blob.
	var badBlob bytes.Buffer
	w, _ = NewWriter(&badBlob, Meta{Created: 1, Producer: "fuzz"})
	_ = w.Blob(sha256.Sum256([]byte("abc")), 3, strings.NewReader("abd"))
	_ = w.Entry(es[0])
	_ = w.Close()
	f.Add(badBlob.Bytes())
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkRead(t, raw)
		// A mutation almost never leaves the end record's counts and
		// digest right, so the raw input hardly ever gets past them. When
		// the input still splits into records, read it again with a fresh
		// end record, so that what the reader accepts is checked too.
		if fixed, ok := reframe(raw); ok && !bytes.Equal(fixed, raw) {
			checkRead(t, fixed)
		}
	})
}

// checkRead reads raw and, if the reader accepts it, checks what it
// returned.
func checkRead(t *testing.T, raw []byte) {
	res, err := readAll(raw)
	if err != nil {
		var fe *FormatError
		var te *TruncatedError
		if !errors.As(err, &fe) && !errors.As(err, &te) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		return
	}
	// Accepted bundles hold only well-formed entries whose payloads match
	// their headers, rejected entries that say where and why, and blobs
	// whose bytes hash to their ids.
	for _, e := range res.entries {
		if e.ID != sha256.Sum256(e.Raw) {
			t.Fatal("entry id mismatch")
		}
		if e.Payload != nil {
			if err := entry.CheckPayload(&e.Header, e.Payload); err != nil {
				t.Fatalf("entry with a bad payload accepted: %v", err)
			}
		}
	}
	for _, r := range res.rejected {
		if r.Err == nil || r.Record < 2 || r.Offset < int64(len(Magic)) || r.Offset >= int64(len(raw)) {
			t.Fatalf("rejected entry: record %d at %d, err %v", r.Record, r.Offset, r.Err)
		}
	}
	for id, b := range res.blobs {
		if sha256.Sum256(b) != id {
			t.Fatal("blob hash mismatch accepted")
		}
	}
	for _, m := range res.badBlobs {
		if m.ID == m.Got || m.Record < 2 || m.Offset < int64(len(Magic)) || m.Offset >= int64(len(raw)) {
			t.Fatalf("rejected blob: record %d at %d, id %x, got %x", m.Record, m.Offset, m.ID[:4], m.Got[:4])
		}
	}
	// Every entry and blob record was returned as an item.
	_, bodies, ok := splitRecords(raw)
	if !ok {
		t.Fatal("accepted bundle does not split into records")
	}
	var nEntries, nBlobs int
	for _, b := range bodies {
		switch kind(b) {
		case kindEntry:
			nEntries++
		case kindBlob:
			nBlobs++
		}
	}
	if nEntries != len(res.entries)+len(res.rejected) || nBlobs != res.nblobs {
		t.Fatalf("%d entry and %d blob records, read %d+%d entries and %d blobs", nEntries, nBlobs, len(res.entries), len(res.rejected), res.nblobs)
	}
	// What was accepted writes and reads back the same.
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Meta{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.entries {
		if err := w.Entry(e); err != nil {
			t.Fatal(err)
		}
	}
	for id, b := range res.blobs {
		if err := w.Blob(id, int64(len(b)), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := readAll(buf.Bytes())
	if err != nil || len(again.rejected) != 0 || len(again.entries) != len(res.entries) || len(again.blobs) != len(res.blobs) {
		t.Fatalf("rewritten bundle: %d entries, %d rejected, %d blobs, %v", len(again.entries), len(again.rejected), len(again.blobs), err)
	}
	for i, e := range again.entries {
		if e.ID != res.entries[i].ID || !bytes.Equal(e.Payload, res.entries[i].Payload) || (e.Payload == nil) != (res.entries[i].Payload == nil) {
			t.Fatalf("rewritten entry %d differs", i)
		}
	}
}

// FuzzFastEntryRecord checks the import's fast path against the general
// decoder: whatever the fast path accepts, the general decoder accepts with
// the same fields.
func FuzzFastEntryRecord(f *testing.F) {
	for _, e := range testEntries(f) {
		b, err := encMode.Marshal(entryRecord{Kind: kindEntry, Header: e.Raw, Payload: e.Payload})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x83, 0x01, 0x40, 0xf6})
	f.Add([]byte{0x83, 0x01, 0x58, 0x01, 0x00, 0x40})
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := fastEntryRecord(body)
		if !ok {
			return
		}
		var slow entryRecord
		if err := decodeStrict(body, &slow); err != nil {
			t.Fatalf("fast path accepts %x, general decoder says %v", body, err)
		}
		if !bytes.Equal(fast.Header, slow.Header) || !bytes.Equal(fast.Payload, slow.Payload) || (fast.Payload == nil) != (slow.Payload == nil) {
			t.Fatalf("fast %+v, general %+v", fast, slow)
		}
	})
}
