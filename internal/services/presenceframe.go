package services

import (
	"encoding/binary"
	"fmt"
	"io"
)

// WriteClientMessage frames and writes m's encoding: a 4-byte big-endian
// length, then the body (doc/protocol/services.md §7).
func WriteClientMessage(w io.Writer, m ClientMessage) error {
	body, err := m.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// WriteHubMessage frames and writes m's encoding.
func WriteHubMessage(w io.Writer, m HubMessage) error {
	body, err := m.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// ReadClientMessage reads one framed message of a node. A length outside
// 1…MaxPresenceFrame and a body DecodeClientMessage refuses are errors
// wrapping ErrMalformedPresence (or ErrVersion); a stream that ends early,
// one wrapping ErrTruncated.
func ReadClientMessage(r io.Reader) (ClientMessage, error) {
	body, err := readPresenceFrame(r)
	if err != nil {
		return ClientMessage{}, err
	}
	return DecodeClientMessage(body)
}

// ReadHubMessage reads one framed message of a hub, as ReadClientMessage.
func ReadHubMessage(r io.Reader) (HubMessage, error) {
	body, err := readPresenceFrame(r)
	if err != nil {
		return HubMessage{}, err
	}
	return DecodeHubMessage(body)
}

func readPresenceFrame(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, readErr(err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 1 || n > MaxPresenceFrame {
		return nil, fmt.Errorf("%w: frame length %d, want 1…%d", ErrMalformedPresence, n, MaxPresenceFrame)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, readErr(err)
	}
	return body, nil
}
