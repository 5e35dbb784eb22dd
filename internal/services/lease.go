package services

import (
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/cborwire"
)

// LeaseProtocol is the stream protocol id of data leases
// (doc/protocol/services.md §9).
const LeaseProtocol = "/kith/lease/1"

// Bounds of data leases (doc/protocol/services.md §9).
const (
	MaxLeaseRequest  = 256       // bytes of a request body
	MaxLeaseResponse = 1024      // bytes of a response body
	MaxLeaseSeconds  = 1<<32 - 1 // the longest period a request may ask for
	LeaseNonceSize   = 16        // bytes of a request's nonce
	LeaseSigSize     = 64        // bytes of a lease's signature
	leaseContext     = "kith/lease/v1"
)

// The refusal codes of a lease response (RefuseNotServed and RefuseBusy
// are shared with heads).
const (
	RefuseOverLimit uint64 = 2 // the holder holds more of the account than its limits
	RefuseNotYours  uint64 = 4 // the asker is not a current device of the account named
	RefuseFull      uint64 = 5 // the holder keeps as many leases as it takes
)

// Nonce16 is a request's nonce.
type Nonce16 [LeaseNonceSize]byte

// MarshalText writes n as hexadecimal.
func (n Nonce16) MarshalText() ([]byte, error) { return hexText(n[:]), nil }

// UnmarshalText reads 32 hexadecimal digits.
func (n *Nonce16) UnmarshalText(b []byte) error { return hexInto(n[:], b) }

// Sig64 is a lease's signature.
type Sig64 [LeaseSigSize]byte

// MarshalText writes s as hexadecimal.
func (s Sig64) MarshalText() ([]byte, error) { return hexText(s[:]), nil }

// UnmarshalText reads 128 hexadecimal digits.
func (s *Sig64) UnmarshalText(b []byte) error { return hexInto(s[:], b) }

// LeaseRequest asks a holder to keep Account's logs for Seconds, up to
// Bytes.
type LeaseRequest struct {
	Account Key32   `json:"account"`
	Nonce   Nonce16 `json:"nonce"`
	Seconds uint64  `json:"seconds"`
	Bytes   uint64  `json:"bytes"`
}

// LeaseTerms is what a holder grants: the terms it signs.
type LeaseTerms struct {
	Holder      Key32   `json:"holder"`
	Account     Key32   `json:"account"`
	Asker       Key32   `json:"asker"`
	Nonce       Nonce16 `json:"nonce"`
	Seconds     uint64  `json:"seconds"`
	Bytes       uint64  `json:"bytes"`
	Entries     uint64  `json:"entries"`
	HeldBytes   uint64  `json:"held_bytes"`
	HeldEntries uint64  `json:"held_entries"`
}

// LeaseResponse is a holder's answer: a lease and its signature, or a
// refusal (Code ≠ 0) with a reason.
type LeaseResponse struct {
	Lease     *LeaseTerms `json:"lease,omitempty"`
	Signature Sig64       `json:"signature,omitzero"`
	Code      uint64      `json:"code,omitempty"`
	Reason    string      `json:"reason,omitempty"`
}

// ErrMalformedLease is wrapped by every error of DecodeLeaseRequest and
// DecodeLeaseResponse but ErrVersion.
var ErrMalformedLease = errors.New("malformed lease message")

func malformedLease(err error) error { return fmt.Errorf("%w: %v", ErrMalformedLease, err) }

// Encode returns the canonical encoding of q, or an error if it asks for
// no time, more than MaxLeaseSeconds, or no bytes.
func (q LeaseRequest) Encode() ([]byte, error) {
	if q.Seconds < 1 || q.Seconds > MaxLeaseSeconds {
		return nil, fmt.Errorf("services: a lease request asks for %d seconds, want 1…%d", q.Seconds, uint64(MaxLeaseSeconds))
	}
	if q.Bytes < 1 {
		return nil, errors.New("services: a lease request asks for 0 bytes")
	}
	out := cborwire.AppendArray(nil, 5)
	out = cborwire.AppendUint(out, Version)
	out = cborwire.AppendBytes(out, q.Account[:])
	out = cborwire.AppendBytes(out, q.Nonce[:])
	out = cborwire.AppendUint(out, q.Seconds)
	return cborwire.AppendUint(out, q.Bytes), nil
}

