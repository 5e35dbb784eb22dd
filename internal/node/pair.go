package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/pairing"
	"github.com/kithnet/kith/internal/store"
)

// The pairing device's side of doc/protocol/pairing.md: codes, and the
// exchange that certifies a new device with the account key. The new
// device's side is in pairjoin.go.

const pairProtocol = netnode.PairProtocol

// pairRunDeadline bounds one run of the exchange, on both sides.
var pairRunDeadline = 30 * time.Second

// Errors of pairing, for callers that map them (the API, the CLI).
var (
	// ErrBadPairCode: not a valid pairing code (mistyped, an invite code…).
	ErrBadPairCode = errors.New("not a usable pairing code")
	// ErrPairCodeExpired: the code's time is over.
	ErrPairCodeExpired = errors.New("the pairing code has expired")
	// ErrPairRefused: the pairing device refused the code or the request.
	ErrPairRefused = errors.New("the pairing device refused")
	// ErrTooManyPairings: MaxPendingPairings codes are pending already.
	ErrTooManyPairings = errors.New("too many pairing codes are pending")
	// ErrNoPairing: no pairing code has this id.
	ErrNoPairing = errors.New("no such pairing code")
)

// Pairing is a code made by NewPairing.
type Pairing struct {
	ID      string // names the code to PairingStatus and CancelPairing
	Code    string // the text the new device is given
	Account identity.AccountID
	Device  identity.DeviceID
	Addrs   []string
	Expires time.Time
}

// PairingStatus is what became of a code.
type PairingStatus struct {
	ID           string
	State        PairState
	Expires      time.Time
	InUse        bool // a new device is running the exchange right now
	Failures     int  // failed runs so far
	AttemptsLeft int
	// Device, Name and Cert say which device joined, once State is PairUsed.
	Device identity.DeviceID
	Name   string
	Cert   string
}

// NewPairing makes a pairing code valid for ttl (0: DefaultPairTTL) and
// once. It needs the running network and the account key, which it
// decrypts now so that a missing passphrase fails here rather than when a
// device uses the code. On a device that does not hold the key, auth's
// recovery phrase gives it: the key derived from it is kept in memory for
// this code alone and forgotten once the code is used, void, cancelled or
// expired.
func (n *Node) NewPairing(ttl time.Duration, auth *PhraseAuth) (Pairing, error) {
	nw := n.net.Load()
	if nw == nil {
		return Pairing{}, ErrNotServing
	}
	if err := n.checkNotRevoked(context.Background()); err != nil {
		return Pairing{}, err
	}
	var phraseKey identity.PrivateKey
	if !n.HoldsAccountKey() {
		if auth == nil || auth.Phrase.IsZero() {
			return Pairing{}, noAccountKeyError("this device does not hold the account key, so it cannot certify a new device without your recovery phrase: give the phrase (it is used for this code and forgotten), or run 'kith device pair' on a device that holds the key")
		}
		k, err := n.keyFromPhrase(auth)
		if err != nil {
			return Pairing{}, err
		}
		phraseKey = k
	}
	if ttl == 0 {
		ttl = DefaultPairTTL
	}
	if ttl < time.Minute || ttl > MaxPairTTL {
		return Pairing{}, fmt.Errorf("a pairing code is valid for 1 to %d minutes, not %v", int(MaxPairTTL.Minutes()), ttl)
	}
	if phraseKey.IsZero() {
		if _, err := n.accountPrivate(); err != nil {
			return Pairing{}, err
		}
	}
	now := time.Now()
	rec := &pairRecord{made: now, expires: now.Add(ttl), key: phraseKey}
	if _, err := rand.Read(rec.id[:]); err != nil {
		return Pairing{}, err
	}
	if _, err := rand.Read(rec.secret[:]); err != nil {
		return Pairing{}, err
	}
	c := pairing.Code{
		Account: n.account,
		Device:  n.device.Public(),
		Addrs:   inviteAddrs(nw.host.Addrs()),
		ID:      rec.id,
		Secret:  rec.secret,
		// Rounded up, so the new device never refuses a code the pairing
		// device would still take.
		Expires: rec.expires.Add(time.Second - 1).Truncate(time.Second).UTC(),
	}
	text, err := c.Encode()
	if err != nil {
		return Pairing{}, err
	}
	if !nw.pairs.add(rec, now) {
		return Pairing{}, fmt.Errorf("%w (at most %d): use or cancel one, or wait until they expire", ErrTooManyPairings, MaxPendingPairings)
	}
	return Pairing{ID: pairID(rec.id), Code: text, Account: n.account.Account(), Device: n.device.Public().Device(), Addrs: c.Addrs, Expires: c.Expires}, nil
}

