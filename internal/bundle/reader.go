package bundle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/kithnet/kith/internal/entry"
)

// Item is one thing read from a bundle: an entry, a rejected entry or a
// blob. Exactly one field is set.
type Item struct {
	// Entry is set for an entry. Its header is decoded and its payload (when
	// present) matches the header; its signature is not yet verified.
	Entry *entry.Entry
	// Rejected is set for an entry record that is well framed (a canonical
	// [1, header, payload] array) but whose header does not decode or whose
	// payload does not match its header. The reader goes on after it.
	Rejected *RejectedEntry
	// Blob is set for a blob; read its bytes from Blob.Body before calling
	// Next again.
	Blob *Blob
}

// RejectedEntry is an entry record whose contents are invalid. It says
// which record it is and what is wrong; the entry is not usable.
type RejectedEntry struct {
	Record int      // 1-based record number
	Offset int64    // byte offset of the record's length field
	ID     [32]byte // SHA-256 of the header bytes; zero when the header is empty
	Err    error    // what is wrong (from entry.Parse)
}

// Error says which record was rejected and why.
func (e *RejectedEntry) Error() string {
	return fmt.Sprintf("bundle: record %d at byte %d: invalid entry: %v", e.Record, e.Offset, e.Err)
}

// Unwrap returns the reason.
func (e *RejectedEntry) Unwrap() error { return e.Err }

// Blob is a blob being read from a bundle.
type Blob struct {
	ID   [32]byte
	Size int64
	// Body yields exactly Size bytes and then io.EOF. When the bytes do
	// not hash to ID it yields a *BlobMismatchError instead of io.EOF: the
	// blob is rejected, and the reader goes on with the next record. Any
	// other error is a framing error and final. Unread bytes are skipped
	// by the next Next.
	Body io.Reader
}

// BlobMismatchError is returned by a Blob's Body when the blob's bytes,
// well framed, do not hash to the id its record names. The blob is
// rejected; the records after it can still be read.
type BlobMismatchError struct {
	Record int      // 1-based record number of the blob record
	Offset int64    // byte offset of its length field
	ID     [32]byte // the id the record names
	Got    [32]byte // SHA-256 of the bytes that came
	Size   int64
}

func (e *BlobMismatchError) Error() string {
	return fmt.Sprintf("bundle: record %d at byte %d: blob %x…: its %d bytes do not hash to its id (they hash to %x…)", e.Record, e.Offset, e.ID[:6], e.Size, e.Got[:6])
}

// Reader reads a bundle record by record.
type Reader struct {
	r       *bufio.Reader
	digest  hash.Hash
	off     int64
	recNo   int
	meta    Meta
	entries uint64
	blobs   uint64
	blob    *blobBody
	done    bool
	err     error
}

// NewReader checks the magic and reads the meta record.
func NewReader(r io.Reader) (*Reader, error) {
	br := &Reader{r: bufio.NewReaderSize(r, 256<<10), digest: sha256.New()}
	var magic [len(Magic)]byte
	if _, err := io.ReadFull(br.r, magic[:]); err != nil {
		return nil, &FormatError{Msg: "not a kith bundle: the file is shorter than the 10-byte header"}
	}
	if magic != Magic {
		if bytes.Equal(magic[:8], Magic[:8]) {
			return nil, &FormatError{Offset: 8, Msg: fmt.Sprintf("bundle format version %d is not supported (this kith reads version 1)", binary.BigEndian.Uint16(magic[8:]))}
		}
		return nil, &FormatError{Msg: "not a kith bundle: it does not start with KITHBNDL"}
	}
	br.digest.Write(magic[:])
	br.off = int64(len(Magic))
	body, start, err := br.next()
	if err != nil {
		return nil, err
	}
	var m metaRecord
	if kind(body) != kindMeta || decodeStrict(body, &m) != nil {
		return nil, &FormatError{Record: 1, Offset: start, Msg: "the first record must be the meta record"}
	}
	if len(m.Producer) > MaxProducer {
		return nil, &FormatError{Record: 1, Offset: start, Msg: "producer text too long"}
	}
	br.meta = Meta{Created: m.Created, Producer: m.Producer}
	return br, nil
}

// Meta returns the bundle's meta record.
func (r *Reader) Meta() Meta { return r.meta }

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.off }

// next reads one record body. It returns the body and its start offset.
func (r *Reader) next() ([]byte, int64, error) {
	start := r.off
	var n [4]byte
	if _, err := io.ReadFull(r.r, n[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, start, &TruncatedError{Offset: start}
		}
		return nil, start, fmt.Errorf("bundle: read at byte %d: %w", start, err)
	}
	r.recNo++
	size := binary.BigEndian.Uint32(n[:])
	if size == 0 || size > MaxRecord {
		return nil, start, &FormatError{Record: r.recNo, Offset: start, Msg: fmt.Sprintf("record length %d is outside 1..%d", size, MaxRecord)}
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r.r, body); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, start, &TruncatedError{Offset: start}
		}
		return nil, start, fmt.Errorf("bundle: read at byte %d: %w", start, err)
	}
	r.digest.Write(n[:])
	r.digest.Write(body)
	r.off += 4 + int64(size)
	return body, start, nil
}

