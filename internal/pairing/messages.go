package pairing

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// Protocol is the stream protocol id of the pairing exchange.
const Protocol = "/kith/pair/1"

// Limits of the messages (doc/protocol/pairing.md).
const (
	// MaxMessage bounds a framed hello, offer or request.
	MaxMessage = 8192
	// MaxResult bounds a framed result, which carries certificates.
	MaxResult = 1 << 20
	// MaxCerts bounds the certificates of a result.
	MaxCerts = 128
	// MaxStatusMessage bounds the text of an offer or a result.
	MaxStatusMessage = 500
)

// Status is the pairing device's answer, in an offer or a result.
type Status uint64

// The statuses of doc/protocol/pairing.md.
const (
	OK          Status = iota // go on (offer) or certified (result)
	UnknownCode               // no pending code has this id
	UsedCode                  // the code certified a device already
	ExpiredCode               // the code's time is over
	WrongCode                 // the confirmation failed: not the code's secret
	BurntCode                 // too many failed attempts: the code is void
	Busy                      // another device is using this code right now
	BadRequest                // the device signature or the name is not valid
	Failed                    // the pairing device could not certify (its own error)
)

const maxStatus = Failed

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case UnknownCode:
		return "the pairing device knows no such code"
	case UsedCode:
		return "the code was used already"
	case ExpiredCode:
		return "the code has expired"
	case WrongCode:
		return "wrong code"
	case BurntCode:
		return "the code was tried wrongly too often and is void"
	case Busy:
		return "another device is using this code right now"
	case BadRequest:
		return "bad request"
	case Failed:
		return "the pairing device could not certify this device"
	}
	return fmt.Sprintf("status %d", uint64(s))
}

// Hello opens the exchange (new device to pairing device): the code's id,
// a fresh session id, and the new device's CPace share Ya.
type Hello struct {
	ID    [IDSize]byte
	SID   [SIDSize]byte
	Share [elementSize]byte
}

// Offer answers a hello: OK with the pairing device's share Yb, or a
// refusal without one.
type Offer struct {
	Status  Status
	Message string
	Share   [elementSize]byte // set when Status is OK
}

// Request asks for the certificate: the new device's signature over
// DeviceCertInput(account, new device), the name it asks for, and the tag
// that proves it derived the same keys.
type Request struct {
	Tag       [TagSize]byte
	DeviceSig [64]byte
	Name      string
}

// Cert is one entry of the account's certificate logs, header and payload.
type Cert struct {
	Header  []byte
	Payload []byte
}

// Result ends the exchange: OK with the tag and the certificates (the new
// device's first), or a refusal without them.
type Result struct {
	Status  Status
	Message string
	Tag     [TagSize]byte // set when Status is OK
	Certs   []Cert        // 1…MaxCerts when Status is OK, none otherwise
}

type helloBody struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	ID      []byte
	SID     []byte
	Share   []byte
}

type offerBody struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	Status  uint64
	Message string
	Share   []byte
}

type requestBody struct {
	_         struct{} `cbor:",toarray"`
	Version   uint64
	Tag       []byte
	DeviceSig []byte
	Name      string
}

type certBody struct {
	_       struct{} `cbor:",toarray"`
	Header  []byte
	Payload []byte
}

type resultBody struct {
	_       struct{} `cbor:",toarray"`
	Version uint64
	Status  uint64
	Message string
	Tag     []byte
	Certs   []certBody
}

// ErrMessage is wrapped by every error about a malformed message. An
// error of the stream (reset, closed, deadline, io.EOF,
// io.ErrUnexpectedEOF) is returned wrapped as it is and does not match it.
var ErrMessage = errors.New("malformed pairing message")

func clip(s string) string {
	if len(s) <= MaxStatusMessage {
		return s
	}
	s = s[:MaxStatusMessage]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func certBodies(cs []Cert) []certBody {
	out := make([]certBody, len(cs))
	for i, c := range cs {
		out[i] = certBody{Header: c.Header, Payload: c.Payload}
	}
	return out
}

func encodeCerts(cs []Cert) ([]byte, error) {
	return encMode.Marshal(certBodies(cs))
}

// Encode returns the message's framed bytes.
func (h Hello) Encode() ([]byte, error) {
	return frame(helloBody{Version: 1, ID: h.ID[:], SID: h.SID[:], Share: h.Share[:]}, MaxMessage)
}

// Encode returns the message's framed bytes.
func (o Offer) Encode() ([]byte, error) {
	var share []byte
	if o.Status == OK {
		share = o.Share[:]
	} else {
		share = []byte{}
	}
	return frame(offerBody{Version: 1, Status: uint64(o.Status), Message: clip(o.Message), Share: share}, MaxMessage)
}

// Encode returns the message's framed bytes.
func (r Request) Encode() ([]byte, error) {
	return frame(requestBody{Version: 1, Tag: r.Tag[:], DeviceSig: r.DeviceSig[:], Name: r.Name}, MaxMessage)
}

// Encode returns the message's framed bytes.
func (r Result) Encode() ([]byte, error) {
	b := resultBody{Version: 1, Status: uint64(r.Status), Message: clip(r.Message), Tag: []byte{}, Certs: []certBody{}}
	if r.Status == OK {
		b.Tag = r.Tag[:]
		b.Certs = certBodies(r.Certs)
	}
	return frame(b, MaxResult)
}

func frame(v any, max int) ([]byte, error) {
	b, err := encMode.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("pairing message of %d bytes exceeds %d", len(b), max)
	}
	out := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(b)), uint32(len(b)))
	return append(out, b...), nil
}

