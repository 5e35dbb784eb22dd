package browserpeer

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// webKey stands for the page's WebCrypto X25519 key: it answers only
// Diffie-Hellman values, and counts them.
type webKey struct {
	priv  *ecdh.PrivateKey
	mu    sync.Mutex
	calls int
}

func (k *webKey) PublicKey() *ecdh.PublicKey { return k.priv.PublicKey() }
func (k *webKey) Curve() ecdh.Curve          { return ecdh.X25519() }
func (k *webKey) ECDH(pub *ecdh.PublicKey) ([]byte, error) {
	k.mu.Lock()
	k.calls++
	k.mu.Unlock()
	return k.priv.ECDH(pub)
}

func (k *webKey) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls
}

// writer is a device of an account writing its entries by hand, as its
// node would.
type writer struct {
	t     *testing.T
	acc   identity.PrivateKey
	dev   identity.PrivateKey
	heads map[entry.LogID]*entry.Entry
	es    []*entry.Entry // everything written, in order
}

func newWriter(t *testing.T, name string) *writer {
	w := &writer{t: t, acc: key(t, name+"/account"), dev: key(t, name+"/device"), heads: map[entry.LogID]*entry.Entry{}}
	cert, err := content.NewDeviceCert(w.acc, w.dev, name+"'s laptop", 1)
	if err != nil {
		t.Fatal(err)
	}
	w.es = append(w.es, cert)
	return w
}

// write appends the payload build makes for the next seq of log.
func (w *writer) write(log entry.LogID, build func(seq uint64) []byte) *entry.Entry {
	w.t.Helper()
	d := entry.Draft{LogID: log, Seq: 1, Timestamp: 1}
	if h := w.heads[log]; h != nil {
		d.Seq, d.Backlink = h.Header.Seq+1, h.ID
	}
	d.Payload = build(d.Seq)
	e, err := entry.Sign(w.dev, d)
	if err != nil {
		w.t.Fatal(err)
	}
	w.heads[log], w.es = e, append(w.es, e)
	return e
}

func (w *writer) space(log entry.LogID, p space.Payload) *entry.Entry {
	b, err := space.Encode(p)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.write(log, func(uint64) []byte { return b })
}

func (w *writer) keys(id entry.ID, parts [][]byte) {
	for _, p := range parts {
		w.write(space.KeysLog(id), func(uint64) []byte { return p })
	}
}

func (w *writer) post(id entry.ID, ep *seal.Epoch, text string, refs []entry.ID) *entry.Entry {
	body, err := space.EncodeContent(&space.Post{Text: text, Refs: refs})
	if err != nil {
		w.t.Fatal(err)
	}
	log := entry.LogID(seal.LogID(ep.LogKey, seal.ID(w.dev.Public())))
	return w.write(log, func(seq uint64) []byte {
		b, err := seal.Seal(id, ep, seal.Position{Author: seal.ID(w.dev.Public()), LogID: seal.ID(log), Seq: seq}, 1_700_000_000_000+seq, body)
		if err != nil {
			w.t.Fatal(err)
		}
		return b
	})
}

