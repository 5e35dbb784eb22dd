package replicate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ReadMessage reads one frame from r and decodes its message. It returns
// the message and the number of bytes the frame took (length prefix
// included). A length outside 1..MaxMessage is refused before anything
// more is read. Errors of r are returned as they are (io.EOF when r ends
// exactly between frames, io.ErrUnexpectedEOF inside one); everything wrong
// with the bytes themselves is a *ProtocolError.
func ReadMessage(r io.Reader) (Message, int, error) {
	body, err := readFrame(r)
	if err != nil {
		return nil, 0, err
	}
	m, err := DecodeMessage(body)
	if err != nil {
		return nil, 0, err
	}
	return m, FrameHeader + len(body), nil
}

// readFrame reads one length-prefixed body into a fresh buffer (decoded
// entries alias it).
func readFrame(r io.Reader) ([]byte, error) { return readFrameInto(r, nil) }

// readFrameInto reads one length-prefixed body into buf when it fits
// there, else into a new buffer of its size.
func readFrameInto(r io.Reader, buf []byte) ([]byte, error) {
	var n [FrameHeader]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(n[:])
	switch {
	case size == 0:
		return nil, protoErr(CodeMalformed, "frame: length 0; a message has 1..%d bytes", MaxMessage)
	case size > MaxMessage:
		return nil, protoErr(CodeLimit, "frame: length %d exceeds the limit of %d bytes", size, MaxMessage)
	}
	var body []byte
	if int(size) <= cap(buf) {
		body = buf[:size]
	} else {
		body = make([]byte, size)
	}
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("frame of %d bytes: %w", size, err)
	}
	return body, nil
}
