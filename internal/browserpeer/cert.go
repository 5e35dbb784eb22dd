package browserpeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/store"
)

// CertMessage is the device's answer on /kith/cert/1 (invite.md, "Who is
// this device?"): its certificate, framed.
func (p *Peer) CertMessage(ctx context.Context) ([]byte, error) {
	rs, err := p.store.Log(ctx, store.LogKey{Author: p.accountOrZero(), LogID: content.DeviceCertLog(p.cfg.Device)}, 1, 1)
	if err != nil || len(rs) == 0 {
		return nil, errors.New("this device has no certificate yet: make or restore an account first")
	}
	var b bytes.Buffer
	if err := invite.WriteCert(&b, invite.Cert{Header: rs[0].Entry.Raw, Payload: rs[0].Entry.Payload}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (p *Peer) accountOrZero() identity.PublicKey {
	a, _ := p.Account()
	return a
}

// AcceptCert reads a peer's answer on /kith/cert/1, checks that it
// certifies remote (the device key the connection authenticated), stores
// it, and returns the peer's account. With follow, the peer starts to
// want the account's logs (the node a browser was opened from is its
// home: it follows it).
func (p *Peer) AcceptCert(ctx context.Context, remote identity.PublicKey, r io.Reader, follow bool) (identity.PublicKey, error) {
	c, err := invite.ReadCert(r)
	if err != nil {
		return identity.PublicKey{}, fmt.Errorf("the peer's certificate: %w", err)
	}
	cert, err := content.CheckDeviceCert(c.Header, c.Payload, remote)
	if err != nil {
		return identity.PublicKey{}, fmt.Errorf("the peer's certificate: %w", err)
	}
	if err := p.append(ctx, cert); err != nil {
		return identity.PublicKey{}, fmt.Errorf("store the peer's certificate: %w", err)
	}
	if follow {
		p.mu.Lock()
		p.follows[cert.Header.Author] = true
		p.mu.Unlock()
	}
	p.engine.ScopeChanged()
	return cert.Header.Author, nil
}