func (w *writer) sealKey() seal.Recipient {
	dk, err := seal.DeviceDecryptionKey(w.dev.Seed(), seal.KEMHybrid, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return seal.Recipient{Device: seal.ID(w.dev.Public()), Key: dk.Public()}
}

// load gives the peer what w wrote since the last load.
func (w *writer) load(p *Peer, from *int) {
	w.t.Helper()
	if err := p.Load(w.t.Context(), w.es[*from:]); err != nil {
		w.t.Fatal(err)
	}
	*from = len(w.es)
}

func statuses(v SpaceView) (st, texts []string) {
	for _, m := range v.Posts {
		st = append(st, m.Status)
		if m.Status == SpaceReadable {
			texts = append(texts, m.Text)
		}
	}
	return st, texts
}

// TestBrowserReadsSpace: a browser whose decryption key is held outside
// Go (a WebCrypto X25519 key) publishes it; an admin's device (written by
// hand here, as its node would) creates a space, posts, adds the
// browser's account, gives it the current epoch and posts again; the
// browser reads both posts by their author's name, and a replayed
// payload as not decrypted. A space it is not in is not listed, an
// announcement by a device that is no admin is never tried, and after
// its removal the browser reads nothing sealed under the new epoch while
// the earlier posts stay readable.
func TestBrowserReadsSpace(t *testing.T) {
	ctx := t.Context()
	var kept keptLog
	bea, beaAcc := newPeer(t, "bea", &kept)
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	wk := &webKey{priv: priv}
	if _, err := bea.PublishSealKey(ctx); !errors.Is(err, ErrNoSealKey) {
		t.Fatalf("publishing without a key: %v, want ErrNoSealKey", err)
	}
	dk, err := seal.NewHeldDecryptionKey(wk)
	if err != nil {
		t.Fatal(err)
	}
	bea.SetSealKey(dk)
	for i, want := range []bool{true, false} {
		if got, err := bea.PublishSealKey(ctx); err != nil || got != want {
			t.Fatalf("PublishSealKey #%d: %v %v, want %v", i+1, got, err, want)
		}
	}
	cur, ok, err := bea.currentSealKey(ctx, bea.Device())
	if err != nil || !ok || cur.Rotation != 0 || cur.Key.KEM != seal.KEMX25519 || !slices.Equal(cur.Key.Key, priv.PublicKey().Bytes()) {
		t.Fatalf("the published key: %+v %v %v", cur, ok, err)
	}

	ann, cai := newWriter(t, "ann"), newWriter(t, "cai")
	prof, err := content.Encode(&content.Profile{Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	ann.write(entry.PublicLog, func(uint64) []byte { return prof })
	c, err := space.NewCreate("Garden", entry.ID{}, []identity.PublicKey{ann.acc.Public()}, []identity.PublicKey{cai.acc.Public()})
	if err != nil {
		t.Fatal(err)
	}
	garden := ann.space(space.FoundLog, c).ID
	ep, parts, err := seal.NewEpoch(seal.ID(garden), seal.ID(ann.dev.Public()), nil, [32]byte{}, []seal.Recipient{ann.sealKey()})
	if err != nil {
		t.Fatal(err)
	}
	ann.keys(garden, parts)
	first := ann.post(garden, ep, "Tomatoes need water on Friday.", nil)
	add := ann.space(entry.LogID(garden), &space.Add{Space: garden, Account: beaAcc.Public(), Role: space.Member})
	more, err := seal.Wrap(seal.ID(garden), ep, []seal.Recipient{{Device: seal.ID(bea.Device()), Key: dk.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	ann.keys(garden, more)
	ann.post(garden, ep, "Bea, the shed key is under the blue pot.", []entry.ID{add.ID})
	// The first post's payload again at the next seq: a replay.
	contentLog := entry.LogID(seal.LogID(ep.LogKey, seal.ID(ann.dev.Public())))
	ann.write(contentLog, func(uint64) []byte { return first.Payload })

	// A space Bea is not in.
	c2, err := space.NewCreate("Secret plans", entry.ID{}, []identity.PublicKey{ann.acc.Public()}, []identity.PublicKey{cai.acc.Public()})
	if err != nil {
		t.Fatal(err)
	}
	secret := ann.space(space.FoundLog, c2).ID
	ep2, parts2, err := seal.NewEpoch(seal.ID(secret), seal.ID(ann.dev.Public()), nil, [32]byte{}, []seal.Recipient{ann.sealKey()})
	if err != nil {
		t.Fatal(err)
	}
	ann.keys(secret, parts2)
	ann.post(secret, ep2, "The surprise party is on the 12th.", nil)

	var annFrom, caiFrom int
	ann.load(bea, &annFrom)
	cai.load(bea, &caiFrom)
	vs, err := bea.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].ID != garden || vs[0].Name != "Garden" || vs[0].Role != space.Member || vs[0].Note != "" {
		t.Fatalf("spaces: %+v, want Garden alone, Bea a member, readable", vs)
	}
	st, texts := statuses(vs[0])
	if want := []string{SpaceReadable, SpaceReadable, SpaceNotDecrypted}; !slices.Equal(st, want) {
		t.Fatalf("statuses %q, want %q", st, want)
	}
	if want := []string{"Tomatoes need water on Friday.", "Bea, the shed key is under the blue pot."}; !slices.Equal(texts, want) {
		t.Fatalf("texts %q, want %q", texts, want)
	}
	if p := vs[0].Posts[0]; p.AccountName != "Ann" || p.DeviceName != "ann's laptop" || p.Account != ann.acc.Public() || p.TimeMs != 1_700_000_000_001 {
		t.Fatalf("the first post: %+v, want Ann on ann's laptop at the time sealed inside", p)
	}
	if wk.count() == 0 {
		t.Fatal("the held key was never asked: what opened the epoch?")
	}
	// The scope wants the space's logs of the named accounts' devices.
	if err := bea.KeepSpaces(ctx); err != nil {
		t.Fatal(err)
	}
	sc := scope{bea}
	for _, c := range []struct {
		log  store.LogKey
		want bool
	}{
		{store.LogKey{Author: cai.dev.Public(), LogID: entry.LogID(garden)}, true},
		{store.LogKey{Author: cai.dev.Public(), LogID: space.KeysLog(garden)}, true},
		{store.LogKey{Author: cai.dev.Public(), LogID: entry.LogID(seal.LogID(ep.LogKey, seal.ID(cai.dev.Public())))}, true},
		{store.LogKey{Author: cai.dev.Public(), LogID: entry.PublicLog}, true},
		{store.LogKey{Author: cai.acc.Public(), LogID: content.DeviceCertLog(cai.dev.Public())}, true},
		{store.LogKey{Author: cai.dev.Public(), LogID: entry.LogID(secret)}, false},
		{store.LogKey{Author: cai.dev.Public(), LogID: space.FoundLog}, false},
	} {
		if got := sc.Wants(c.log); got != c.want {
			t.Errorf("Wants(%x…, log %x…) = %v, want %v", c.log.Author[:4], c.log.LogID[:4], got, c.want)
		}
	}

	// Cai, a member but no admin, announces an epoch wrapped to Bea: never
	// tried.
	bogus, bparts, err := seal.NewEpoch(seal.ID(garden), seal.ID(cai.dev.Public()), []seal.ID{ep.ID}, ep.LogKey, []seal.Recipient{{Device: seal.ID(bea.Device()), Key: dk.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	cai.keys(garden, bparts)
	cai.load(bea, &caiFrom)
	asked := wk.count()
	if _, err := bea.Spaces(ctx); err != nil {
		t.Fatal(err)
	}
	ring(bea, garden, func(r *seal.Keyring) {
		if wk.count() != asked || r.Get(bogus.ID) != nil || r.Known(bogus.ID) {
			t.Fatalf("a member's announcement was tried (%d more Diffie-Hellman values) or learnt", wk.count()-asked)
		}
	})

	// Ann removes Bea and starts an epoch without her.
	rm := ann.space(entry.LogID(garden), &space.Remove{Space: garden, Account: beaAcc.Public()})
	ep3, parts3, err := seal.NewEpoch(seal.ID(garden), seal.ID(ann.dev.Public()), []seal.ID{ep.ID}, ep.LogKey, []seal.Recipient{ann.sealKey()})
	if err != nil {
		t.Fatal(err)
	}
	ann.keys(garden, parts3)
	ann.post(garden, ep3, "After Bea left: the new code is 4711.", []entry.ID{rm.ID})
	ann.load(bea, &annFrom)
	vs, err = bea.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Role != 0 {
		t.Fatalf("after the removal: %+v, want Garden with Bea no longer a member", vs)
	}
	st, texts = statuses(vs[0])
	if want := []string{SpaceReadable, SpaceReadable, SpaceNotDecrypted, SpaceUnknownEpoch}; !slices.Equal(st, want) {
		t.Fatalf("after the removal: statuses %q, want %q", st, want)
	}
	if len(texts) != 2 || strings.Contains(strings.Join(texts, " "), "4711") {
		t.Fatalf("after the removal the browser reads %q", texts)
	}
	if d := vs[0].Posts[3].Detail; !strings.Contains(d, "after your account left or was removed") {
		t.Fatalf("the sealed post says %q", d)
	}
	ring(bea, garden, func(r *seal.Keyring) {
		if r.Get(ep3.ID) != nil || !r.Known(ep3.ID) {
			t.Fatal("the browser holds the epoch made after its removal, or does not know of it")
		}
	})
}

// ring returns the peer's keyring of a space, read under its lock.
func ring(p *Peer, id entry.ID, fn func(*seal.Keyring)) {
	p.sp.mu.Lock()
	defer p.sp.mu.Unlock()
	fn(p.sp.rings[id].ring)
}
