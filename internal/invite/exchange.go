package invite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/entry"
)

// Protocol is the stream protocol id of the invite exchange.
const Protocol = "/kith/invite/1"

// MaxMessage bounds one framed message of the exchange, in bytes.
const MaxMessage = 8192

// MaxStatusMessage bounds the text of a response.
const MaxStatusMessage = 500

// Status is the inviter's answer.
type Status uint64

// The statuses of doc/protocol/invite.md.
const (
	Accepted Status = iota
	UnknownSecret
	Expired
	BadCertificate
	Blocked
)

func (s Status) String() string {
	switch s {
	case Accepted:
		return "accepted"
	case UnknownSecret:
		return "unknown or already used invite"
	case Expired:
		return "invite expired"
	case BadCertificate:
		return "bad device certificate"
	case Blocked:
		return "blocked"
	}
	return fmt.Sprintf("status %d", uint64(s))
}

// Request is what the joiner sends.
type Request struct {
	Secret      [SecretSize]byte
	CertHeader  []byte // encoded signed header of the joiner's device.add entry
	CertPayload []byte
}

// Response is what the inviter answers.
type Response struct {
	Status  Status
	Message string
}

type requestBody struct {
	_           struct{} `cbor:",toarray"`
	Version     uint64
	Secret      []byte
	CertHeader  []byte
	CertPayload []byte
}

type responseBody struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	Status  uint64
	Message string
}

// WriteRequest frames and writes r.
func WriteRequest(w io.Writer, r Request) error {
	return write(w, requestBody{Version: 1, Secret: r.Secret[:], CertHeader: r.CertHeader, CertPayload: r.CertPayload})
}

// WriteResponse frames and writes r.
func WriteResponse(w io.Writer, r Response) error {
	if len(r.Message) > MaxStatusMessage {
		r.Message = r.Message[:MaxStatusMessage]
		for !utf8.ValidString(r.Message) {
			r.Message = r.Message[:len(r.Message)-1]
		}
	}
	return write(w, responseBody{Version: 1, Status: uint64(r.Status), Message: r.Message})
}

func write(w io.Writer, v any) error {
	b, err := encMode.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > MaxMessage {
		return fmt.Errorf("invite message of %d bytes exceeds %d", len(b), MaxMessage)
	}
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(b)))
	_, err = w.Write(append(l[:], b...))
	return err
}

// ErrMessage is wrapped by every error about a malformed message: a
// length out of bounds, a body that is not the canonical CBOR of the
// message, a field out of bounds. An error of the stream instead (it was
// reset, its connection lost, its deadline passed, or it ended before the
// message was complete: io.EOF, io.ErrUnexpectedEOF) is returned wrapped
// as it is, and does not match ErrMessage (doc/protocol/invite.md,
// "Failures and breaches").
var ErrMessage = errors.New("malformed invite message")

func read(r io.Reader, v any) error {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return fmt.Errorf("invite message: reading its length: %w", err)
	}
	n := binary.BigEndian.Uint32(l[:])
	if n == 0 || n > MaxMessage {
		return fmt.Errorf("%w: length %d outside 1…%d", ErrMessage, n, MaxMessage)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("invite message: reading its %d bytes: %w", n, err)
	}
	if err := decMode.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMessage, err)
	}
	if again, err := encMode.Marshal(v); err != nil || !bytes.Equal(again, b) {
		return fmt.Errorf("%w: not canonical CBOR", ErrMessage)
	}
	return nil
}

// ReadRequest reads and checks one request.
func ReadRequest(r io.Reader) (Request, error) {
	var b requestBody
	if err := read(r, &b); err != nil {
		return Request{}, err
	}
	if b.Version != 1 {
		return Request{}, fmt.Errorf("%w: version %d", ErrMessage, b.Version)
	}
	if len(b.Secret) != SecretSize {
		return Request{}, fmt.Errorf("%w: secret of %d bytes, want %d", ErrMessage, len(b.Secret), SecretSize)
	}
	if len(b.CertHeader) == 0 || len(b.CertHeader) > entry.MaxHeaderSize || len(b.CertPayload) > entry.MaxPayloadSize {
		return Request{}, fmt.Errorf("%w: certificate header of %d bytes or payload of %d bytes out of bounds", ErrMessage, len(b.CertHeader), len(b.CertPayload))
	}
	req := Request{CertHeader: b.CertHeader, CertPayload: b.CertPayload}
	copy(req.Secret[:], b.Secret)
	return req, nil
}

// ReadResponse reads and checks one response.
func ReadResponse(r io.Reader) (Response, error) {
	var b responseBody
	if err := read(r, &b); err != nil {
		return Response{}, err
	}
	if b.Version != 1 {
		return Response{}, fmt.Errorf("%w: version %d", ErrMessage, b.Version)
	}
	if b.Status > uint64(Blocked) {
		return Response{}, fmt.Errorf("%w: unknown status %d", ErrMessage, b.Status)
	}
	if len(b.Message) > MaxStatusMessage {
		return Response{}, fmt.Errorf("%w: message of %d bytes, at most %d", ErrMessage, len(b.Message), MaxStatusMessage)
	}
	return Response{Status: Status(b.Status), Message: b.Message}, nil
}

// CertProtocol is the stream protocol id of the device certificate
// exchange: the responder sends its device certificate, nothing else
// (doc/protocol/invite.md, "Who is this device?").
const CertProtocol = "/kith/cert/1"

// Cert is a device certificate as the exchange carries it.
type Cert struct {
	Header  []byte // encoded signed header of the device.add entry
	Payload []byte
}

type certBody struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	Header  []byte
	Payload []byte
}

// WriteCert frames and writes c.
func WriteCert(w io.Writer, c Cert) error {
	return write(w, certBody{Version: 1, Header: c.Header, Payload: c.Payload})
}

// ReadCert reads and checks one certificate message.
func ReadCert(r io.Reader) (Cert, error) {
	var b certBody
	if err := read(r, &b); err != nil {
		return Cert{}, err
	}
	if b.Version != 1 {
		return Cert{}, fmt.Errorf("%w: version %d", ErrMessage, b.Version)
	}
	if len(b.Header) == 0 || len(b.Header) > entry.MaxHeaderSize || len(b.Payload) == 0 || len(b.Payload) > entry.MaxPayloadSize {
		return Cert{}, fmt.Errorf("%w: certificate header of %d bytes or payload of %d bytes out of bounds", ErrMessage, len(b.Header), len(b.Payload))
	}
	return Cert{Header: b.Header, Payload: b.Payload}, nil
}
