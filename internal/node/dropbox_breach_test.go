package node

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/netnode"
	"github.com/kithnet/kith/internal/seal"
)

// A depositor whose stream breaks or ends early, or that speaks another
// version, is not penalised; one that sends garbage, a letter whose
// signature does not check, or a collect with its follows out of order
// is (services.md §8, "Bad input").
func TestMockDropboxBreachesPenalised(t *testing.T) {
	mn := netnode.NewMockNet()
	t.Cleanup(func() { _ = mn.Close() })
	n, _, err := Init(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	off := false
	cfg := DefaultConfig()
	cfg.MDNS, cfg.DHT = &off, &off
	cfg.Hub.On = true
	if err := n.StartNetwork(t.Context(), ServeOptions{Config: cfg, Mock: mn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.StopNetwork() })
	nw := n.net.Load()
	if nw.dropbox.hub == nil {
		t.Fatal("the hub keeps no dropbox")
	}

	recipient, _ := identity.GenerateKey(nil)
	if _, err := nw.dropbox.hub.collect(n.clock(), [32]byte(recipient.Public()), nil, nil); err != nil { // enrols it
		t.Fatal(err)
	}
	dk, _ := seal.GenerateDecryptionKey(seal.KEMX25519)
	sender, _ := identity.GenerateKey(nil)
	letter, err := dropbox.SealLetter([32]byte(recipient.Public()), sender, sender,
		[]dropbox.Recipient{{Device: seal.ID(recipient.Public()), Key: dk.Public()}}, 1,
		&dropbox.Inner{Account: [32]byte{1}, Cert: []byte{1}, CertPayload: []byte{2}, ReplyKey: []byte{3}, Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	frame := func(q *dropbox.Request) []byte {
		var b bytes.Buffer
		if err := dropbox.WriteRequest(&b, q); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	deposit := frame(&dropbox.Request{Recipient: [32]byte(recipient.Public()), Letter: letter})
	forged := append([]byte{}, deposit...)
	forged[len(forged)-1] ^= 1 // the letter's signature
	version2 := append([]byte{}, deposit...)
	version2[4+1] = 2
	unordered := frame(&dropbox.Request{Collect: true, Follows: [][32]byte{{1}, {2}}})
	unordered[4+4+2] = 2 // the first follow becomes {2}: out of order

	cases := breachCases(deposit)[:6]
	cases = append(cases,
		breachCase{"length over the bound", []byte{0, 2, 0x40, 0x01, 0x84}, endReset, true},
		breachCase{"a letter whose signature does not check", forged, endClose, true},
		breachCase{"follows out of order", unordered, endClose, true},
		breachCase{"another version", version2, endClose, false},
		breachCase{"a good letter", deposit, endReset, false},
	)
	done := make(chan identity.PublicKey, 16)
	ctx := t.Context()
	var reads readWatch
	nw.host.Handle(dropbox.Protocol, func(remote identity.PublicKey, s netnode.Stream) {
		n.serveDropbox(ctx, nw, remote, reads.wrap(s))
		done <- remote
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runBreach(t, mn, n, nw, dropbox.Protocol, c, done, &reads) })
	}
	if s := nw.dropbox.hub.stats(); s.Letters != 1 || s.Strangers != 1 {
		t.Fatalf("the hub keeps %+v, want the good letter only", s)
	}
}
