package blobsync

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// frameReader reads messages: a 4-byte big-endian length, then that many
// bytes of body.
type frameReader struct {
	r   *bufio.Reader
	buf []byte
}

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, 16<<10)}
}

// next reads and decodes the next message. A stream that ends cleanly
// before the first byte of a message gives io.EOF; one that ends inside a
// message, a length out of bounds or a malformed body give an error
// matching ErrProtocol. Other errors are the stream's. The Data of a DATA
// message is valid until the next call.
func (f *frameReader) next() (message, error) {
	var head [4]byte
	if _, err := io.ReadFull(f.r, head[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return message{}, fmt.Errorf("%w: the stream ended inside a message length", ErrProtocol)
		}
		return message{}, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n == 0 || n > MaxMessage {
		return message{}, fmt.Errorf("%w: message length %d is outside 1..%d", ErrProtocol, n, MaxMessage)
	}
	if cap(f.buf) < int(n) {
		f.buf = make([]byte, n, max(n, 1024))
	}
	body := f.buf[:n]
	if _, err := io.ReadFull(f.r, body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return message{}, fmt.Errorf("%w: the stream ended inside a message of %d bytes", ErrProtocol, n)
		}
		return message{}, err
	}
	return decodeMessage(body)
}

// frameWriter writes messages, each flushed as soon as it is complete.
type frameWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newFrameWriter(w io.Writer) *frameWriter {
	return &frameWriter{w: bufio.NewWriterSize(w, 16<<10)}
}

// body returns an empty buffer to append a message body to, after room
// for its length.
func (f *frameWriter) body() []byte { return append(f.buf[:0], 0, 0, 0, 0) }

// send writes a message made by body() and appends.
func (f *frameWriter) send(msg []byte) error {
	f.buf = msg
	binary.BigEndian.PutUint32(msg, uint32(len(msg)-4))
	if _, err := f.w.Write(msg); err != nil {
		return err
	}
	return f.w.Flush()
}

// sendData writes a DATA message carrying p (1 to MaxChunk bytes) without
// copying p into a message buffer.
func (f *frameWriter) sendData(p []byte) error {
	msg := appendDataHead(f.body(), len(p))
	binary.BigEndian.PutUint32(msg, uint32(len(msg)-4+len(p)))
	f.buf = msg
	if _, err := f.w.Write(msg); err != nil {
		return err
	}
	if _, err := f.w.Write(p); err != nil {
		return err
	}
	return f.w.Flush()
}
