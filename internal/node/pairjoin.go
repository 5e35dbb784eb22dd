package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/pairing"
	"github.com/kithnet/kith/internal/store"
)

// The new device's side of doc/protocol/pairing.md.

// PairOptions configure how Pair reaches the pairing device.
type PairOptions struct {
	// Mock, when set, puts the new device on an in-process libp2p mock
	// network: for tests. Its kept peers are not stored then.
	Mock *netnode.MockNet
	// Listen are the multiaddrs the new device listens on while it pairs;
	// nil means TCP and QUIC on a free loopback port (it only dials out).
	Listen []string
	// Progress, when set, is told each step ("connecting", "proving the
	// code", "certified").
	Progress func(step string)
	Logger   *slog.Logger
}

// PairResult says what Pair did.
type PairResult struct {
	Account       identity.AccountID
	Device        identity.DeviceID // this new device
	PairingDevice identity.DeviceID
	Name          string
	Certificates  int // certificate entries received and stored, this device's included
}

// Pair makes a new home in home, as a new device of the account of the
// pairing code: a fresh device key, no account key, the certificate
// signed by the pairing device (doc/protocol/pairing.md, "The new
// device"). On failure nothing usable is left in home and nothing was
// certified, unless the error says otherwise.
func Pair(ctx context.Context, home, codeText string, o Options, po PairOptions) (_ *Node, res PairResult, err error) {
	code, err := pairing.Parse(codeText)
	if err != nil {
		return nil, res, fmt.Errorf("%w: %v", ErrBadPairCode, err)
	}
	if !time.Now().Before(code.Expires) {
		return nil, res, fmt.Errorf("%w at %s; make a new one with 'kith device pair' on your other device", ErrPairCodeExpired, code.Expires.Local().Format(time.RFC1123))
	}
	if err := pairing.CheckName(o.DeviceName); err != nil {
		return nil, res, fmt.Errorf("device name: %w", err)
	}
	if o.DeviceName == "" {
		o.DeviceName = defaultDeviceName()
	}
	if Initialized(home) {
		return nil, res, fmt.Errorf("%w (%s); use another --home, or remove it if you really mean to start over", ErrAlreadyInitialized, home)
	}
	undo, err := prepareHome(home)
	if err != nil {
		return nil, res, err
	}
	lock, err := lockHome(home)
	if err != nil {
		undo()
		return nil, res, err
	}
	device, err := identity.GenerateKey(nil)
	if err != nil {
		lock.release()
		undo()
		return nil, res, err
	}
	n, err := openWith(home, o, lock, device, identity.PrivateKey{})
	if err != nil {
		lock.release()
		undo()
		return nil, res, err
	}
	n.account = code.Account
	defer func() {
		if err != nil {
			n.Close()
			undo()
		}
	}()
	res = PairResult{Account: code.Account.Account(), Device: device.Public().Device(), PairingDevice: code.Device.Device(), Name: o.DeviceName}
	certs, err := n.runPair(ctx, home, code, po)
	if err != nil {
		return nil, res, err
	}
	if err := n.storePairedCerts(ctx, certs); err != nil {
		return nil, res, fmt.Errorf("the pairing device certified this device, but storing its certificate failed (%w); revoke device %s from your other device and pair again", err, res.Device)
	}
	res.Certificates = len(certs)
	// A device without the account key says so, so that the account's
	// other devices show where the key is (device.custody). Should it
	// fail, Open says it the next time.
	_ = n.settleCustody(ctx)
	// The device key file is written last: its presence means "initialised".
	if err := identity.WriteKeyFile(devicePath(home), device, "device", o.Passphrase); err != nil {
		return nil, res, err
	}
	return n, res, nil
}