// kind returns the first element of a record body when the body starts as
// a canonical array of 1 to 23 elements whose first element is an unsigned
// integer below 24 (all kinds are), or -1. kindProblem says what is wrong
// otherwise.
func kind(body []byte) int {
	if len(body) < 2 || body[0] < 0x81 || body[0] > 0x97 || body[1] > 0x17 {
		return -1
	}
	return int(body[1])
}

// kindProblem says why a record body has no known kind.
func kindProblem(body []byte) string {
	switch b0 := body[0]; {
	case b0>>5 != 4:
		return fmt.Sprintf("the record is not a CBOR array (first byte 0x%02x)", b0)
	case b0 == 0x80:
		return "the record is an empty array, without a kind"
	case b0&0x1f >= 24:
		return fmt.Sprintf("the record's array length is not in canonical CBOR (first byte 0x%02x; a record has 2 to 4 elements, which canonical CBOR counts in the first byte)", b0)
	case len(body) < 2:
		return "the record ends before its kind"
	}
	b1 := body[1]
	if b1>>5 != 0 {
		return fmt.Sprintf("the record kind is not an unsigned integer (byte 0x%02x)", b1)
	}
	ai := int(b1 & 0x1f)
	if ai < 24 {
		return fmt.Sprintf("unknown record kind %d (kinds are 0 to 4)", ai)
	}
	if ai > 27 {
		return fmt.Sprintf("the record kind is not a well-formed unsigned integer (byte 0x%02x)", b1)
	}
	n := 1 << (ai - 24) // bytes after the initial byte
	if len(body) < 2+n {
		return "the record ends inside its kind"
	}
	var v uint64
	for _, b := range body[2 : 2+n] {
		v = v<<8 | uint64(b)
	}
	written := make([]string, 0, 1+n)
	for _, b := range body[1 : 2+n] {
		written = append(written, fmt.Sprintf("0x%02x", b))
	}
	switch {
	case v < 24:
		return fmt.Sprintf("record kind %d is written %s, not in canonical CBOR (which writes it as the single byte 0x%02x)", v, strings.Join(written, " "), v)
	case n > 1 && v < 1<<(8*(n/2)):
		return fmt.Sprintf("record kind %d is written %s, not in canonical CBOR (which writes it in fewer bytes)", v, strings.Join(written, " "))
	}
	return fmt.Sprintf("unknown record kind %d (kinds are 0 to 4)", v)
}

// decodeStrict decodes body into v and requires it to be canonical.
func decodeStrict(body []byte, v any) error {
	if err := decMode.Unmarshal(body, v); err != nil {
		return err
	}
	again, err := encMode.Marshal(v)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, body) {
		return errors.New("not in canonical CBOR encoding")
	}
	return nil
}

