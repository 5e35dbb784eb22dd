package browserpeer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/replicate"
	"github.com/kithnet/kith/internal/store"
)

// TestKeepFailsNothingMade: when the browser cannot keep its own new
// entry (IndexedDB full, the tab closing), the post fails with a message
// and the store does not hold it, so nothing is sent that a reload would
// lose, and the next post takes the same seq without forking the log.
func TestKeepFailsNothingMade(t *testing.T) {
	dev, acc := key(t, "k/device"), key(t, "k/account")
	full := errors.New("QuotaExceededError")
	var keep error
	var kept []*entry.Entry
	p := New(Config{
		Device: dev.Public(),
		Sign:   func(m []byte) ([]byte, error) { s := dev.Sign(m); return s[:], nil },
		Now:    func() uint64 { return 1 },
		Keep: func(e *entry.Entry) error {
			if keep != nil {
				return keep
			}
			kept = append(kept, e)
			return nil
		},
	})
	cert, err := content.NewPairedDeviceCert(acc, dev.Public(), dev.Sign(content.DeviceCertInput(acc.Public(), dev.Public())), "b", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Certify(t.Context(), cert); err != nil {
		t.Fatal(err)
	}
	keep = full
	_, err = p.Post(t.Context(), "lost")
	if err == nil || !errors.Is(err, full) || !strings.Contains(err.Error(), "not kept in this browser") {
		t.Fatalf("post with a full store: %v", err)
	}
	if _, err := p.Store().Head(t.Context(), store.LogKey{Author: dev.Public()}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the store holds the post that was not kept: %v", err)
	}
	keep = nil
	e, err := p.Post(t.Context(), "kept")
	if err != nil {
		t.Fatal(err)
	}
	if e.Header.Seq != 1 || len(kept) != 2 || kept[1] != e {
		t.Fatalf("after the failure: seq %d, kept %d", e.Header.Seq, len(kept))
	}
}

// TestGarbageFromPeer: a peer that sends garbage on the sync stream, or an
// entry the browser did not ask for, is closed with the protocol's code
// and nothing of it is stored.
func TestGarbageFromPeer(t *testing.T) {
	other := key(t, "garbage/device")
	forged, err := entry.Sign(other, entry.Draft{Seq: 1, Timestamp: 1, Payload: []byte("\xa2dtextbhidtypedpost")})
	if err != nil {
		t.Fatal(err)
	}
	hello := replicate.AppendFrame(nil, &replicate.Hello{Version: 1})
	for _, c := range []struct {
		name string
		send []byte
		code replicate.Code
	}{
		{"not a frame", []byte{0, 0, 0, 3, 0xff, 0xff, 0xff}, replicate.CodeMalformed},
		{"a frame too long", []byte{0xff, 0xff, 0xff, 0xff}, replicate.CodeLimit},
		{"an entry not wanted", append(append([]byte{}, hello...), replicate.AppendFrame(nil, &replicate.Entries{Entries: []*entry.Entry{forged}})...), replicate.CodeUnsolicited},
	} {
		t.Run(c.name, func(t *testing.T) {
			var kept keptLog
			b, _ := newPeer(t, "b", &kept)
			before := kept.len()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			mine, theirs := net.Pipe()
			go func() {
				go func() { _, _ = theirs.Write(c.send) }()
				var sink bytes.Buffer
				_, _ = sink.ReadFrom(theirs)
			}()
			err := b.Sync(ctx, other.Public(), mine, false)
			var pe *replicate.ProtocolError
			if !errors.As(err, &pe) || pe.Code != c.code {
				t.Fatalf("session ended with %v, want a protocol error with code %d", err, c.code)
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), "it sent "+refusedWhat[c.code]+"; this browser refused it and kept nothing of it.") {
				t.Fatalf("session ended with %q, want it said in words (RefusedError)", err)
			}
			theirs.Close()
			if kept.len() != before {
				t.Fatalf("%d entries kept from a bad peer", kept.len()-before)
			}
			if _, err := b.Store().Head(ctx, store.LogKey{Author: other.Public()}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the bad peer's log is held: %v", err)
			}
		})
	}
}

// TestBadCertificates: a node's /kith/cert/1 answer that is garbage, a
// certificate of another device, or one with a broken signature is
// refused, and nothing is stored or followed.
func TestBadCertificates(t *testing.T) {
	acc, dev, other := key(t, "n/account"), key(t, "n/device"), key(t, "n/other")
	good, err := content.NewDeviceCert(acc, dev, "node", 1)
	if err != nil {
		t.Fatal(err)
	}
	frame := func(h, p []byte) []byte {
		var b bytes.Buffer
		if err := invite.WriteCert(&b, invite.Cert{Header: h, Payload: p}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	broken := bytes.Clone(good.Raw)
	broken[len(broken)-1] ^= 1
	for _, c := range []struct {
		name   string
		remote identity.PublicKey
		msg    []byte
	}{
		{"garbage", dev.Public(), []byte{0, 0, 0, 5, 1, 2, 3, 4, 5}},
		{"empty", dev.Public(), nil},
		{"another device's", other.Public(), frame(good.Raw, good.Payload)},
		{"a broken signature", dev.Public(), frame(broken, good.Payload)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var kept keptLog
			b, _ := newPeer(t, "b", &kept)
			before := kept.len()
			if _, err := b.AcceptCert(t.Context(), c.remote, bytes.NewReader(c.msg), true); err == nil || !strings.Contains(err.Error(), "the peer's certificate") {
				t.Fatalf("accepted: %v", err)
			}
			if kept.len() != before || b.scopeFollows(acc.Public()) {
				t.Fatalf("a refused certificate was kept (%d) or followed", kept.len()-before)
			}
		})
	}
	var kept keptLog
	b, _ := newPeer(t, "b", &kept)
	got, err := b.AcceptCert(t.Context(), dev.Public(), bytes.NewReader(frame(good.Raw, good.Payload)), true)
	if err != nil || got != acc.Public() || !b.scopeFollows(acc.Public()) {
		t.Fatalf("the good certificate: %x %v", got, err)
	}
}
