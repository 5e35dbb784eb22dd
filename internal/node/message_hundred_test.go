package node

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// keyDevice is a recipient device that is no node: an account with one
// device, its certificate and its published encryption key (a seal.key
// entry) as a node holds them, and its decryption key to open what is
// written to it the way a node does (message.OpenAnnouncement, then
// message.Open).
type keyDevice struct {
	account identity.PublicKey
	device  identity.PublicKey
	dk      *seal.DecryptionKey
	entries []*entry.Entry // the certificate, the seal.key entry
}

func newKeyDevice(t testing.TB, i int) keyDevice {
	t.Helper()
	seed := func(what string) []byte {
		s := sha256.Sum256(fmt.Appendf(nil, "kith test key device %d %s", i, what))
		return s[:]
	}
	acc, err := identity.KeyFromSeed(seed("account"))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := identity.KeyFromSeed(seed("device"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := content.NewDeviceCert(acc, dev, fmt.Sprintf("device %d", i), 1)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := seal.DeriveDecryptionKey(seal.KEMHybrid, seed("seal"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := seal.EncodeDeviceKey(seal.DeviceKey{Key: dk.Public()})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := entry.Sign(dev, entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: 1, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return keyDevice{account: acc.Public(), device: dev.Public(), dk: dk, entries: []*entry.Entry{cert, pub}}
}

// A message to 100 recipient devices opens on each; a node that follows
// the sender and holds every entry reads nothing and learns no
// participant (messages.md §7). Three recipients are nodes that read it
// as a person would (Conversation); the other 97 devices are keys whose
// certificates and encryption keys the sender holds, and each opens the
// announcement and the start from the entries as stored. (Before, all
// 100 were nodes: 102 homes, the longest test of the package under
// -race.)
func TestMessageHundredRecipientDevices(t *testing.T) {
	ctx := t.Context()
	t0 := time.Now()
	sender, outsider := newSpaceNode(t), newSpaceNode(t)
	nodes := make([]*Node, 3)
	var to []identity.PublicKey
	for i := range nodes {
		nodes[i] = newSpaceNode(t)
		if _, err := nodes[i].ownDecryptionKey(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := nodes[i].Follow(ctx, sender.account, true); err != nil {
			t.Fatal(err)
		}
		to = append(to, nodes[i].account)
		share1(t, nodes[i], sender)
	}
	keys := make([]keyDevice, 100-len(nodes))
	var keyEntries []*entry.Entry
	for i := range keys {
		keys[i] = newKeyDevice(t, i)
		to = append(to, keys[i].account)
		keyEntries = append(keyEntries, keys[i].entries...)
	}
	if res, err := sender.store.Ingest(ctx, keyEntries); err != nil {
		t.Fatal(err)
	} else {
		for _, r := range res {
			if r.Outcome != store.Added {
				t.Fatalf("a key device's entry: %s, %v", r.Outcome, r.Err)
			}
		}
	}
	if _, err := outsider.ownDecryptionKey(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := outsider.Follow(ctx, sender.account, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("five homes and %d key devices: %v", len(keys), time.Since(t0))
	const text = "the key is under the third stone"
	began := time.Now()
	id, start, err := sender.SendMessage(ctx, to, text)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SendMessage to 100 recipient devices: %v", time.Since(began))
	// Every recipient node gets the sender's entries and every other
	// recipient's certificate (the participants' names and devices).
	for _, r := range append(slices.Clone(nodes), outsider) {
		share1(t, sender, r)
	}
	var slowest time.Duration
	for _, r := range nodes {
		began := time.Now()
		v, err := r.Conversation(ctx, id)
		if err != nil {
			t.Fatalf("recipient %s: %v", r.home, err)
		}
		slowest = max(slowest, time.Since(began))
		if !v.Verified || len(v.Participants) != 101 || len(v.Thread) != 1 || v.Thread[0].Text != text || v.Thread[0].ID != start.ID {
			t.Fatalf("recipient %s reads %+v", r.home, v)
		}
	}
	t.Logf("slowest recipient node: opening the announcement and the start, %v", slowest)

	// What the outsider holds of the conversation: 8 announcement parts
	// (104 hybrid wraps) and the start.
	es, err := outsider.store.Find(ctx, store.Query{Authors: []identity.PublicKey{sender.device.Public()}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var parts []*store.Stored
	var startAt *store.Stored
	sealed := 0
	for _, e := range es {
		if e.Header.LogID == entry.PublicLog {
			continue
		}
		sealed++
		switch message.KindOf(e.Payload) {
		case message.KindAnnouncement:
			parts = append(parts, e)
		case message.KindMessage:
			startAt = e
		}
	}
	if sealed != 9 || len(parts) != 8 || startAt == nil || startAt.ID != start.ID {
		t.Fatalf("the outsider holds %d entries of the conversation (%d announcement parts), want 9 (8)", sealed, len(parts))
	}
	at := func(e *store.Stored) message.Position {
		return message.Position{Author: seal.ID(e.Header.Author), LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
	}
	// Each key device opens one part, and with it the start.
	began = time.Now()
	for i, k := range keys {
		var c *message.Conversation
		for _, p := range parts {
			if got, err := message.OpenAnnouncement(seal.ID(k.device), k.dk, at(p), p.Payload); err == nil {
				c = got
				break
			}
		}
		if c == nil || c.ID() != id {
			t.Fatalf("key device %d opens no announcement part of the conversation", i)
		}
		o, err := message.Open(c, at(startAt), startAt.Payload)
		if err != nil || o.Msg.Text != text || len(o.Msg.Participants) != 101 || !slices.Contains(o.Msg.Participants, k.account) {
			t.Fatalf("key device %d opens the start: %+v, %v", i, o, err)
		}
	}
	t.Logf("%d key devices open the announcement and the start: %v", len(keys), time.Since(began))
	// The outsider lists nothing, and nothing it holds of the
	// conversation names a participant or holds the text.
	if list, err := outsider.Conversations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("the outsider lists %+v, %v", list, err)
	}
	var named [][]byte
	for _, r := range nodes {
		named = append(named, r.account[:], devKey(r))
	}
	for _, k := range keys {
		named = append(named, k.account[:], k.device[:])
	}
	for _, e := range append(parts, startAt) {
		for _, b := range named {
			if bytes.Contains(e.Payload, b) {
				t.Fatalf("an entry of the conversation names a recipient key %x in the clear", b[:8])
			}
		}
		if bytes.Contains(e.Payload, []byte(text)) {
			t.Fatal("the text is in the clear")
		}
	}
}
