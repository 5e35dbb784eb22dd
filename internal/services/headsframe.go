package services

import (
	"encoding/binary"
	"fmt"
	"io"
)

// WriteHeadsRequest frames and writes q's encoding: a 4-byte big-endian
// length, then the body (doc/protocol/services.md §6).
func WriteHeadsRequest(w io.Writer, q HeadsRequest) error {
	body, err := q.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// WriteHeadsResponse frames and writes p's encoding.
func WriteHeadsResponse(w io.Writer, p HeadsResponse) error {
	body, err := p.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// ReadHeadsRequest reads one framed request. A length outside
// 1…MaxHeadsRequest and a body DecodeHeadsRequest refuses are errors
// wrapping ErrMalformedHeads (or ErrVersion); a stream that ends early,
// one wrapping ErrTruncated.
func ReadHeadsRequest(r io.Reader) (HeadsRequest, error) {
	body, err := readFrame(r, MaxHeadsRequest)
	if err != nil {
		return HeadsRequest{}, err
	}
	return DecodeHeadsRequest(body)
}

// ReadHeadsResponse reads one framed response, as ReadHeadsRequest.
func ReadHeadsResponse(r io.Reader) (HeadsResponse, error) {
	body, err := readFrame(r, MaxHeadsResponse)
	if err != nil {
		return HeadsResponse{}, err
	}
	return DecodeHeadsResponse(body)
}

func writeFrame(w io.Writer, body []byte) error {
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	_, err := w.Write(append(frame, body...))
	return err
}

// readFrame reads a length of 1…max and that many bytes.
func readFrame(r io.Reader, max uint32) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, readErr(err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 1 || n > max {
		return nil, fmt.Errorf("%w: frame length %d, want 1…%d", ErrMalformedHeads, n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, readErr(err)
	}
	return body, nil
}