// Write frames and writes a message (Hello, Offer, Request or Result).
func Write(w io.Writer, m interface{ Encode() ([]byte, error) }) error {
	b, err := m.Encode()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func read(r io.Reader, v any, max int) error {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return fmt.Errorf("pairing message: reading its length: %w", err)
	}
	n := binary.BigEndian.Uint32(l[:])
	if n == 0 || n > uint32(max) {
		return fmt.Errorf("%w: length %d outside 1…%d", ErrMessage, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("pairing message: reading its %d bytes: %w", n, err)
	}
	if err := decMode.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrMessage, err)
	}
	if again, err := encMode.Marshal(v); err != nil || !bytes.Equal(again, b) {
		return fmt.Errorf("%w: not canonical CBOR", ErrMessage)
	}
	return nil
}

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMessage, fmt.Sprintf(format, args...))
}

// ReadHello reads and checks a hello.
func ReadHello(r io.Reader) (Hello, error) {
	var b helloBody
	if err := read(r, &b, MaxMessage); err != nil {
		return Hello{}, err
	}
	if b.Version != 1 {
		return Hello{}, bad("version %d", b.Version)
	}
	if len(b.ID) != IDSize || len(b.SID) != SIDSize || len(b.Share) != elementSize {
		return Hello{}, bad("id of %d, session id of %d or share of %d bytes, want %d, %d and %d", len(b.ID), len(b.SID), len(b.Share), IDSize, SIDSize, elementSize)
	}
	var h Hello
	copy(h.ID[:], b.ID)
	copy(h.SID[:], b.SID)
	copy(h.Share[:], b.Share)
	return h, nil
}

func checkStatus(st uint64, msg string) error {
	if st > uint64(maxStatus) {
		return bad("unknown status %d", st)
	}
	if len(msg) > MaxStatusMessage {
		return bad("message of %d bytes, at most %d", len(msg), MaxStatusMessage)
	}
	return nil
}

// ReadOffer reads and checks an offer.
func ReadOffer(r io.Reader) (Offer, error) {
	var b offerBody
	if err := read(r, &b, MaxMessage); err != nil {
		return Offer{}, err
	}
	if b.Version != 1 {
		return Offer{}, bad("version %d", b.Version)
	}
	if err := checkStatus(b.Status, b.Message); err != nil {
		return Offer{}, err
	}
	o := Offer{Status: Status(b.Status), Message: b.Message}
	switch {
	case o.Status == OK && len(b.Share) != elementSize:
		return Offer{}, bad("share of %d bytes, want %d", len(b.Share), elementSize)
	case o.Status != OK && len(b.Share) != 0:
		return Offer{}, bad("a refusal with a share")
	}
	copy(o.Share[:], b.Share)
	return o, nil
}

// ReadRequest reads and checks a request. The name is checked as a name
// (payloads.md §4) and against content.MaxDeviceName.
func ReadRequest(r io.Reader) (Request, error) {
	var b requestBody
	if err := read(r, &b, MaxMessage); err != nil {
		return Request{}, err
	}
	if b.Version != 1 {
		return Request{}, bad("version %d", b.Version)
	}
	if len(b.Tag) != TagSize || len(b.DeviceSig) != 64 {
		return Request{}, bad("tag of %d or signature of %d bytes, want %d and 64", len(b.Tag), len(b.DeviceSig), TagSize)
	}
	if err := CheckName(b.Name); err != nil {
		return Request{}, bad("%v", err)
	}
	req := Request{Name: b.Name}
	copy(req.Tag[:], b.Tag)
	copy(req.DeviceSig[:], b.DeviceSig)
	return req, nil
}

// CheckName checks a device name as the certificate will carry it: empty
// (no name), or 1…content.MaxDeviceName bytes that pass payloads.md §4.
func CheckName(name string) error {
	if name == "" {
		return nil
	}
	if len(name) > content.MaxDeviceName {
		return fmt.Errorf("name of %d bytes, at most %d", len(name), content.MaxDeviceName)
	}
	return content.CheckName(name)
}

// ReadResult reads and checks a result.
func ReadResult(r io.Reader) (Result, error) {
	var b resultBody
	if err := read(r, &b, MaxResult); err != nil {
		return Result{}, err
	}
	if b.Version != 1 {
		return Result{}, bad("version %d", b.Version)
	}
	if err := checkStatus(b.Status, b.Message); err != nil {
		return Result{}, err
	}
	res := Result{Status: Status(b.Status), Message: b.Message}
	if res.Status != OK {
		if len(b.Tag) != 0 || len(b.Certs) != 0 {
			return Result{}, bad("a refusal with a tag or certificates")
		}
		return res, nil
	}
	if len(b.Tag) != TagSize {
		return Result{}, bad("tag of %d bytes, want %d", len(b.Tag), TagSize)
	}
	if len(b.Certs) == 0 || len(b.Certs) > MaxCerts {
		return Result{}, bad("%d certificates, want 1…%d", len(b.Certs), MaxCerts)
	}
	copy(res.Tag[:], b.Tag)
	for i, c := range b.Certs {
		if len(c.Header) == 0 || len(c.Header) > entry.MaxHeaderSize || len(c.Payload) == 0 || len(c.Payload) > entry.MaxPayloadSize {
			return Result{}, bad("certificate %d: header of %d or payload of %d bytes out of bounds", i, len(c.Header), len(c.Payload))
		}
		res.Certs = append(res.Certs, Cert{Header: c.Header, Payload: c.Payload})
	}
	return res, nil
}