// DecodeLeaseRequest reads a request from its canonical encoding.
func DecodeLeaseRequest(body []byte) (LeaseRequest, error) {
	if len(body) > MaxLeaseRequest {
		return LeaseRequest{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedLease, len(body), MaxLeaseRequest)
	}
	r := cborwire.NewReader(body, nil)
	if _, err := r.Array("lease request", 5, 5); err != nil {
		return LeaseRequest{}, malformedLease(err)
	}
	if err := readLeaseVersion(r); err != nil {
		return LeaseRequest{}, err
	}
	var q LeaseRequest
	if err := r.Fixed("account", q.Account[:]); err != nil {
		return LeaseRequest{}, malformedLease(err)
	}
	if err := r.Fixed("nonce", q.Nonce[:]); err != nil {
		return LeaseRequest{}, malformedLease(err)
	}
	var err error
	if q.Seconds, err = r.Uint("seconds", MaxLeaseSeconds); err != nil {
		return LeaseRequest{}, malformedLease(err)
	}
	if q.Seconds == 0 {
		return LeaseRequest{}, fmt.Errorf("%w: a lease of 0 seconds", ErrMalformedLease)
	}
	if q.Bytes, err = r.Uint("bytes", ^uint64(0)); err != nil {
		return LeaseRequest{}, malformedLease(err)
	}
	if q.Bytes == 0 {
		return LeaseRequest{}, fmt.Errorf("%w: a lease of 0 bytes", ErrMalformedLease)
	}
	if err := r.End(); err != nil {
		return LeaseRequest{}, malformedLease(err)
	}
	return q, nil
}

// Encode returns the canonical encoding of the lease: the array that is
// signed (SigningBytes) and sent.
func (l LeaseTerms) Encode() ([]byte, error) {
	if l.Seconds < 1 || l.Seconds > MaxLeaseSeconds || l.Bytes < 1 || l.Entries < 1 {
		return nil, fmt.Errorf("services: a lease grants %d seconds, %d bytes, %d entries: each must be at least 1 (seconds at most %d)", l.Seconds, l.Bytes, l.Entries, uint64(MaxLeaseSeconds))
	}
	out := cborwire.AppendArray(nil, 9)
	out = cborwire.AppendBytes(out, l.Holder[:])
	out = cborwire.AppendBytes(out, l.Account[:])
	out = cborwire.AppendBytes(out, l.Asker[:])
	out = cborwire.AppendBytes(out, l.Nonce[:])
	for _, v := range []uint64{l.Seconds, l.Bytes, l.Entries, l.HeldBytes, l.HeldEntries} {
		out = cborwire.AppendUint(out, v)
	}
	return out, nil
}

// SigningBytes returns what the holder signs: "kith/lease/v1", a zero
// byte, then the lease's encoding (doc/protocol/services.md §9).
func (l LeaseTerms) SigningBytes() ([]byte, error) {
	b, err := l.Encode()
	if err != nil {
		return nil, err
	}
	return append(append([]byte(leaseContext), 0), b...), nil
}

