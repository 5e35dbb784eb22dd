package browserpeer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/pairing"
	"github.com/kithnet/kith/internal/store"
)

// Pair makes this browser a device of the account of a pairing code
// (doc/protocol/pairing.md, "The new device"), over rw, a /kith/pair/1
// stream to the code's device that the transport authenticated. It runs
// the same exchange as a node (pairing.Join) with the browser's signer,
// keeps its own certificate first (Config.Keep) and then stores the
// account's other certificates. On failure nothing is stored.
func (p *Peer) Pair(ctx context.Context, code pairing.Code, rw io.ReadWriter, name string) error {
	if _, ok := p.Account(); ok {
		return errors.New("this browser is a device of an account already")
	}
	if !time.Now().Before(code.Expires) {
		return fmt.Errorf("the pairing code expired at %s; make a new one with 'kith device pair' on your other device", code.Expires.UTC().Format(time.RFC1123))
	}
	if err := pairing.CheckName(name); err != nil {
		return fmt.Errorf("the device's name: %w", err)
	}
	certs, err := pairing.Join(rw, rand.Reader, code, p.cfg.Device, pairing.Signer(p.cfg.Sign), name)
	var refused *pairing.Refused
	switch {
	case errors.As(err, &refused):
		return fmt.Errorf("%v; this browser was not certified", refused)
	case errors.Is(err, pairing.ErrResultTag):
		return fmt.Errorf("%w; nothing was stored", err)
	case err != nil:
		return err
	}
	if err := p.Certify(ctx, certs[0]); err != nil {
		return fmt.Errorf("the pairing device certified this browser, but keeping its certificate failed (%w); revoke this device from your other device and pair again", err)
	}
	for _, e := range certs[1:] {
		r, err := p.store.Append(ctx, e)
		if err != nil {
			return err
		}
		if r.Outcome == store.Added {
			p.added([]*entry.Entry{e})
		}
	}
	p.engine.ScopeChanged()
	return nil
}