// Next returns the next entry, rejected entry or blob, or io.EOF after a
// valid end record. An entry record whose header does not decode or whose
// payload does not match is returned as Item.Rejected, and reading goes on;
// only a framing error stops the reader. Any error is final: a *FormatError
// or *TruncatedError says where.
func (r *Reader) Next() (Item, error) {
	if r.err != nil {
		return Item{}, r.err
	}
	if r.done {
		return Item{}, io.EOF
	}
	if r.blob != nil {
		// Skip what the caller did not read. Bytes that do not hash to
		// the blob's id concern that blob only.
		var bm *BlobMismatchError
		if _, err := io.Copy(io.Discard, r.blob); err != nil && !errors.As(err, &bm) {
			return Item{}, r.fail(err)
		}
		r.blob = nil
	}
	sumBefore := r.digest.Sum(nil)
	body, start, err := r.next()
	if err != nil {
		return Item{}, r.fail(err)
	}
	bad := func(msg string, args ...any) (Item, error) {
		return Item{}, r.fail(&FormatError{Record: r.recNo, Offset: start, Msg: fmt.Sprintf(msg, args...)})
	}
	switch kind(body) {
	case kindEntry:
		rec, ok := fastEntryRecord(body)
		if !ok {
			// Anything the fast path does not take goes through the
			// general decoder, which accepts the same canonical records
			// and says what is wrong with the others.
			if err := decodeStrict(body, &rec); err != nil {
				return bad("malformed entry record: %v", err)
			}
		}
		if rec.Header == nil {
			return bad("malformed entry record: the header is null, not a byte string")
		}
		r.entries++
		e, err := entry.Parse(rec.Header, rec.Payload)
		if err != nil {
			// The framing is sound, so the records after this one can
			// still be read: report this entry and go on.
			rej := &RejectedEntry{Record: r.recNo, Offset: start, Err: err}
			if len(rec.Header) > 0 {
				rej.ID = sha256.Sum256(rec.Header)
			}
			return Item{Rejected: rej}, nil
		}
		return Item{Entry: e}, nil
	case kindBlob:
		var rec blobRecord
		if err := decodeStrict(body, &rec); err != nil || len(rec.ID) != 32 {
			return bad("malformed blob record")
		}
		if rec.Size > 1<<62 {
			return bad("blob size %d out of range", rec.Size)
		}
		b := &blobBody{r: r, left: int64(rec.Size), h: sha256.New(), size: int64(rec.Size), start: start, recNo: r.recNo}
		copy(b.id[:], rec.ID)
		r.blob = b
		r.blobs++
		return Item{Blob: &Blob{ID: b.id, Size: b.size, Body: b}}, nil
	case kindChunk:
		return bad("blob data without a blob record before it")
	case kindMeta:
		return bad("a second meta record")
	case kindEnd:
		var rec endRecord
		if err := decodeStrict(body, &rec); err != nil || len(rec.Digest) != 32 {
			return bad("malformed end record")
		}
		if rec.Entries != r.entries || rec.Blobs != r.blobs {
			return bad("end record counts %d entries and %d blobs, the file holds %d and %d", rec.Entries, rec.Blobs, r.entries, r.blobs)
		}
		if !bytes.Equal(rec.Digest, sumBefore) {
			return bad("file digest does not match: the bundle was altered or damaged")
		}
		var one [1]byte
		if n, _ := r.r.Read(one[:]); n > 0 {
			return bad("bytes after the end record")
		}
		r.done = true
		return Item{}, io.EOF
	default:
		return bad("%s", kindProblem(body))
	}
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// blobBody streams the chunks of one blob and checks its hash at the end.
type blobBody struct {
	r     *Reader
	id    [32]byte
	size  int64
	left  int64
	h     hash.Hash
	buf   []byte
	start int64
	recNo int
	err   error
}

func (b *blobBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(b.buf) == 0 {
		if b.left == 0 {
			if got := b.h.Sum(nil); !bytes.Equal(got, b.id[:]) {
				m := &BlobMismatchError{Record: b.recNo, Offset: b.start, ID: b.id, Size: b.size}
				copy(m.Got[:], got)
				b.err = m
				return 0, b.err
			}
			b.err = io.EOF
			return 0, io.EOF
		}
		body, start, err := b.r.next()
		if err != nil {
			b.err = err
			return 0, err
		}
		var rec chunkRecord
		if kind(body) != kindChunk || decodeStrict(body, &rec) != nil {
			b.err = &FormatError{Record: b.r.recNo, Offset: start, Msg: fmt.Sprintf("blob %x… needs %d more bytes, found another record", b.id[:6], b.left)}
			return 0, b.err
		}
		if len(rec.Data) == 0 || len(rec.Data) > ChunkSize || int64(len(rec.Data)) > b.left {
			b.err = &FormatError{Record: b.r.recNo, Offset: start, Msg: fmt.Sprintf("blob chunk of %d bytes where %d remain (chunks are 1..%d bytes)", len(rec.Data), b.left, ChunkSize)}
			return 0, b.err
		}
		b.buf = rec.Data
		b.left -= int64(len(rec.Data))
		b.h.Write(rec.Data)
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// fastEntryRecord parses the common entry record, [1, header, payload] with
// both as byte strings (or payload null) in canonical CBOR, without the
// general decoder: it is the hot path of an import. It reports false for
// anything else, which the caller hands to decodeStrict.
func fastEntryRecord(body []byte) (entryRecord, bool) {
	var rec entryRecord
	if len(body) < 3 || body[0] != 0x83 || body[1] != kindEntry {
		return rec, false
	}
	header, rest, ok := canonicalBytes(body[2:])
	if !ok || header == nil {
		return rec, false
	}
	if len(rest) == 1 && rest[0] == 0xf6 { // null: payload not included
		rec.Kind, rec.Header = kindEntry, header
		return rec, true
	}
	payload, rest, ok := canonicalBytes(rest)
	if !ok || payload == nil || len(rest) != 0 {
		return rec, false
	}
	rec.Kind, rec.Header, rec.Payload = kindEntry, header, payload
	return rec, true
}

// canonicalBytes reads one definite-length CBOR byte string whose length is
// in its shortest form (lengths up to 65535), returning a non-nil slice.
func canonicalBytes(b []byte) (v, rest []byte, ok bool) {
	if len(b) == 0 || b[0]>>5 != 2 {
		return nil, nil, false
	}
	ai := b[0] & 0x1f
	var n, head int
	switch {
	case ai < 24:
		n, head = int(ai), 1
	case ai == 24 && len(b) >= 2 && b[1] >= 24:
		n, head = int(b[1]), 2
	case ai == 25 && len(b) >= 3 && int(b[1])<<8|int(b[2]) > 0xff:
		n, head = int(b[1])<<8|int(b[2]), 3
	default:
		return nil, nil, false
	}
	if len(b)-head < n {
		return nil, nil, false
	}
	return b[head : head+n : head+n], b[head+n:], true
}