// readLease reads a lease array.
func readLease(r *cborwire.Reader) (LeaseTerms, error) {
	var l LeaseTerms
	if _, err := r.Array("lease", 9, 9); err != nil {
		return l, malformedLease(err)
	}
	for _, f := range []struct {
		what string
		dst  []byte
	}{{"holder", l.Holder[:]}, {"account", l.Account[:]}, {"asker", l.Asker[:]}, {"nonce", l.Nonce[:]}} {
		if err := r.Fixed(f.what, f.dst); err != nil {
			return l, malformedLease(err)
		}
	}
	for _, f := range []struct {
		what string
		dst  *uint64
		max  uint64
	}{{"seconds", &l.Seconds, MaxLeaseSeconds}, {"bytes", &l.Bytes, ^uint64(0)}, {"entries", &l.Entries, ^uint64(0)}, {"held bytes", &l.HeldBytes, ^uint64(0)}, {"held entries", &l.HeldEntries, ^uint64(0)}} {
		v, err := r.Uint(f.what, f.max)
		if err != nil {
			return l, malformedLease(err)
		}
		*f.dst = v
	}
	if l.Seconds == 0 || l.Bytes == 0 || l.Entries == 0 {
		return l, fmt.Errorf("%w: a lease grants %d seconds, %d bytes, %d entries: each must be at least 1", ErrMalformedLease, l.Seconds, l.Bytes, l.Entries)
	}
	return l, nil
}

// Encode returns the canonical encoding of p.
func (p LeaseResponse) Encode() ([]byte, error) {
	out := cborwire.AppendArray(nil, 4)
	if p.Code != 0 {
		if len(p.Reason) > MaxReason {
			return nil, fmt.Errorf("services: a lease refusal's reason is %d bytes, more than %d", len(p.Reason), MaxReason)
		}
		out = cborwire.AppendArray(nil, 3)
		out = cborwire.AppendUint(out, Version)
		out = cborwire.AppendUint(out, p.Code)
		return cborwire.AppendText(out, p.Reason), nil
	}
	if p.Lease == nil {
		return nil, errors.New("services: a lease answer with neither a lease nor a refusal")
	}
	l, err := p.Lease.Encode()
	if err != nil {
		return nil, err
	}
	out = cborwire.AppendUint(out, Version)
	out = cborwire.AppendUint(out, 0)
	out = append(out, l...)
	return cborwire.AppendBytes(out, p.Signature[:]), nil
}

// DecodeLeaseResponse reads a response from its canonical encoding. It
// checks the form only: the asker checks the lease and its signature
// (internal/lease).
func DecodeLeaseResponse(body []byte) (LeaseResponse, error) {
	if len(body) > MaxLeaseResponse {
		return LeaseResponse{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformedLease, len(body), MaxLeaseResponse)
	}
	r := cborwire.NewReader(body, nil)
	n, err := r.Array("lease response", 3, 4)
	if err != nil {
		return LeaseResponse{}, malformedLease(err)
	}
	if err := readLeaseVersion(r); err != nil {
		return LeaseResponse{}, err
	}
	code, err := r.Uint("code", ^uint64(0))
	if err != nil {
		return LeaseResponse{}, malformedLease(err)
	}
	var p LeaseResponse
	switch {
	case code != 0 && n == 3:
		p.Code = code
		if p.Reason, err = r.Text("reason", 0, MaxReason); err != nil {
			return LeaseResponse{}, malformedLease(err)
		}
	case code == 0 && n == 4:
		l, err := readLease(r)
		if err != nil {
			return LeaseResponse{}, err
		}
		p.Lease = &l
		if err := r.Fixed("signature", p.Signature[:]); err != nil {
			return LeaseResponse{}, malformedLease(err)
		}
	default:
		return LeaseResponse{}, fmt.Errorf("%w: a response of %d elements with code %d: a grant has 4 (code 0), a refusal 3", ErrMalformedLease, n, code)
	}
	if err := r.End(); err != nil {
		return LeaseResponse{}, malformedLease(err)
	}
	return p, nil
}

// readLeaseVersion reads a lease message's version: another than Version
// is an error wrapping ErrVersion.
func readLeaseVersion(r *cborwire.Reader) error {
	v, err := r.Uint("version", ^uint64(0))
	if err != nil {
		return malformedLease(err)
	}
	if v != Version {
		return fmt.Errorf("%w: lease message of version %d, this node reads %d", ErrVersion, v, Version)
	}
	return nil
}