// prepareHome creates home (and its keys directory) if need be and returns
// a function that removes what a failed pairing left there: home itself if
// it did not exist, else the entries it did not hold before.
func prepareHome(home string) (undo func(), err error) {
	before := map[string]bool{}
	existed := false
	if ents, err := os.ReadDir(home); err == nil {
		existed = true
		for _, e := range ents {
			before[e.Name()] = true
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("home %s: %w", home, err)
	}
	if err := os.MkdirAll(filepath.Join(home, keyDir), 0o700); err != nil {
		return nil, fmt.Errorf("create home: %w", err)
	}
	return func() {
		if !existed {
			_ = os.RemoveAll(home)
			return
		}
		ents, _ := os.ReadDir(home)
		for _, e := range ents {
			if !before[e.Name()] {
				_ = os.RemoveAll(filepath.Join(home, e.Name()))
			}
		}
	}, nil
}

func (po PairOptions) step(s string) {
	if po.Progress != nil {
		po.Progress(s)
	}
}

// runPair connects to the pairing device and runs the exchange; it returns
// the checked certificate entries, this device's first.
func (n *Node) runPair(ctx context.Context, home string, code pairing.Code, po PairOptions) ([]*entry.Entry, error) {
	var host *netnode.Host
	var err error
	if po.Mock != nil {
		host, err = po.Mock.NewHostConfig(netnode.Config{Key: n.device, Logger: po.Logger})
	} else {
		listen := po.Listen
		if listen == nil {
			listen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}
		}
		host, err = netnode.New(ctx, netnode.Config{Key: n.device, Listen: listen, DataDir: filepath.Join(home, "net"), Logger: po.Logger})
	}
	if err != nil {
		return nil, err
	}
	defer host.Close()
	// The pairing device asks who this device is (/kith/cert/1) as soon
	// as it is connected, as of any peer; the answer is the certificate
	// the exchange brings, so the question waits for it. Without one,
	// the stream is reset: a failure, not a breach (invite.md).
	var own struct {
		sync.Mutex
		cert *entry.Entry
	}
	certified, done := make(chan struct{}), make(chan struct{})
	defer close(done)
	host.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		select {
		case <-certified:
			own.Lock()
			c := own.cert
			own.Unlock()
			_ = invite.WriteCert(s, invite.Cert{Header: c.Raw, Payload: c.Payload})
		case <-done:
			_ = s.Reset()
		}
	})
	cctx, cancel := context.WithTimeout(ctx, pairRunDeadline)
	defer cancel()
	po.step("connecting to " + code.Device.Device().String())
	if err := host.ConnectKey(cctx, code.Device, code.Addrs); err != nil {
		return nil, fmt.Errorf("%w: the pairing device at %s: %v; is 'kith serve' running there, and can this machine reach it?", ErrUnreachable, strings.Join(code.Addrs, ", "), err)
	}
	s, err := host.Open(cctx, code.Device, pairProtocol)
	if err != nil {
		return nil, fmt.Errorf("open the pairing exchange: %w", err)
	}
	defer s.Close()
	if dl, ok := cctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = s.Reset() })
	defer stop()
	po.step("proving the code")
	certs, err := pairing.Join(s, rand.Reader, code, n.device.Public(), func(msg []byte) ([]byte, error) { sig := n.device.Sign(msg); return sig[:], nil }, n.opts.DeviceName)
	var refused *pairing.Refused
	switch {
	case errors.As(err, &refused):
		return nil, refusal(refused.Status, refused.Message)
	case errors.Is(err, pairing.ErrResultTag):
		return nil, fmt.Errorf("%w: its answer does not prove it holds the code; nothing was stored", ErrPairRefused)
	case err != nil:
		return nil, err
	}
	own.Lock()
	own.cert = certs[0]
	own.Unlock()
	close(certified)
	if po.Mock == nil {
		// Kept peers are stored in home/net: 'kith serve' dials the
		// pairing device again from the start.
		host.Keep(code.Device, code.Addrs)
	}
	po.step("certified")
	return certs, nil
}

// refusal explains a status of the pairing device to the person.
func refusal(st pairing.Status, msg string) error {
	var what string
	switch st {
	case pairing.UnknownCode:
		what = "it does not know this code: it was cancelled, or the node there restarted; run 'kith device pair' there again"
	case pairing.UsedCode:
		what = "this code was used already (a code pairs one device); run 'kith device pair' there for a new one"
	case pairing.ExpiredCode:
		return fmt.Errorf("%w (the pairing device says so); run 'kith device pair' there for a new one", ErrPairCodeExpired)
	case pairing.WrongCode:
		what = "wrong code"
		if strings.HasPrefix(msg, "wrong code; ") {
			what = msg
		}
		what += "; copy the code again from the pairing device's screen"
	case pairing.BurntCode:
		what = "this code was tried wrongly too often and is void; run 'kith device pair' there for a new one"
	case pairing.Busy:
		what = "another device is using this code right now; wait a moment and try again, or make a new code"
	default:
		what = st.String() + ": " + msg
	}
	return fmt.Errorf("%w: %s; this device was not certified", ErrPairRefused, what)
}

// storePairedCerts stores the checked entries, this device's certificate
// first; entries the store refuses (a revocation whose certificate is not
// among them) are left to replication.
func (n *Node) storePairedCerts(ctx context.Context, certs []*entry.Entry) error {
	if err := n.appendOne(ctx, certs[0]); err != nil {
		return err
	}
	for _, e := range certs[1:] {
		r, err := n.store.Append(ctx, e)
		if err != nil {
			return err
		}
		if r.Outcome == store.Added {
			n.noteAdded([]*entry.Entry{e}, []store.Result{r})
		}
	}
	return nil
}
