package services

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
)

// WriteLeaseRequest frames and writes q's encoding: a 4-byte big-endian
// length, then the body (doc/protocol/services.md §9).
func WriteLeaseRequest(w io.Writer, q LeaseRequest) error {
	body, err := q.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// WriteLeaseResponse frames and writes p's encoding.
func WriteLeaseResponse(w io.Writer, p LeaseResponse) error {
	body, err := p.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// ReadLeaseRequest reads one framed request. A length outside
// 1…MaxLeaseRequest and a body DecodeLeaseRequest refuses are errors
// wrapping ErrMalformedLease (or ErrVersion); a stream that ends early,
// one wrapping ErrTruncated.
func ReadLeaseRequest(r io.Reader) (LeaseRequest, error) {
	body, err := readLeaseFrame(r, MaxLeaseRequest)
	if err != nil {
		return LeaseRequest{}, err
	}
	return DecodeLeaseRequest(body)
}

// ReadLeaseResponse reads one framed response, as ReadLeaseRequest.
func ReadLeaseResponse(r io.Reader) (LeaseResponse, error) {
	body, err := readLeaseFrame(r, MaxLeaseResponse)
	if err != nil {
		return LeaseResponse{}, err
	}
	return DecodeLeaseResponse(body)
}

// readLeaseFrame is readFrame with a bad length wrapping ErrMalformedLease.
func readLeaseFrame(r io.Reader, max uint32) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, readErr(err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 1 || n > max {
		return nil, fmt.Errorf("%w: frame length %d, want 1…%d", ErrMalformedLease, n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, readErr(err)
	}
	return body, nil
}

// hexText writes b as lowercase hexadecimal.
func hexText(b []byte) []byte { return []byte(hex.EncodeToString(b)) }

// hexInto reads exactly len(dst) bytes of hexadecimal into dst.
func hexInto(dst, b []byte) error {
	if hex.DecodedLen(len(b)) != len(dst) {
		return fmt.Errorf("services: want %d hexadecimal digits, got %d", 2*len(dst), len(b))
	}
	_, err := hex.Decode(dst, b)
	return err
}