// PairingStatus says what became of the code with id.
func (n *Node) PairingStatus(id string) (PairingStatus, error) {
	st, _, err := n.pairingStatus(id)
	return st, err
}

// WaitPairing returns the code's status once it differs from last, or
// when ctx ends (then with the current status and no error).
func (n *Node) WaitPairing(ctx context.Context, id string, last PairingStatus) (PairingStatus, error) {
	for {
		st, changed, err := n.pairingStatus(id)
		if err != nil || st != last {
			return st, err
		}
		// Expiry changes the state without a notification: wake then too.
		wait := time.Until(st.Expires)
		if wait < 0 || st.State != PairPending {
			wait = time.Minute
		}
		t := time.NewTimer(wait + 10*time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, nil
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

func (n *Node) pairingStatus(id string) (PairingStatus, <-chan struct{}, error) {
	nw := n.net.Load()
	if nw == nil {
		return PairingStatus{}, nil, ErrNotServing
	}
	raw, ok := parsePairID(id)
	if !ok {
		return PairingStatus{}, nil, fmt.Errorf("%w: %q", ErrNoPairing, id)
	}
	r, changed, ok := nw.pairs.status(raw, time.Now())
	if !ok {
		return PairingStatus{}, nil, fmt.Errorf("%w: %s (codes are forgotten when the node restarts)", ErrNoPairing, id)
	}
	st := PairingStatus{
		ID: id, State: r.state, Expires: r.expires, InUse: r.inUse,
		Failures: r.failures, AttemptsLeft: max(0, MaxPairAttempts-r.failures),
		Name: r.name, Cert: r.cert,
	}
	if r.state == PairUsed {
		st.Device = r.device.Device()
	}
	return st, changed, nil
}

// CancelPairing voids a pending code.
func (n *Node) CancelPairing(id string) error {
	nw := n.net.Load()
	if nw == nil {
		return ErrNotServing
	}
	raw, ok := parsePairID(id)
	if !ok || !nw.pairs.cancel(raw) {
		return fmt.Errorf("%w: %s", ErrNoPairing, id)
	}
	return nil
}

// servePair answers one run of the exchange (doc/protocol/pairing.md, "The
// pairing device").
func (n *Node) servePair(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(pairRunDeadline))
	// The deadline again, for streams that do not keep one: a run holds a
	// code, so it must end.
	var timedOut atomic.Bool
	timer := time.AfterFunc(pairRunDeadline, func() {
		timedOut.Store(true)
		_ = s.Reset()
	})
	defer timer.Stop()
	breach := func(what string, err error) {
		if streamBreach(err) || errors.Is(err, pairing.ErrMessage) || timedOut.Load() {
			nw.log.Warn("bad pairing message", "peer", remote.Device(), "message", what, "err", err)
			nw.host.Penalize(remote, "pairing: "+err.Error())
		} else {
			nw.log.Info("a pairing run broke off", "peer", remote.Device(), "message", what, "err", err)
		}
	}
	h, err := pairing.ReadHello(s)
	if err != nil {
		breach("hello", err)
		return
	}
	rec, st, known := nw.pairs.begin(h.ID, time.Now())
	if !known {
		// An id of no code: 64 random bits, so a guess. Penalised, so that
		// every guess costs a new identity and connection.
		_ = pairing.Write(s, pairing.Offer{Status: st, Message: st.String()})
		awaitClose(s, guessAnswerWait)
		nw.log.Info("pairing code id of no code: the peer is penalised", "peer", remote.Device())
		nw.host.Penalize(remote, "pairing: an id of no code (a guess)")
		return
	}
	if st != pairing.OK {
		_ = pairing.Write(s, pairing.Offer{Status: st, Message: st.String()})
		return
	}
	parties := pairing.Parties{Account: n.account, Pairing: n.device.Public(), New: remote}
	share, keys, err := pairing.Respond(rand.Reader, parties, rec.secret, h)
	if err != nil {
		// Nothing was tested against the secret: the run is not counted.
		nw.pairs.release(rec)
		_ = s.Reset()
		nw.log.Warn("bad pairing share", "peer", remote.Device(), "err", err)
		nw.host.Penalize(remote, "pairing: "+err.Error())
		return
	}
	if err := pairing.Write(s, pairing.Offer{Status: pairing.OK, Share: share}); err != nil {
		nw.pairs.release(rec)
		return
	}
	// From here on, a run that does not prove the secret counts as failed.
	req, err := pairing.ReadRequest(s)
	if err != nil {
		left := nw.pairs.fail(rec)
		breach("request", err)
		nw.log.Info("pairing run failed", "peer", remote.Device(), "attempts_left", left)
		return
	}
	if !keys.CheckRequestTag(req.Tag, req.DeviceSig, req.Name) {
		left := nw.pairs.fail(rec)
		msg := fmt.Sprintf("wrong code; %d attempts left", left)
		if left == 1 {
			msg = "wrong code; 1 attempt left"
		} else if left == 0 {
			msg = "wrong code; the code is now void"
		}
		_ = pairing.Write(s, pairing.Result{Status: pairing.WrongCode, Message: msg})
		awaitClose(s, guessAnswerWait)
		nw.log.Warn("pairing: wrong code; the peer is penalised", "peer", remote.Device(), "attempts_left", left)
		nw.host.Penalize(remote, "pairing: wrong code")
		return
	}
	cert, certs, err := n.certifyPaired(ctx, remote, req, nw.pairs.accountKey(rec))
	if err != nil {
		st := pairing.Failed
		if errors.Is(err, errBadDeviceSig) {
			st = pairing.BadRequest
			nw.pairs.fail(rec)
		} else {
			nw.pairs.release(rec)
		}
		nw.log.Warn("pairing: could not certify the new device", "peer", remote.Device(), "err", err)
		_ = pairing.Write(s, pairing.Result{Status: st, Message: err.Error()})
		return
	}
	nw.pairs.used(rec, remote, req.Name, cert.ID.String())
	nw.host.Keep(remote, nil)
	tag, err := keys.ResultTag(req.Tag, certs)
	if err != nil {
		nw.log.Error("pairing: result tag", "err", err)
		_ = s.Reset()
		return
	}
	if err := pairing.Write(s, pairing.Result{Status: pairing.OK, Message: "welcome", Tag: tag, Certs: certs}); err != nil {
		nw.log.Warn("pairing: the new device was certified but the answer did not reach it", "peer", remote.Device(), "err", err)
		return
	}
	awaitClose(s, guessAnswerWait)
}

var errBadDeviceSig = errors.New("the new device's signature over its certificate is not valid")

// certifyPaired signs and stores the new device's certificate and returns
// it with the account's certificate entries to send (the new one first).
// key is the account key held for the code alone, or zero to use the
// home's.
func (n *Node) certifyPaired(ctx context.Context, device identity.PublicKey, req pairing.Request, key identity.PrivateKey) (*entry.Entry, []pairing.Cert, error) {
	add := content.DeviceAdd{Account: n.account.Account(), Device: device.Device(), DeviceSig: req.DeviceSig}
	if !add.VerifyDeviceSig() {
		return nil, nil, errBadDeviceSig
	}
	if key.IsZero() {
		var err error
		if key, err = n.accountPrivate(); err != nil {
			return nil, nil, err
		}
	}
	n.mu.Lock()
	if d, err := n.store.AccountOf(ctx, device); err == nil {
		n.mu.Unlock()
		return nil, nil, fmt.Errorf("device %s is certified already (by account %s)", device.Device(), d.Account.Account())
	} else if !errors.Is(err, store.ErrNotFound) {
		n.mu.Unlock()
		return nil, nil, err
	}
	cert, err := content.NewPairedDeviceCert(key, device, req.DeviceSig, req.Name, n.now())
	if err == nil {
		err = n.appendOne(ctx, cert)
	}
	n.mu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("store the certificate: %w", err)
	}
	certs, err := n.accountCertEntries(ctx, cert)
	if err != nil {
		return nil, nil, err
	}
	return cert, certs, nil
}

// accountCertEntries returns first, then the certificates of the account's
// other devices, then their revocations, as many as fit in a result.
func (n *Node) accountCertEntries(ctx context.Context, first *entry.Entry) ([]pairing.Cert, error) {
	out := []pairing.Cert{{Header: first.Raw, Payload: first.Payload}}
	size := len(first.Raw) + len(first.Payload) + 16
	devs, err := n.store.Devices(ctx, n.account)
	if err != nil {
		return nil, err
	}
	var revokes []entry.ID
	add := func(id entry.ID) error {
		e, err := n.store.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.Payload == nil || e.ID == first.ID {
			return nil
		}
		sz := len(e.Raw) + len(e.Payload) + 16
		if len(out) >= pairing.MaxCerts || size+sz > pairing.MaxResult-1024 {
			return nil
		}
		size += sz
		out = append(out, pairing.Cert{Header: e.Raw, Payload: e.Payload})
		return nil
	}
	for _, d := range devs {
		if err := add(d.Cert); err != nil {
			return nil, err
		}
		if d.Revoked {
			revokes = append(revokes, d.RevokedBy)
		}
	}
	for _, id := range revokes {
		if err := add(id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// noAccountKeyError is ErrNoAccountKey with a message for the operation
// that needed the key.
type noAccountKeyError string

func (e noAccountKeyError) Error() string        { return string(e) }
func (e noAccountKeyError) Is(target error) bool { return target == ErrNoAccountKey }
