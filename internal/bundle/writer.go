package bundle

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/kithnet/kith/internal/entry"
)

// Writer streams a bundle. Call Entry and Blob in any order, then Close,
// which writes the end record. Close does not close the underlying writer.
type Writer struct {
	w       *bufio.Writer
	digest  hash.Hash
	entries uint64
	blobs   uint64
	closed  bool
	err     error
}

// NewWriter writes the magic and the meta record.
func NewWriter(w io.Writer, meta Meta) (*Writer, error) {
	if len(meta.Producer) > MaxProducer {
		return nil, fmt.Errorf("bundle: producer text of %d bytes exceeds %d", len(meta.Producer), MaxProducer)
	}
	bw := &Writer{w: bufio.NewWriterSize(w, 256<<10), digest: sha256.New()}
	bw.write(Magic[:])
	bw.record(metaRecord{Kind: kindMeta, Created: meta.Created, Producer: meta.Producer})
	return bw, bw.err
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	w.digest.Write(b)
	_, w.err = w.w.Write(b)
}

func (w *Writer) record(v any) {
	if w.err != nil {
		return
	}
	body, err := encMode.Marshal(v)
	if err != nil {
		w.err = fmt.Errorf("bundle: encode record: %w", err)
		return
	}
	if len(body) > MaxRecord {
		w.err = fmt.Errorf("bundle: record of %d bytes exceeds %d", len(body), MaxRecord)
		return
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)))
	w.write(n[:])
	w.write(body)
}

// Entry adds an entry; its payload is included when e.Payload is not nil.
func (w *Writer) Entry(e *entry.Entry) error {
	if w.closed {
		return errors.New("bundle: write after Close")
	}
	w.record(entryRecord{Kind: kindEntry, Header: e.Raw, Payload: e.Payload})
	w.entries++
	return w.err
}

// Blob adds a blob of the given id and size, streaming its bytes from r. It
// fails if r yields a different number of bytes; the hash is checked by the
// reader.
func (w *Writer) Blob(id [32]byte, size int64, r io.Reader) error {
	if w.closed {
		return errors.New("bundle: write after Close")
	}
	if size < 0 {
		return fmt.Errorf("bundle: negative blob size %d", size)
	}
	w.record(blobRecord{Kind: kindBlob, ID: id[:], Size: uint64(size)})
	buf := make([]byte, ChunkSize)
	left := size
	for left > 0 && w.err == nil {
		n := int64(len(buf))
		if left < n {
			n = left
		}
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			w.err = fmt.Errorf("bundle: blob %x: read after %d of %d bytes: %w", id[:4], size-left, size, err)
			break
		}
		w.record(chunkRecord{Kind: kindChunk, Data: buf[:n]})
		left -= n
	}
	w.blobs++
	return w.err
}

// Close writes the end record and flushes.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	sum := w.digest.Sum(nil)
	w.record(endRecord{Kind: kindEnd, Entries: w.entries, Blobs: w.blobs, Digest: sum})
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}
