package node

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/pairing"
)

// pairAttack is a node with one pairing code and a way to make raw peers.
type pairAttack struct {
	t    *testing.T
	mn   *netnode.MockNet
	n    *Node
	nw   *network
	id   string
	code pairing.Code
}

func newPairAttack(t *testing.T) *pairAttack {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, nw := breachNode(t, mn)
	pr, err := n.NewPairing(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pairing.Parse(pr.Code)
	if err != nil {
		t.Fatal(err)
	}
	return &pairAttack{t: t, mn: mn, n: n, nw: nw, id: pr.ID, code: c}
}

// open opens a pairing stream from a fresh raw peer.
func (a *pairAttack) open() (*netnode.Host, netnode.Stream) {
	a.t.Helper()
	h := breachPeer(a.t, a.mn, a.n, nil)
	s, err := h.Open(a.t.Context(), a.n.device.Public(), pairing.Protocol)
	if err != nil {
		a.t.Fatal(err)
	}
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	return h, s
}

func (a *pairAttack) status() PairingStatus {
	a.t.Helper()
	st, err := a.n.PairingStatus(a.id)
	if err != nil {
		a.t.Fatal(err)
	}
	return st
}

func (a *pairAttack) penalised(h *netnode.Host) bool {
	a.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := a.nw.host.Refused(h.Key()); ok {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// A stranger without the code: a random id is answered "unknown" and
// penalised; the code is untouched.
func TestMockPairUnknownIDPenalised(t *testing.T) {
	a := newPairAttack(t)
	h, s := a.open()
	var hello pairing.Hello
	_, _ = rand.Read(hello.ID[:])
	hello.Share = [32]byte{0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f, 0x58, 0xe3, 0x0b, 0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d, 0x76} // the ristretto255 base point
	if err := pairing.Write(s, hello); err != nil {
		t.Fatal(err)
	}
	o, err := pairing.ReadOffer(s)
	if err != nil || o.Status != pairing.UnknownCode {
		t.Fatalf("offer %+v %v, want UnknownCode", o, err)
	}
	_ = s.Close()
	if !a.penalised(h) {
		t.Fatal("a guessed id was not penalised")
	}
	if st := a.status(); st.State != PairPending || st.Failures != 0 {
		t.Fatalf("status %+v", st)
	}
}

// An oversized frame is a breach, penalised before its body is read.
func TestMockPairOversizedFramePenalised(t *testing.T) {
	a := newPairAttack(t)
	h, s := a.open()
	if _, err := s.Write(binary.BigEndian.AppendUint32(nil, pairing.MaxMessage+1)); err != nil {
		t.Fatal(err)
	}
	if !a.penalised(h) {
		t.Fatal("an oversized hello was not penalised")
	}
}

// A share that is not a group element (here the identity) is refused
// before any guess is tested: penalised, not counted against the code.
func TestMockPairBadSharePenalised(t *testing.T) {
	a := newPairAttack(t)
	h, s := a.open()
	if err := pairing.Write(s, pairing.Hello{ID: a.code.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := pairing.ReadOffer(s); err == nil {
		t.Fatal("an identity share got an offer")
	}
	if !a.penalised(h) {
		t.Fatal("an identity share was not penalised")
	}
	if st := a.status(); st.State != PairPending || st.Failures != 0 || st.InUse {
		t.Fatalf("status %+v, want pending, untouched", st)
	}
}

// begin runs a hello with the code's id and returns the offer.
func (a *pairAttack) begin(s netnode.Stream, newDevice identity.PublicKey) (*pairing.Initiator, pairing.Offer) {
	a.t.Helper()
	in, hello, err := pairing.NewInitiator(rand.Reader, a.code, newDevice)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := pairing.Write(s, hello); err != nil {
		a.t.Fatal(err)
	}
	o, err := pairing.ReadOffer(s)
	if err != nil {
		a.t.Fatal(err)
	}
	return in, o
}

// A run that hangs up after the offer, or holds the stream past the
// deadline, counts as failed: nobody can test a guess for free. While a
// run holds the code, another gets "busy".
func TestMockPairAbandonedRunsCount(t *testing.T) {
	defer func(d time.Duration) { pairRunDeadline = d }(pairRunDeadline)
	pairRunDeadline = 500 * time.Millisecond
	a := newPairAttack(t)
	h, s := a.open()
	_, o := a.begin(s, h.Key())
	if o.Status != pairing.OK {
		t.Fatalf("offer %+v", o)
	}
	if st := a.status(); !st.InUse {
		t.Fatalf("status during a run %+v", st)
	}
	h2, s2 := a.open()
	if _, o2 := a.begin(s2, h2.Key()); o2.Status != pairing.Busy {
		t.Fatalf("second run: %+v, want Busy", o2)
	}
	_ = s.Close() // hang up
	waitStatus(t, a, func(st PairingStatus) bool { return st.Failures == 1 && !st.InUse })

	h3, s3 := a.open()
	_, o3 := a.begin(s3, h3.Key())
	if o3.Status != pairing.OK {
		t.Fatalf("third run: %+v", o3)
	}
	// Hold it open, silent, past the deadline.
	waitStatus(t, a, func(st PairingStatus) bool { return st.Failures == 2 && !st.InUse })
	if !a.penalised(h3) {
		t.Fatal("a stream held silent past the deadline was not penalised")
	}
}

func waitStatus(t *testing.T, a *pairAttack, ok func(PairingStatus) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := a.status()
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A request recorded from a run with the right code, replayed in a new
// run (same device, same hello), is wrong: the pairing device's share is
// fresh, so the keys differ. It counts as a failed run.
func TestMockPairReplayRefused(t *testing.T) {
	a := newPairAttack(t)
	h, s := a.open()
	var recorded bytes.Buffer
	in, hello, err := pairing.NewInitiator(rand.Reader, a.code, h.Key())
	if err != nil {
		t.Fatal(err)
	}
	_ = pairing.Write(s, hello)
	o, err := pairing.ReadOffer(s)
	if err != nil || o.Status != pairing.OK {
		t.Fatalf("offer %+v %v", o, err)
	}
	keys, err := in.Finish(o.Share)
	if err != nil {
		t.Fatal(err)
	}
	// A request signed for another account: the tag is right, the
	// signature is not, so nothing is certified; the recording is the
	// point.
	req := pairing.Request{Name: "phone"}
	copy(req.DeviceSig[:], bytes.Repeat([]byte{7}, 64))
	req.Tag = keys.RequestTag(req.DeviceSig, req.Name)
	_ = pairing.Write(&recorded, req)
	_ = s.Close()
	waitStatus(t, a, func(st PairingStatus) bool { return st.Failures == 1 && !st.InUse })

	s2, err := h.Open(t.Context(), a.n.device.Public(), pairing.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	_ = s2.SetDeadline(time.Now().Add(10 * time.Second))
	_ = pairing.Write(s2, hello)
	if o2, err := pairing.ReadOffer(s2); err != nil || o2.Status != pairing.OK || o2.Share == o.Share {
		t.Fatalf("replayed hello: %+v %v (the share must be fresh)", o2, err)
	}
	if _, err := s2.Write(recorded.Bytes()); err != nil {
		t.Fatal(err)
	}
	res, err := pairing.ReadResult(s2)
	if err != nil || res.Status != pairing.WrongCode {
		t.Fatalf("replayed request: %+v %v, want WrongCode", res, err)
	}
	if st := a.status(); st.Failures != 2 || st.State != PairPending {
		t.Fatalf("status %+v", st)
	}
}

// The pairing device decides expiry by its own clock, whatever the code
// says.
func TestMockPairExpiredByPairingDevice(t *testing.T) {
	a := newPairAttack(t)
	a.nw.pairs.mu.Lock()
	for _, r := range a.nw.pairs.records {
		r.expires = time.Now().Add(-time.Second)
	}
	a.nw.pairs.mu.Unlock()
	home := t.TempDir() + "/late"
	code, _ := a.code.Encode() // still says it is valid for 10 minutes
	_, _, err := Pair(t.Context(), home, code, Options{}, PairOptions{Mock: a.mn})
	if !errors.Is(err, ErrPairCodeExpired) {
		t.Fatalf("err %v, want ErrPairCodeExpired", err)
	}
	if st := a.status(); st.State != PairExpired {
		t.Fatalf("status %+v", st)
	}
	if ds, _ := a.n.Devices(t.Context()); len(ds) != 1 {
		t.Fatalf("%d devices certified", len(ds))
	}
}

// A device certified already (here: the pairing device's own) is not
// certified again; the code is not used up.
func TestMockPairCertifiedDeviceRefused(t *testing.T) {
	a := newPairAttack(t)
	other, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	// A device of another account asks with the right code.
	h, err := a.mn.NewHost(other.device)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	cert, err := other.ownCert(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	h.Handle(invite.CertProtocol, func(_ identity.PublicKey, s netnode.Stream) {
		defer s.Close()
		_ = invite.WriteCert(s, invite.Cert{Header: cert.Raw, Payload: cert.Payload})
	})
	if err := h.ConnectKey(t.Context(), a.n.device.Public(), a.n.Addrs()); err != nil {
		t.Fatal(err)
	}
	// The pairing device holds its certificate, as if it had met it.
	_ = a.n.appendCert(t.Context(), cert.Entry) // or the certificate exchange stored it first
	if _, err := a.n.store.AccountOf(t.Context(), h.Key()); err != nil {
		t.Fatal(err)
	}
	s, err := h.Open(t.Context(), a.n.device.Public(), pairing.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	_ = s.SetDeadline(time.Now().Add(10 * time.Second))
	in, o := a.begin(s, h.Key())
	keys, err := in.Finish(o.Share)
	if err != nil {
		t.Fatal(err)
	}
	req := pairing.Request{DeviceSig: other.device.Sign(content.DeviceCertInput(a.n.account, h.Key()))}
	req.Tag = keys.RequestTag(req.DeviceSig, "")
	_ = pairing.Write(s, req)
	res, err := pairing.ReadResult(s)
	if err != nil || res.Status != pairing.Failed {
		t.Fatalf("result %+v %v, want Failed", res, err)
	}
	if st := a.status(); st.State != PairPending || st.Failures != 0 || st.InUse {
		t.Fatalf("status %+v", st)
	}
}
