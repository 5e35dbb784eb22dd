package services

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"

	"github.com/hdevalence/ed25519consensus"
	"github.com/kithnet/kith/internal/cborwire"
)

// AddrsProtocol is the stream protocol id of address records
// (doc/protocol/services.md §11).
const AddrsProtocol = "/kith/addrs/1"

// Bounds of an address record (doc/protocol/services.md §11).
const (
	MaxAddrRecord  = 768 // bytes of a body
	MaxRecordAddrs = 8   // addresses in one record
)

// AddrSigningContext starts the bytes an address record's signature
// covers.
const AddrSigningContext = "kith/addrs/1\x00"

// AddrRecord is a device's signed list of the addresses it can be dialled
// at, ordered by Seq, a counter the device keeps (never a time).
type AddrRecord struct {
	Device    Key32   `json:"device"`
	Seq       uint64  `json:"seq"`
	Addrs     []Bytes `json:"addrs"`
	Signature Bytes   `json:"signature"`
}

// ErrMalformedAddrs is wrapped by every error of DecodeAddrRecord but
// ErrVersion.
var ErrMalformedAddrs = errors.New("malformed address record")

// ErrAddrSignature is returned (wrapped) by Verify for a signature that
// does not hold.
var ErrAddrSignature = errors.New("the address record's signature is not the device's")

func (a AddrRecord) appendUnsigned(out []byte) ([]byte, error) {
	if a.Seq < 1 {
		return nil, errors.New("services: an address record's seq starts at 1")
	}
	if len(a.Addrs) < 1 || len(a.Addrs) > MaxRecordAddrs {
		return nil, fmt.Errorf("services: an address record has %d addresses, want 1…%d", len(a.Addrs), MaxRecordAddrs)
	}
	out = cborwire.AppendArray(out, 4)
	out = cborwire.AppendUint(out, Version)
	out = cborwire.AppendBytes(out, a.Device[:])
	out = cborwire.AppendUint(out, a.Seq)
	out = cborwire.AppendArray(out, len(a.Addrs))
	for i, b := range a.Addrs {
		if len(b) < 1 || len(b) > MaxPunchAddr {
			return nil, fmt.Errorf("services: address record: address %d is %d bytes, want 1…%d", i+1, len(b), MaxPunchAddr)
		}
		out = cborwire.AppendBytes(out, b)
	}
	return out, nil
}

// SigningInput returns the bytes the signature covers: AddrSigningContext,
// then the canonical encoding of [version, device, seq, addrs].
func (a AddrRecord) SigningInput() ([]byte, error) {
	return a.appendUnsigned([]byte(AddrSigningContext))
}

// Sign sets a's signature with sign, the device key's signing function.
func (a *AddrRecord) Sign(sign func([]byte) [64]byte) error {
	in, err := a.SigningInput()
	if err != nil {
		return err
	}
	sig := sign(in)
	a.Signature = Bytes(sig[:])
	return nil
}

// Verify checks a's signature by its device (ZIP-215 rules, as entries).
func (a AddrRecord) Verify() error {
	in, err := a.SigningInput()
	if err != nil {
		return err
	}
	if len(a.Signature) != ed25519.SignatureSize || !ed25519consensus.Verify(ed25519.PublicKey(a.Device[:]), in, a.Signature) {
		return ErrAddrSignature
	}
	return nil
}

// Encode returns the canonical encoding of a: [version, device, seq,
// addrs, signature].
func (a AddrRecord) Encode() ([]byte, error) {
	if len(a.Signature) != ed25519.SignatureSize {
		return nil, fmt.Errorf("services: an address record's signature is %d bytes, want %d", len(a.Signature), ed25519.SignatureSize)
	}
	out := cborwire.AppendArray(nil, 5)
	body, err := a.appendUnsigned(nil)
	if err != nil {
		return nil, err
	}
	out = append(out, body[1:]...) // the unsigned array's elements
	return cborwire.AppendBytes(out, a.Signature), nil
}

// DecodeAddrRecord reads a record from its canonical encoding. It does not
// check the signature (Verify does).
func DecodeAddrRecord(body []byte) (AddrRecord, error) {
	if len(body) > MaxAddrRecord {
		return AddrRecord{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedAddrs, len(body), MaxAddrRecord)
	}
	bad := func(err error) error { return fmt.Errorf("%w: %v", ErrMalformedAddrs, err) }
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("address record", 5, 5); err != nil {
		return AddrRecord{}, bad(err)
	}
	v, err := r.Uint("version", ^uint64(0))
	if err != nil {
		return AddrRecord{}, bad(err)
	}
	if v != Version {
		return AddrRecord{}, fmt.Errorf("%w: address record of version %d, this node reads %d", ErrVersion, v, Version)
	}
	var a AddrRecord
	if err := r.Fixed("device", a.Device[:]); err != nil {
		return AddrRecord{}, bad(err)
	}
	at := r.Offset()
	if a.Seq, err = r.Uint("seq", ^uint64(0)); err != nil {
		return AddrRecord{}, bad(err)
	}
	if a.Seq == 0 {
		return AddrRecord{}, fmt.Errorf("%w: byte %d: seq 0, records start at 1", ErrMalformedAddrs, at)
	}
	n, err := r.Array("addresses", 1, MaxRecordAddrs)
	if err != nil {
		return AddrRecord{}, bad(err)
	}
	for i := 0; i < n; i++ {
		b, err := r.Bytes("address", 1, MaxPunchAddr)
		if err != nil {
			return AddrRecord{}, bad(err)
		}
		a.Addrs = append(a.Addrs, Bytes(append([]byte(nil), b...)))
	}
	sig, err := r.Bytes("signature", ed25519.SignatureSize, ed25519.SignatureSize)
	if err != nil {
		return AddrRecord{}, bad(err)
	}
	a.Signature = Bytes(append([]byte(nil), sig...))
	if err := r.End(); err != nil {
		return AddrRecord{}, bad(err)
	}
	return a, nil
}

// WriteAddrRecord frames and writes a's encoding.
func WriteAddrRecord(w io.Writer, a AddrRecord) error {
	body, err := a.Encode()
	if err != nil {
		return err
	}
	return writeFrame(w, body)
}

// ReadAddrRecord reads one framed record. A length outside
// 1…MaxAddrRecord and a body DecodeAddrRecord refuses are errors wrapping
// ErrMalformedAddrs (or ErrVersion); a stream that ends early, one
// wrapping ErrTruncated.
func ReadAddrRecord(r io.Reader) (AddrRecord, error) {
	body, err := readFrameMax(r, MaxAddrRecord, ErrMalformedAddrs)
	if err != nil {
		return AddrRecord{}, err
	}
	return DecodeAddrRecord(body)
}
