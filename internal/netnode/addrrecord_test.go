package netnode

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
)

// sendRecord writes r to to over a new /kith/addrs/1 stream from from.
func sendRecord(t *testing.T, from, to *Host, r services.AddrRecord) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := from.host.NewStream(ctx, to.host.ID(), protocol.ID(AddrsProtocol))
	if err != nil {
		t.Fatal(err)
	}
	if err := services.WriteAddrRecord(s, r); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
}

func record(t *testing.T, signer identity.PrivateKey, device identity.PublicKey, seq uint64, addr string) services.AddrRecord {
	t.Helper()
	r := services.AddrRecord{Device: services.Key32(device), Seq: seq, Addrs: []services.Bytes{ma.StringCast(addr).Bytes()}}
	if err := r.Sign(signer.Sign); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAddrRecordsAsAttacker: what a peer can make a node keep of address
// records. A record of another device (validly signed by it) sent by b is
// ignored; b's own record is kept only while b is wanted, only with a
// higher seq; a record whose signature fails is a breach; a peer's record
// survives a restart and its addresses go to the peerstore.
func TestAddrRecordsAsAttacker(t *testing.T) {
	old := addrsPeerInterval
	addrsPeerInterval = 0
	t.Cleanup(func() { addrsPeerInterval = old })
	dir := t.TempDir()
	aCfg := loopbackConfig(t, testKey(t, 1))
	aCfg.DataDir = dir
	a := startHost(t, aCfg)
	bKey, cKey := testKey(t, 2), testKey(t, 3)
	b := startHost(t, loopbackConfig(t, bKey))
	if _, err := b.Connect(testContext(t, 5*time.Second), addrWith(t, a, "/tcp/")); err != nil {
		t.Fatal(err)
	}
	seqOf := func(k identity.PublicKey) uint64 { s, _ := a.PeerAddrRecord(k); return s }

	// Not wanted: not kept.
	sendRecord(t, b, a, record(t, bKey, bKey.Public(), 3, "/ip4/10.9.0.2/tcp/4001"))
	time.Sleep(200 * time.Millisecond)
	if s := seqOf(bKey.Public()); s != 0 {
		t.Fatalf("a kept the record of b, which it does not want: seq %d", s)
	}
	a.Want("test", []identity.PublicKey{bKey.Public(), cKey.Public()})
	// Another device's record, signed by it, relayed by b: ignored, no breach.
	sendRecord(t, b, a, record(t, cKey, cKey.Public(), 9, "/ip4/10.9.0.66/tcp/4001"))
	sendRecord(t, b, a, record(t, bKey, bKey.Public(), 5, "/ip4/10.9.0.2/tcp/4001"))
	waitFor(t, 5*time.Second, "a to keep b's record, seq 5", func() bool { return seqOf(bKey.Public()) == 5 })
	if s := seqOf(cKey.Public()); s != 0 {
		t.Fatalf("a kept c's record sent by b: seq %d; only a device's own record counts", s)
	}
	// A lower seq: not taken (no roll-back).
	sendRecord(t, b, a, record(t, bKey, bKey.Public(), 4, "/ip4/10.9.0.99/tcp/4001"))
	time.Sleep(200 * time.Millisecond)
	if s, addrs := a.PeerAddrRecord(bKey.Public()); s != 5 || !slices.Equal(addrs, []string{"/ip4/10.9.0.2/tcp/4001"}) {
		t.Fatalf("after a lower seq a holds seq %d %v, want 5 [/ip4/10.9.0.2/tcp/4001]", s, addrs)
	}
	// Signed by c but naming b: the signature fails: a breach.
	sendRecord(t, b, a, record(t, cKey, bKey.Public(), 6, "/ip4/10.9.0.99/tcp/4001"))
	waitFor(t, 5*time.Second, "a to penalise b for a forged record", func() bool {
		_, refused := a.penalties.refusedUntil(bKey.Public())
		return refused
	})
	if s := seqOf(bKey.Public()); s != 5 {
		t.Fatalf("after a forged record a holds seq %d, want 5", s)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a2 := startHost(t, aCfg)
	if s := func() uint64 { s, _ := a2.PeerAddrRecord(bKey.Public()); return s }(); s != 5 {
		t.Fatalf("after a restart a holds seq %d of b, want 5", s)
	}
	id, _ := peerIDOf(bKey.Public())
	if !slices.ContainsFunc(a2.host.Peerstore().Addrs(id), func(m ma.Multiaddr) bool { return m.String() == "/ip4/10.9.0.2/tcp/4001" }) {
		t.Fatalf("after a restart the peerstore holds %v for b, want its record's address", a2.host.Peerstore().Addrs(id))
	}
}

// TestAddrRecordTooSoonTakenLater: a peer's newer record that comes within
// addrsPeerInterval of the last one taken is taken when the interval ends,
// not dropped (a peer pushes its record once per connection: one that
// moved just after it connected was never heard, and its old connection
// lingered until its keep-alive failed; TestAddressChangeReconnects failed
// about one run in two); a flood within the interval keeps only the
// newest, once.
func TestAddrRecordTooSoonTakenLater(t *testing.T) {
	old := addrsPeerInterval
	addrsPeerInterval = 500 * time.Millisecond
	t.Cleanup(func() { addrsPeerInterval = old })
	a := startHost(t, loopbackConfig(t, testKey(t, 1)))
	bKey := testKey(t, 2)
	b := startHost(t, loopbackConfig(t, bKey))
	if _, err := b.Connect(testContext(t, 5*time.Second), addrWith(t, a, "/tcp/")); err != nil {
		t.Fatal(err)
	}
	a.Want("test", []identity.PublicKey{bKey.Public()})
	seqOf := func() uint64 { s, _ := a.PeerAddrRecord(bKey.Public()); return s }
	sendRecord(t, b, a, record(t, bKey, bKey.Public(), 1, "/ip4/10.9.0.2/tcp/4001"))
	waitFor(t, 5*time.Second, "a to keep b's record, seq 1", func() bool { return seqOf() == 1 })
	// Within the interval: seq 2, then 4, then 3.
	for _, seq := range []uint64{2, 4, 3} {
		sendRecord(t, b, a, record(t, bKey, bKey.Public(), seq, fmt.Sprintf("/ip4/10.9.0.%d/tcp/4001", 10+seq)))
	}
	if s := seqOf(); s != 1 {
		t.Fatalf("a holds seq %d of b at once, want 1 (the others came within the interval)", s)
	}
	waitFor(t, 5*time.Second, "a to take b's newest record once the interval ended", func() bool { return seqOf() == 4 })
	if _, addrs := a.PeerAddrRecord(bKey.Public()); !slices.Equal(addrs, []string{"/ip4/10.9.0.14/tcp/4001"}) {
		t.Fatalf("a holds %v for b, want seq 4's address", addrs)
	}
	time.Sleep(2 * addrsPeerInterval)
	if s := seqOf(); s != 4 {
		t.Fatalf("a holds seq %d of b after the interval, want 4", s)
	}
}
