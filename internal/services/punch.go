package services

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/cborwire"
)

// PunchProtocol is the stream protocol id of the coordinated direct dial
// of two relayed peers (doc/protocol/services.md §10).
const PunchProtocol = "/kith/punch/1"

// Bounds of a punch message (doc/protocol/services.md §10).
const (
	MaxPunchMessage = 1024 // bytes of a body
	MaxPunchAddrs   = 8    // addresses in one connect
	MaxPunchAddr    = 64   // bytes of one address (binary multiaddr)
)

// The kinds of a punch message.
const (
	PunchConnect uint64 = 0 // the sender's addresses
	PunchSync    uint64 = 1 // dial now
	PunchRefuse  uint64 = 2 // no punch now, with a reason
)

// PunchMessage is one message of /kith/punch/1: a connect with 1 to
// MaxPunchAddrs addresses (binary multiaddrs, 1…MaxPunchAddr bytes each),
// a sync, or a refusal with a reason of at most MaxReason bytes.
type PunchMessage struct {
	Kind   uint64  `json:"kind"`
	Addrs  []Bytes `json:"addrs,omitempty"`
	Reason string  `json:"reason,omitempty"`
}

// Bytes reads and writes as hexadecimal in JSON (the vectors).
type Bytes []byte

// MarshalText writes b as lowercase hexadecimal.
func (b Bytes) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(b)), nil }

// UnmarshalText reads hexadecimal digits.
func (b *Bytes) UnmarshalText(t []byte) error {
	out, err := hex.DecodeString(string(t))
	*b = out
	return err
}

// ErrMalformedPunch is wrapped by every error of DecodePunch but
// ErrVersion.
var ErrMalformedPunch = errors.New("malformed punch message")

// Encode returns the canonical encoding of m, or an error if it breaks
// the bounds.
func (m PunchMessage) Encode() ([]byte, error) {
	out := cborwire.AppendArray(nil, 3)
	out = cborwire.AppendUint(out, Version)
	out = cborwire.AppendUint(out, m.Kind)
	switch m.Kind {
	case PunchConnect:
		if len(m.Addrs) < 1 || len(m.Addrs) > MaxPunchAddrs {
			return nil, fmt.Errorf("services: a punch connect has %d addresses, want 1…%d", len(m.Addrs), MaxPunchAddrs)
		}
		out = cborwire.AppendArray(out, len(m.Addrs))
		for i, a := range m.Addrs {
			if len(a) < 1 || len(a) > MaxPunchAddr {
				return nil, fmt.Errorf("services: punch connect: address %d is %d bytes, want 1…%d", i+1, len(a), MaxPunchAddr)
			}
			out = cborwire.AppendBytes(out, a)
		}
	case PunchSync:
		if len(m.Addrs) != 0 || m.Reason != "" {
			return nil, errors.New("services: a punch sync carries nothing")
		}
		out = cborwire.AppendArray(out, 0)
	case PunchRefuse:
		if len(m.Reason) > MaxReason {
			return nil, fmt.Errorf("services: a punch refusal's reason is %d bytes, more than %d", len(m.Reason), MaxReason)
		}
		out = cborwire.AppendText(out, m.Reason)
	default:
		return nil, fmt.Errorf("services: punch message of kind %d, want 0…2", m.Kind)
	}
	return out, nil
}

// DecodePunch reads a punch message from its canonical encoding.
func DecodePunch(body []byte) (PunchMessage, error) {
	if len(body) > MaxPunchMessage {
		return PunchMessage{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedPunch, len(body), MaxPunchMessage)
	}
	bad := func(err error) error { return fmt.Errorf("%w: %v", ErrMalformedPunch, err) }
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("punch message", 3, 3); err != nil {
		return PunchMessage{}, bad(err)
	}
	v, err := r.Uint("version", ^uint64(0))
	if err != nil {
		return PunchMessage{}, bad(err)
	}
	if v != Version {
		return PunchMessage{}, fmt.Errorf("%w: punch message of version %d, this node reads %d", ErrVersion, v, Version)
	}
	var m PunchMessage
	if m.Kind, err = r.Uint("kind", PunchRefuse); err != nil {
		return PunchMessage{}, bad(err)
	}
	switch m.Kind {
	case PunchConnect:
		n, err := r.Array("addresses", 1, MaxPunchAddrs)
		if err != nil {
			return PunchMessage{}, bad(err)
		}
		for i := 0; i < n; i++ {
			a, err := r.Bytes("address", 1, MaxPunchAddr)
			if err != nil {
				return PunchMessage{}, bad(err)
			}
			m.Addrs = append(m.Addrs, Bytes(append([]byte(nil), a...)))
		}
	case PunchSync:
		if _, err := r.Array("sync's addresses", 0, 0); err != nil {
			return PunchMessage{}, bad(err)
		}
	case PunchRefuse:
		if m.Reason, err = r.Text("reason", 0, MaxReason); err != nil {
			return PunchMessage{}, bad(err)
		}
	}
	if err := r.End(); err != nil {
		return PunchMessage{}, bad(err)
	}
	return m, nil
}

// WritePunch frames and writes m's encoding (a 4-byte big-endian length,
// then the body).
func WritePunch(w io.Writer, m PunchMessage) error {
	body, err := m.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// ReadPunch reads one framed punch message. A length outside
// 1…MaxPunchMessage and a body DecodePunch refuses are errors wrapping
// ErrMalformedPunch (or ErrVersion); a stream that ends early, one
// wrapping ErrTruncated.
func ReadPunch(r io.Reader) (PunchMessage, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return PunchMessage{}, readErr(err)
	}
	n := binary.BigEndian.Uint32(head[:])
	if n < 1 || n > MaxPunchMessage {
		return PunchMessage{}, fmt.Errorf("%w: frame length %d, want 1…%d", ErrMalformedPunch, n, MaxPunchMessage)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return PunchMessage{}, readErr(err)
	}
	return DecodePunch(body)
}
