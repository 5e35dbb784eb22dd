package pairing

import (
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The new device's side of the exchange (doc/protocol/pairing.md, "The new
// device"), without I/O of its own: the node runs it over a libp2p stream
// (internal/node), a browser peer over the page's (cmd/kith-wasm).

// Refused is the pairing device's refusal: an offer or a result whose
// status is not OK.
type Refused struct {
	Status  Status
	Message string
}

func (r *Refused) Error() string {
	if r.Message == "" {
		return "the pairing device refused: " + r.Status.String()
	}
	return "the pairing device refused: " + r.Status.String() + ": " + r.Message
}

// ErrResultTag is returned when the result's tag is wrong: the pairing
// device did not prove it holds the code.
var ErrResultTag = errors.New("the pairing device's answer does not prove it holds the code")

// ErrBadCerts is wrapped by the error about a result whose certificates
// the new device cannot accept.
var ErrBadCerts = errors.New("the pairing device sent certificates this device cannot accept")

// Signer signs a message with the new device's key (Ed25519, 64 bytes).
type Signer func(msg []byte) ([]byte, error)

// Join runs the new device's side over rw, a stream to the pairing device
// named by code (the transport authenticated it): hello, offer, request,
// result. device is the new device's key and sign its signer; rand gives
// the session id and CPace's scalar. It returns the checked certificate
// entries, the new device's own first; nothing is stored by it. A refusal
// is a *Refused, a wrong result tag ErrResultTag, unacceptable
// certificates wrap ErrBadCerts.
func Join(rw io.ReadWriter, rand io.Reader, code Code, device identity.PublicKey, sign Signer, name string) ([]*entry.Entry, error) {
	in, hello, err := NewInitiator(rand, code, device)
	if err != nil {
		return nil, err
	}
	if err := Write(rw, hello); err != nil {
		return nil, fmt.Errorf("send the pairing hello: %w", err)
	}
	offer, err := ReadOffer(rw)
	if err != nil {
		return nil, fmt.Errorf("the pairing device's answer: %w", err)
	}
	if offer.Status != OK {
		return nil, &Refused{Status: offer.Status, Message: offer.Message}
	}
	keys, err := in.Finish(offer.Share)
	if err != nil {
		return nil, fmt.Errorf("the pairing device's answer: %w", err)
	}
	sig, err := sign(content.DeviceCertInput(code.Account, device))
	if err != nil {
		return nil, fmt.Errorf("sign the certificate request: %w", err)
	}
	if len(sig) != 64 {
		return nil, fmt.Errorf("sign the certificate request: a signature of %d bytes, want 64", len(sig))
	}
	req := Request{DeviceSig: [64]byte(sig), Name: name}
	req.Tag = keys.RequestTag(req.DeviceSig, req.Name)
	if err := Write(rw, req); err != nil {
		return nil, fmt.Errorf("send the certificate request: %w", err)
	}
	result, err := ReadResult(rw)
	if err != nil {
		return nil, fmt.Errorf("the pairing device's result: %w", err)
	}
	if result.Status != OK {
		return nil, &Refused{Status: result.Status, Message: result.Message}
	}
	if !keys.CheckResultTag(result.Tag, req.Tag, result.Certs) {
		return nil, ErrResultTag
	}
	certs, err := CheckCerts(code.Account, device, req.Name, result.Certs)
	if err != nil {
		return nil, fmt.Errorf("%w (%v); nothing was stored", ErrBadCerts, err)
	}
	return certs, nil
}

// CheckCerts checks the certificates of a result: the first is a valid
// device.add by account of device with name; every other is a valid entry
// by account in a certificate log.
func CheckCerts(account, device identity.PublicKey, name string, cs []Cert) ([]*entry.Entry, error) {
	out := make([]*entry.Entry, 0, len(cs))
	for i, c := range cs {
		e, err := entry.Parse(c.Header, c.Payload)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %v", i, err)
		}
		if e.Header.Author != account {
			return nil, fmt.Errorf("entry %d is not authored by the account", i)
		}
		if !e.Verify() {
			return nil, fmt.Errorf("entry %d: the signature does not verify", i)
		}
		p, err := content.Decode(c.Payload)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %v", i, err)
		}
		if err := content.Validate(&e.Header, p); err != nil {
			return nil, fmt.Errorf("entry %d: %v", i, err)
		}
		switch v := p.(type) {
		case *content.DeviceAdd:
			if i == 0 && (v.Device.Key() != device || v.Name != name) {
				return nil, errors.New("the first certificate is not this device's with the name asked for")
			}
		case *content.DeviceRevoke:
			if i == 0 {
				return nil, errors.New("the first entry is a revocation")
			}
		default:
			return nil, fmt.Errorf("entry %d is a %q, not a certificate-log entry", i, p.Type())
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, errors.New("no certificate")
	}
	return out, nil
}
