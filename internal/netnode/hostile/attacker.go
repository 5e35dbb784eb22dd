package hostile

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
)

// The protocols attacked, as kith registers them (doc/network.md). They
// are spelled out here, not imported, so that nothing of the node's code
// takes part in an attack on it.
const (
	syncProtocol    = "/kith/sync/1"
	blobProtocol    = "/kith/blob/1"
	certProtocol    = "/kith/cert/1"
	inviteProtocol  = "/kith/invite/1"
	villageProtocol = "/kith/village/request/1"
	dhtProtocol     = "/kith/kad/1.0.0"
)

// Attacker is one throwaway identity: a libp2p host (TCP, Noise, yamux,
// no listener, no limits of its own) keyed by a fresh device key, with a
// device certificate signed by a fresh account key. It answers the
// certificate exchange unless told otherwise (CertFrame).
type Attacker struct {
	Device  identity.PrivateKey
	Account identity.PrivateKey
	Cert    *entry.Entry // device.add of Device by Account
	host    host.Host
}

// NewAttacker makes a fresh identity and its host.
func NewAttacker() (*Attacker, error) {
	account, device, cert, sk, err := newIdentity()
	if err != nil {
		return nil, err
	}
	h, err := libp2p.New(
		libp2p.Identity(sk),
		libp2p.NoListenAddrs,
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ResourceManager(&network.NullResourceManager{}),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.UserAgent("kith-hostile"),
	)
	if err != nil {
		return nil, fmt.Errorf("hostile: starting an attacker host: %w", err)
	}
	a := &Attacker{Device: device, Account: account, Cert: cert, host: h}
	a.CertFrame(nil)
	return a, nil
}

// newIdentity makes a throwaway identity: a fresh account, a fresh device
// it certifies, and the device key as libp2p uses it.
func newIdentity() (account, device identity.PrivateKey, cert *entry.Entry, sk crypto.PrivKey, err error) {
	if account, err = identity.GenerateKey(nil); err != nil {
		return
	}
	if device, err = identity.GenerateKey(nil); err != nil {
		return
	}
	if cert, err = content.NewDeviceCert(account, device, "hostile", uint64(time.Now().UnixMilli())); err != nil {
		return
	}
	seed := device.Seed()
	sk, err = crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(seed))
	clear(seed)
	return
}

// CertFrame sets what the attacker answers when the node asks for its
// certificate: frame, written as is, or (nil) its valid certificate.
func (a *Attacker) CertFrame(frame []byte) {
	a.host.SetStreamHandler(certProtocol, func(s network.Stream) {
		defer s.Close()
		_ = s.SetDeadline(time.Now().Add(20 * time.Second))
		if frame != nil {
			_, _ = s.Write(frame)
			return
		}
		_ = invite.WriteCert(s, invite.Cert{Header: a.Cert.Raw, Payload: a.Cert.Payload})
	})
}

// Key is the attacker's device key.
func (a *Attacker) Key() identity.PublicKey { return a.Device.Public() }

// Close stops the attacker's host and cuts its connections.
func (a *Attacker) Close() error { return a.host.Close() }

// Connect connects to the target (a no-op while connected).
func (a *Attacker) Connect(ctx context.Context, t Target) error {
	return a.host.Connect(ctx, t.Info)
}

// Open connects if needed and opens a stream of proto to the target.
func (a *Attacker) Open(ctx context.Context, t Target, proto string) (network.Stream, error) {
	if err := a.Connect(ctx, t); err != nil {
		return nil, err
	}
	return a.host.NewStream(ctx, t.Info.ID, protocol.ID(proto))
}

// Disconnect closes the attacker's connections to the target.
func (a *Attacker) Disconnect(t Target) { _ = a.host.Network().ClosePeer(t.Info.ID) }

// Refused reports whether the target refuses this attacker now: it drops
// the attacker's connections, dials afresh and asks for the target's
// certificate (/kith/cert/1, which kith answers to any peer it does not
// refuse). A refused dial, or a stream reset before the answer, is a
// refusal; an answer is not. An error means neither could be told (the
// target does not answer at all).
func (a *Attacker) Refused(ctx context.Context, t Target) (bool, error) {
	a.Disconnect(t)
	if sw, ok := a.host.Network().(*swarm.Swarm); ok {
		sw.Backoff().Clear(t.Info.ID)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.host.Connect(ctx, t.Info); err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("hostile: probing the target: %w", err)
		}
		return true, nil // refused during the handshake (the gater)
	}
	s, err := a.host.NewStream(ctx, t.Info.ID, certProtocol)
	if err != nil {
		return true, nil
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := invite.ReadCert(s); err != nil {
		return true, nil // reset unseen: the handler never ran
	}
	return false, nil
}
