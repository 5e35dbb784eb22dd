package ice

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Protocol is the stream protocol id.
const Protocol = "/kith/ice/1"

// Version is the only version of the answer.
const Version = 1

// Status says whether an answer gives credentials, and if not, why.
type Status byte

const (
	// Given: the answer carries the server's port and credentials.
	Given Status = 0
	// Off: the node runs no STUN/TURN server.
	Off Status = 1
	// NotBrowser: the asker is not connected over WebSocket or
	// WebRTC-direct.
	NotBrowser Status = 2
	// NotCircle: the asker's account is not the node's own or one it
	// follows.
	NotCircle Status = 3
)

// Limits of the answer.
const (
	// MaxTTL is the longest ttl an answer may give, in seconds.
	MaxTTL = 86400
	// MaxField is the longest username or password, in bytes.
	MaxField = 128
	// MaxSize is the longest answer in bytes.
	MaxSize = 2 + 2 + 4 + 1 + MaxField + 1 + MaxField
)

// Answer is the node's answer.
type Answer struct {
	Status   Status
	Port     uint16 // UDP port of the server (Given only)
	TTL      uint32 // seconds the credentials stay valid (Given only)
	Username string // (Given only)
	Password string // (Given only)
}

// Reason says in words why an answer gives no credentials; "" when it
// gives them.
func (a Answer) Reason() string {
	switch a.Status {
	case Given:
		return ""
	case Off:
		return "the node runs no STUN/TURN server (turn_listen is off in its config.toml)"
	case NotBrowser:
		return "the node gives its relay only to browser peers connected over WebSocket or WebRTC-direct"
	case NotCircle:
		return "the node gives its relay only to its own account and the accounts it follows: follow this browser's account on the node (kith follow acc_…)"
	}
	return fmt.Sprintf("status %d", a.Status)
}

// Encode returns the answer's bytes; an answer Decode would refuse is an
// error.
func Encode(a Answer) ([]byte, error) {
	if a.Status != Given {
		if a.Port != 0 || a.TTL != 0 || a.Username != "" || a.Password != "" {
			return nil, fmt.Errorf("ice: an answer of status %d carries no port, ttl or credentials", a.Status)
		}
		if a.Status > NotCircle {
			return nil, fmt.Errorf("ice: unknown status %d", a.Status)
		}
		return []byte{Version, byte(a.Status)}, nil
	}
	if err := checkGiven(a); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 2+2+4+2+len(a.Username)+len(a.Password))
	b = append(b, Version, byte(Given))
	b = binary.BigEndian.AppendUint16(b, a.Port)
	b = binary.BigEndian.AppendUint32(b, a.TTL)
	b = append(b, byte(len(a.Username)))
	b = append(b, a.Username...)
	b = append(b, byte(len(a.Password)))
	b = append(b, a.Password...)
	return b, nil
}

func checkGiven(a Answer) error {
	switch {
	case a.Port == 0:
		return errors.New("ice: the port is 0")
	case a.TTL == 0 || a.TTL > MaxTTL:
		return fmt.Errorf("ice: a ttl of %d s, want 1 to %d", a.TTL, MaxTTL)
	}
	if err := checkField("username", a.Username); err != nil {
		return err
	}
	return checkField("password", a.Password)
}

func checkField(name, s string) error {
	if len(s) == 0 || len(s) > MaxField {
		return fmt.Errorf("ice: the %s is %d bytes, want 1 to %d", name, len(s), MaxField)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return fmt.Errorf("ice: byte %d of the %s is 0x%02x, not printable ASCII (0x21 to 0x7e)", i, name, s[i])
		}
	}
	return nil
}

// Decode parses an answer. It accepts exactly what Encode makes.
func Decode(b []byte) (Answer, error) {
	if len(b) < 2 {
		return Answer{}, fmt.Errorf("ice: the answer is %d bytes, shorter than its 2-byte head", len(b))
	}
	if b[0] != Version {
		return Answer{}, fmt.Errorf("ice: version %d, want %d (the node runs another kith version: update the page or the node)", b[0], Version)
	}
	st := Status(b[1])
	switch st {
	case Off, NotBrowser, NotCircle:
		if len(b) != 2 {
			return Answer{}, fmt.Errorf("ice: an answer of status %d is 2 bytes, this one %d", st, len(b))
		}
		return Answer{Status: st}, nil
	case Given:
	default:
		return Answer{}, fmt.Errorf("ice: unknown status %d", st)
	}
	if len(b) < 9 {
		return Answer{}, fmt.Errorf("ice: the answer is %d bytes, too short for a port, ttl and username length", len(b))
	}
	a := Answer{Status: Given, Port: binary.BigEndian.Uint16(b[2:]), TTL: binary.BigEndian.Uint32(b[4:])}
	ul := int(b[8])
	if 9+ul+1 > len(b) {
		return Answer{}, fmt.Errorf("ice: the username is %d bytes, the answer ends before it and the password's length", ul)
	}
	a.Username = string(b[9 : 9+ul])
	pl := int(b[9+ul])
	if rest := len(b) - (10 + ul); rest != pl {
		return Answer{}, fmt.Errorf("ice: the password is %d bytes, %d follow its length", pl, rest)
	}
	a.Password = string(b[10+ul:])
	if err := checkGiven(a); err != nil {
		return Answer{}, err
	}
	return a, nil
}

// Read reads an answer to its end (the node closes the stream after it)
// and decodes it; an answer longer than MaxSize is refused unread.
func Read(r io.Reader) (Answer, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return Answer{}, fmt.Errorf("ice: reading the answer: %w", err)
	}
	if len(b) > MaxSize {
		return Answer{}, fmt.Errorf("ice: the answer is longer than its largest size (%d bytes)", MaxSize)
	}
	return Decode(b)
}
