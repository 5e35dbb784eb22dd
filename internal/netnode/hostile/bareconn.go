package hostile

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/kithnet/kith/internal/invite"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	manet "github.com/multiformats/go-multiaddr/net"
	mss "github.com/multiformats/go-multistream"
)

// bareConn is a connection to the target from a throwaway identity made
// without a libp2p host: TCP, Noise and yamux negotiated by hand, as an
// attacker that wants many identities cheaply would. A host per identity
// (libp2p.New and its dependency injection) took half of the attacking
// process's CPU in conn-flood, which on a shared machine measured the
// attackers' appetite more than the node's defence. It answers the
// certificate exchange as an Attacker does and refuses every other
// stream the target opens, as a host without handlers would.
type bareConn struct {
	sess network.MuxedConn
	done chan struct{} // closed when the connection ends
}

// dialBare makes a fresh identity (device key, account key, certificate)
// and connects it to t over TCP.
func dialBare(ctx context.Context, t Target) (*bareConn, error) {
	_, _, cert, sk, err := newIdentity()
	if err != nil {
		return nil, err
	}
	var addr net.Addr
	for _, ma := range t.Info.Addrs {
		if a, err := manet.ToNetAddr(ma); err == nil {
			if _, ok := a.(*net.TCPAddr); ok {
				addr = a
				break
			}
		}
	}
	if addr == nil {
		return nil, fmt.Errorf("hostile: the target %s has no TCP address", t.Info.ID)
	}
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	fail := func(err error) (*bareConn, error) {
		raw.Close()
		return nil, err
	}
	if err := mss.SelectProtoOrFail(string(noise.ID), raw); err != nil {
		return fail(err)
	}
	tpt, err := noise.New(noise.ID, sk, nil)
	if err != nil {
		return fail(err)
	}
	sc, err := tpt.SecureOutbound(ctx, raw, t.Info.ID)
	if err != nil {
		return fail(err)
	}
	if err := mss.SelectProtoOrFail(string(yamux.ID), sc); err != nil {
		return fail(err)
	}
	_ = raw.SetDeadline(time.Time{})
	sess, err := yamux.DefaultTransport.NewConn(sc, false, &network.NullScope{})
	if err != nil {
		return fail(err)
	}
	b := &bareConn{sess: sess, done: make(chan struct{})}
	answers := mss.NewMultistreamMuxer[string]()
	answers.AddHandler(certProtocol, func(_ string, rwc io.ReadWriteCloser) error {
		defer rwc.Close()
		return invite.WriteCert(rwc, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	go func() {
		defer close(b.done)
		for {
			s, err := sess.AcceptStream()
			if err != nil {
				return
			}
			go func() {
				_ = s.SetDeadline(time.Now().Add(20 * time.Second))
				if err := answers.Handle(s); err != nil {
					_ = s.Reset()
				}
			}()
		}
	}()
	return b, nil
}

// Close cuts the connection.
func (b *bareConn) Close() error { return b.sess.Close() }
