package lease

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/hdevalence/ed25519consensus"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// Sign signs the lease with the holder's device key, whose public half
// must be l.Holder.
func Sign(holder identity.PrivateKey, l services.LeaseTerms) (services.Sig64, error) {
	if holder.Public() != identity.PublicKey(l.Holder) {
		return services.Sig64{}, errors.New("lease: the lease names another holder than the signing key")
	}
	b, err := l.SigningBytes()
	if err != nil {
		return services.Sig64{}, err
	}
	return holder.Sign(b), nil
}

// ErrBadLease is wrapped by every error of Check: a grant that is not the
// answer to the request it claims to answer, a breach by the holder.
var ErrBadLease = errors.New("bad lease")

// Check checks a granted response p to request q, which the device asker
// sent to the holder peer: the signature is the holder's (ZIP-215, as
// entries), the lease names the holder, the request's account and nonce
// and the asker, and grants no more time or bytes than were asked.
func Check(peer, asker identity.PublicKey, q services.LeaseRequest, p services.LeaseResponse) error {
	if p.Code != 0 || p.Lease == nil {
		return fmt.Errorf("%w: not a grant", ErrBadLease)
	}
	l := *p.Lease
	switch {
	case identity.PublicKey(l.Holder) != peer:
		return fmt.Errorf("%w: it names holder %s, not the peer asked (%s)", ErrBadLease, identity.PublicKey(l.Holder).Device(), peer.Device())
	case l.Account != q.Account:
		return fmt.Errorf("%w: it names account %s, not the one asked for", ErrBadLease, identity.PublicKey(l.Account).Account())
	case identity.PublicKey(l.Asker) != asker:
		return fmt.Errorf("%w: it names asker %s, not this device", ErrBadLease, identity.PublicKey(l.Asker).Device())
	case l.Nonce != q.Nonce:
		return fmt.Errorf("%w: its nonce is not the request's (an old lease replayed?)", ErrBadLease)
	case l.Seconds > q.Seconds:
		return fmt.Errorf("%w: %d seconds granted, %d asked", ErrBadLease, l.Seconds, q.Seconds)
	case l.Bytes > q.Bytes:
		return fmt.Errorf("%w: %d bytes granted, %d asked", ErrBadLease, l.Bytes, q.Bytes)
	}
	b, err := l.SigningBytes()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadLease, err)
	}
	if !ed25519consensus.Verify(ed25519.PublicKey(peer[:]), b, p.Signature[:]) {
		return fmt.Errorf("%w: the signature is not the holder's", ErrBadLease)
	}
	return nil
}
