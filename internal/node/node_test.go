package node_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/sqlite"
)

// stepClock returns a clock that starts at start and advances by step on
// every reading, so entries made in a test have distinct, known timestamps.
func stepClock(start time.Time, step time.Duration) func() time.Time {
	var n atomic.Int64
	return func() time.Time {
		return start.Add(time.Duration(n.Add(1)-1) * step)
	}
}

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// initNode creates a node in a fresh temporary home and closes it when the
// test ends.
func initNode(t *testing.T, o node.Options) (*node.Node, identity.Phrase) {
	t.Helper()
	if o.Now == nil {
		o.Now = stepClock(epoch, time.Second)
	}
	n, phrase, err := node.Init(t.TempDir(), o)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n, phrase
}

// allEntries returns every entry a node holds, log by log in seq order.
func allEntries(t *testing.T, n *node.Node) []*store.Stored {
	t.Helper()
	heads, err := n.Store().Heads(t.Context())
	if err != nil {
		t.Fatalf("Heads: %v", err)
	}
	var out []*store.Stored
	if err := n.EachEntry(t.Context(), heads, func(e *store.Stored) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatalf("EachEntry: %v", err)
	}
	return out
}

func heads(t *testing.T, n *node.Node) []store.Head {
	t.Helper()
	hs, err := n.Store().Heads(t.Context())
	if err != nil {
		t.Fatalf("Heads: %v", err)
	}
	return hs
}

func TestInitCreatesKeysAndOpenSeesSameIdentity(t *testing.T) {
	home := t.TempDir()
	n, phrase, err := node.Init(home, node.Options{DeviceName: "laptop"})
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	account, device := n.Account(), n.Device()
	if got := len(phrase.Words()); got != 24 {
		t.Errorf("phrase has %d words, want 24", got)
	}
	// The account is the one the phrase derives.
	ak, err := identity.AccountKeyFromPhrase(phrase, "")
	if err != nil {
		t.Fatal(err)
	}
	if ak.Public().Account() != account {
		t.Errorf("Account() = %s, want the phrase's account %s", account, ak.Public().Account())
	}
	if account.Key() == device.Key() {
		t.Error("account and device have the same key")
	}
	if n.Home() != home {
		t.Errorf("Home() = %q, want %q", n.Home(), home)
	}
	for _, name := range []string{"device.key", "account.key"} {
		fi, err := os.Stat(filepath.Join(home, "keys", name))
		if err != nil {
			t.Fatalf("key file: %v", err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("keys/%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	// The device certificate is stored and names the device.
	devs, err := n.Store().Devices(t.Context(), account.Key())
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Device != device.Key() || devs[0].Name != "laptop" || devs[0].Revoked {
		t.Errorf("Devices = %+v, want one unrevoked device %s named laptop", devs, device)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	n2, err := node.Open(home, node.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer n2.Close()
	if n2.Account() != account || n2.Device() != device {
		t.Errorf("Open sees account %s device %s, want %s %s", n2.Account(), n2.Device(), account, device)
	}
	if !node.Initialized(home) {
		t.Error("Initialized(home) = false after Init")
	}
}

func TestInitTwiceFails(t *testing.T) {
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acc := n.Account()
	n.Close()
	_, _, err = node.Init(home, node.Options{})
	if !errors.Is(err, node.ErrAlreadyInitialized) {
		t.Fatalf("second Init: err = %v, want ErrAlreadyInitialized", err)
	}
	// The existing account is untouched.
	n, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if n.Account() != acc {
		t.Errorf("account changed to %s after a failed Init, want %s", n.Account(), acc)
	}
}

func TestOpenUninitialised(t *testing.T) {
	home := t.TempDir()
	_, err := node.Open(home, node.Options{})
	if !errors.Is(err, node.ErrNotInitialized) {
		t.Fatalf("Open: err = %v, want ErrNotInitialized", err)
	}
	if !strings.Contains(err.Error(), "kith init") {
		t.Errorf("error %q does not mention 'kith init'", err)
	}
	if node.Initialized(home) {
		t.Error("Initialized(empty dir) = true")
	}
}

func TestHomeLock(t *testing.T) {
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = node.Open(home, node.Options{})
	if err == nil {
		t.Fatal("a second Open of a home that is open succeeded")
	}
	if !strings.Contains(err.Error(), "another kith process") {
		t.Errorf("error %q does not contain \"another kith process\"", err)
	}
	// Init on the locked home is refused too (it is initialised).
	if _, _, err := node.Init(home, node.Options{}); !errors.Is(err, node.ErrAlreadyInitialized) {
		t.Errorf("Init of an open home: err = %v, want ErrAlreadyInitialized", err)
	}
	n.Close()
	// Once closed, the home opens again.
	n2, err := node.Open(home, node.Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	n2.Close()
}

func TestPassphrase(t *testing.T) {
	home := t.TempDir()
	pass := []byte("correct horse battery staple")
	n, _, err := node.Init(home, node.Options{Passphrase: pass})
	if err != nil {
		t.Fatal(err)
	}
	account, device := n.Account(), n.Device()
	n.Close()

	_, err = node.Open(home, node.Options{})
	if !errors.Is(err, identity.ErrPassphraseRequired) {
		t.Errorf("Open without passphrase: err = %v, want ErrPassphraseRequired", err)
	}
	if err == nil || !strings.Contains(err.Error(), "--passphrase-file") || !strings.Contains(err.Error(), "KITH_PASSPHRASE") {
		t.Errorf("Open without passphrase: error %v does not mention --passphrase-file and KITH_PASSPHRASE", err)
	}

	_, err = node.Open(home, node.Options{Passphrase: []byte("wrong")})
	if !errors.Is(err, identity.ErrWrongPassphrase) {
		t.Errorf("Open with a wrong passphrase: err = %v, want ErrWrongPassphrase", err)
	}

	n, err = node.Open(home, node.Options{Passphrase: pass})
	if err != nil {
		t.Fatalf("Open with the passphrase: %v", err)
	}
	defer n.Close()
	if n.Account() != account || n.Device() != device {
		t.Errorf("Open sees %s %s, want %s %s", n.Account(), n.Device(), account, device)
	}
}

func TestRestore(t *testing.T) {
	a, phrase := initNode(t, node.Options{DeviceName: "old"})
	if _, err := a.Post(t.Context(), "written on the old device", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	var bundleA bytes.Buffer
	if _, err := a.Export(t.Context(), &bundleA, nil, nil); err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	b, err := node.Restore(home, phrase, node.Options{DeviceName: "new", Now: stepClock(epoch.Add(time.Hour), time.Second)})
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	if b.Account() != a.Account() {
		t.Errorf("restored account %s, want %s", b.Account(), a.Account())
	}
	if b.Device() == a.Device() {
		t.Errorf("restored device %s equals the old device", b.Device())
	}
	acc := a.Account().Key()
	devs, err := b.Store().Devices(t.Context(), acc)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Device != b.Device().Key() || devs[0].Name != "new" {
		t.Fatalf("Devices after Restore = %+v, want only the new device", devs)
	}
	// The certificate is the seq-1 entry of the device's cert log, authored
	// by the account.
	cert, err := b.Store().Get(t.Context(), devs[0].Cert)
	if err != nil {
		t.Fatalf("Get(cert): %v", err)
	}
	if cert.Header.Author != acc || cert.Header.Seq != 1 || cert.Header.LogID != content.DeviceCertLog(b.Device().Key()) || cert.Type != content.TypeDeviceAdd {
		t.Errorf("cert header = author %s seq %d log %s type %q", cert.Header.Author.Account(), cert.Header.Seq, cert.Header.LogID, cert.Type)
	}

	st, err := b.Import(t.Context(), &bundleA, nil)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if st.EntriesNew != 2 || st.EntriesRejected != 0 || st.EntriesForked != 0 {
		t.Errorf("Import = %+v, want 2 new (cert and post), nothing rejected or forked", st)
	}
	devs, err = b.Store().Devices(t.Context(), acc)
	if err != nil {
		t.Fatal(err)
	}
	got := map[identity.PublicKey]string{}
	for _, d := range devs {
		got[d.Device] = d.Name
	}
	want := map[identity.PublicKey]string{a.Device().Key(): "old", b.Device().Key(): "new"}
	if len(got) != 2 || got[a.Device().Key()] != "old" || got[b.Device().Key()] != "new" {
		t.Errorf("Devices after import = %v, want %v", got, want)
	}
	forks, err := b.Store().Forks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(forks) != 0 {
		t.Errorf("Forks = %+v, want none", forks)
	}
	// LogsOf(account) now covers both devices' logs: two cert logs and the
	// old device's public log.
	logs, err := b.LogsOf(t.Context(), acc)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 3 {
		t.Errorf("LogsOf(account) has %d logs, want 3: %+v", len(logs), logs)
	}
	// The restored device can publish; its public log starts at seq 1.
	e, err := b.Post(t.Context(), "written on the new device", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Header.Seq != 1 || e.Header.Author != b.Device().Key() {
		t.Errorf("first post on the restored device: seq %d author %s", e.Header.Seq, e.Header.Author.Device())
	}
}

// TestPhrasePassphrase checks that the BIP39 passphrase (the "25th word")
// is used: with it the phrase gives another account, and restoring gives
// the same account only with the same passphrase.
func TestPhrasePassphrase(t *testing.T) {
	a, phrase := initNode(t, node.Options{PhrasePassphrase: "twenty-fifth word"})
	withPass, err := identity.AccountKeyFromPhrase(phrase, "twenty-fifth word")
	if err != nil {
		t.Fatal(err)
	}
	without, err := identity.AccountKeyFromPhrase(phrase, "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Account() != withPass.Public().Account() {
		t.Fatalf("Init with a phrase passphrase made account %s, want %s", a.Account(), withPass.Public().Account())
	}
	restore := func(pp string) identity.AccountID {
		t.Helper()
		n, err := node.Restore(t.TempDir(), phrase, node.Options{PhrasePassphrase: pp})
		if err != nil {
			t.Fatalf("Restore(%q): %v", pp, err)
		}
		defer n.Close()
		return n.Account()
	}
	if got := restore(""); got == a.Account() || got != without.Public().Account() {
		t.Errorf("Restore without the phrase passphrase: account %s, want %s (not %s)", got, without.Public().Account(), a.Account())
	}
	if got := restore("another word"); got == a.Account() {
		t.Errorf("Restore with another phrase passphrase gave the same account %s", got)
	}
	if got := restore("twenty-fifth word"); got != a.Account() {
		t.Errorf("Restore with the same phrase passphrase: account %s, want %s", got, a.Account())
	}
}

// TestOpenStoreMissing checks that a home whose kith.db was deleted or
// replaced is not silently opened with an empty store, which would make the
// device start its logs again and fork them.
func TestOpenStoreMissing(t *testing.T) {
	home := t.TempDir()
	n, _, err := node.Init(home, node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Post(t.Context(), "before the loss", nil, entry.ID{}); err != nil {
		t.Fatal(err)
	}
	n.Close()
	db := filepath.Join(home, "kith.db")
	removeDB := func() {
		t.Helper()
		matches, _ := filepath.Glob(db + "*")
		for _, m := range matches {
			if err := os.Remove(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	backup := t.TempDir()
	matches, _ := filepath.Glob(db + "*")
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(backup, filepath.Base(m)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	removeDB()
	_, err = node.Open(home, node.Options{})
	if !errors.Is(err, node.ErrStoreMissing) {
		t.Fatalf("Open without kith.db: %v, want ErrStoreMissing", err)
	}
	for _, want := range []string{db + " does not exist", "fork", "backup", "kith init --restore", "kith import"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open created %s: %v", db, err)
	}
	// A fresh, empty store in its place: the certificate is missing.
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = node.Open(home, node.Options{})
	if !errors.Is(err, node.ErrStoreMissing) || !strings.Contains(err.Error(), "does not hold this device's certificate") {
		t.Fatalf("Open with an empty kith.db: %v, want ErrStoreMissing", err)
	}
	// Putting the backup back, as the message suggests, recovers; the failed
	// Opens released the home lock.
	removeDB()
	for _, m := range matches {
		b, err := os.ReadFile(filepath.Join(backup, filepath.Base(m)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(m, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err = node.Open(home, node.Options{})
	if err != nil {
		t.Fatalf("Open with the backup put back: %v", err)
	}
	defer n.Close()
	if got := len(allEntries(t, n)); got != 2 {
		t.Errorf("the restored store holds %d entries, want 2", got)
	}
}

func TestRestoreIntoInitialisedHomeFails(t *testing.T) {
	a, phrase := initNode(t, node.Options{})
	_, err := node.Restore(a.Home(), phrase, node.Options{})
	if !errors.Is(err, node.ErrAlreadyInitialized) {
		t.Fatalf("Restore into an initialised home: err = %v, want ErrAlreadyInitialized", err)
	}
}

func TestPublishChain(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ctx := t.Context()
	other, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	name, about := "Ada", "mathematician"

	var post *entry.Entry
	steps := []struct {
		name string
		typ  string
		do   func() (*entry.Entry, error)
	}{
		{"post", content.TypePost, func() (*entry.Entry, error) {
			e, err := n.Post(ctx, "hello, kith", nil, entry.ID{})
			post = e
			return e, err
		}},
		{"profile name", content.TypeProfile, func() (*entry.Entry, error) {
			e, _, err := n.SetProfile(ctx, node.ProfileUpdate{Name: &name})
			return e, err
		}},
		{"profile about", content.TypeProfile, func() (*entry.Entry, error) {
			e, p, err := n.SetProfile(ctx, node.ProfileUpdate{About: &about})
			if err == nil && (p.Name != name || p.About != about) {
				t.Errorf("SetProfile(about) returned %+v, want name %q kept", p, name)
			}
			return e, err
		}},
		{"follow", content.TypeFollow, func() (*entry.Entry, error) { return n.Follow(ctx, other.Public(), true) }},
		{"unfollow", content.TypeFollow, func() (*entry.Entry, error) { return n.Follow(ctx, other.Public(), false) }},
		{"block", content.TypeBlock, func() (*entry.Entry, error) { return n.Block(ctx, other.Public(), true) }},
		{"delete", content.TypeDelete, func() (*entry.Entry, error) { return n.Delete(ctx, post.ID) }},
	}
	var prev *entry.Entry
	var ids []entry.ID
	for i, s := range steps {
		e, err := s.do()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		h := e.Header
		if h.Seq != uint64(i+1) || h.Author != n.Device().Key() || h.LogID != entry.PublicLog {
			t.Errorf("%s: seq %d author %s log %s, want seq %d by the device in the public log", s.name, h.Seq, h.Author.Device(), h.LogID, i+1)
		}
		if prev == nil && !h.Backlink.IsZero() {
			t.Errorf("%s: seq 1 has backlink %s", s.name, h.Backlink)
		}
		if prev != nil && h.Backlink != prev.ID {
			t.Errorf("%s: backlink %s, want %s", s.name, h.Backlink, prev.ID)
		}
		prev = e
		ids = append(ids, e.ID)
	}

	pub := store.LogKey{Author: n.Device().Key(), LogID: entry.PublicLog}
	h, err := n.Store().Head(ctx, pub)
	if err != nil {
		t.Fatal(err)
	}
	if h.Seq != uint64(len(steps)) || h.ID != prev.ID || h.Forked || h.Ended {
		t.Errorf("head = %+v, want seq %d id %s", h, len(steps), prev.ID)
	}
	log, err := n.Store().Log(ctx, pub, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != len(steps) {
		t.Fatalf("log has %d entries, want %d", len(log), len(steps))
	}
	for i, e := range log {
		if e.ID != ids[i] {
			t.Errorf("log[%d] = %s, want %s", i, e.ID, ids[i])
		}
		wantType := steps[i].typ
		if i == 0 {
			wantType = "" // the deleted post's payload, and so its type, is gone
		}
		if e.Type != wantType {
			t.Errorf("log[%d] (%s) type %q, want %q", i, steps[i].name, e.Type, wantType)
		}
	}

	// The deleted post: header kept, payload dropped.
	got, err := n.Store().Get(ctx, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Deleted || got.Payload != nil {
		t.Errorf("deleted post: Deleted=%v payload=%q, want Deleted and no payload", got.Deleted, got.Payload)
	}

	// The latest profile has both fields.
	lp, err := n.Store().LatestProfile(ctx, n.Account().Key())
	if err != nil {
		t.Fatal(err)
	}
	if lp.ID != ids[2] {
		t.Errorf("LatestProfile = %s, want the second profile %s", lp.ID, ids[2])
	}
	p, err := content.Decode(lp.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if pr := p.(*content.Profile); pr.Name != name || pr.About != about || !pr.Image.IsZero() {
		t.Errorf("latest profile = %+v, want name %q about %q", pr, name, about)
	}

	// Follow and block name the other account.
	for i, want := range []content.Payload{
		&content.Follow{Account: other.Public().Account(), Following: true},
		&content.Follow{Account: other.Public().Account(), Following: false},
		&content.Block{Account: other.Public().Account(), Blocking: true},
		&content.Delete{Target: post.ID},
	} {
		wantBytes, err := content.Encode(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(log[3+i].Payload, wantBytes) {
			t.Errorf("log[%d] payload differs from %#v", 3+i, want)
		}
	}
}

func TestDeleteErrors(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ctx := t.Context()
	unknown := entry.ID{1, 2, 3}
	if _, err := n.Delete(ctx, unknown); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete(unknown): err = %v, want store.ErrNotFound", err)
	}
	// An entry by another author (here: the device certificate, written by
	// the account key) cannot be deleted by this device.
	devs, err := n.Store().Devices(ctx, n.Account().Key())
	if err != nil || len(devs) != 1 {
		t.Fatalf("Devices: %v %v", devs, err)
	}
	_, err = n.Delete(ctx, devs[0].Cert)
	if err == nil || !strings.Contains(err.Error(), "another device") {
		t.Errorf("Delete(cert): err = %v, want a refusal naming another device", err)
	}
	// Nothing was published.
	if _, err := n.Store().Head(ctx, store.LogKey{Author: n.Device().Key(), LogID: entry.PublicLog}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("public log head after failed deletes: err = %v, want ErrNotFound", err)
	}
}

// TestSetProfileSameInstant covers a clock that does not move (or moves
// back) between two profile updates of one device: the later update in the
// log must still be the latest profile.
func TestSetProfileSameInstant(t *testing.T) {
	clocks := []struct {
		name string
		now  func() time.Time
	}{
		{"frozen", func() time.Time { return epoch }},
		{"backwards", stepClock(epoch, -time.Second)},
	}
	for _, c := range clocks {
		t.Run(c.name, func(t *testing.T) {
			n, _ := initNode(t, node.Options{Now: c.now})
			ctx := t.Context()
			for i := range 4 {
				name, about := "name", "about"
				if i%2 == 0 {
					name += string(rune('0' + i))
					if _, _, err := n.SetProfile(ctx, node.ProfileUpdate{Name: &name}); err != nil {
						t.Fatal(err)
					}
				} else {
					about += string(rune('0' + i))
					if _, _, err := n.SetProfile(ctx, node.ProfileUpdate{About: &about}); err != nil {
						t.Fatal(err)
					}
				}
			}
			lp, err := n.Store().LatestProfile(ctx, n.Account().Key())
			if err != nil {
				t.Fatal(err)
			}
			p, err := content.Decode(lp.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if pr := p.(*content.Profile); pr.Name != "name2" || pr.About != "about3" {
				t.Errorf("latest profile = %+v, want name2/about3", pr)
			}
			if lp.Header.Seq != 4 {
				t.Errorf("latest profile is seq %d, want 4", lp.Header.Seq)
			}
			// Along the log, timestamps grow by at least 1 ms whatever the
			// clock says; the first entry has the clock's reading.
			log, err := n.Store().Log(ctx, store.LogKey{Author: n.Device().Key(), LogID: entry.PublicLog}, 1, 10)
			if err != nil || len(log) != 4 {
				t.Fatalf("Log: %d entries, %v", len(log), err)
			}
			first := log[0].Header.Timestamp
			if c.name == "frozen" && first != uint64(epoch.UnixMilli()) {
				t.Errorf("first timestamp %d, want the clock's %d", first, epoch.UnixMilli())
			}
			for i, e := range log {
				if e.Header.Timestamp != first+uint64(i) {
					t.Errorf("seq %d timestamp %d, want %d", e.Header.Seq, e.Header.Timestamp, first+uint64(i))
				}
			}
		})
	}
}

func TestPostReplyAndImages(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	ctx := t.Context()
	root, err := n.Post(ctx, "root", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	r1, err := n.Post(ctx, "reply", nil, root.ID)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := n.Post(ctx, "reply to reply", nil, r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		e             *entry.Entry
		replyTo, root entry.ID
	}{
		{r1, root.ID, entry.ID{}},
		{r2, r1.ID, root.ID},
	} {
		p, err := content.Decode(c.e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		post := p.(*content.Post)
		if post.ReplyTo != c.replyTo || post.Root != c.root {
			t.Errorf("post %q: reply_to %s root %s, want %s %s", post.Text, post.ReplyTo, post.Root, c.replyTo, c.root)
		}
	}
	missing := blob.Sum([]byte("not stored"))
	if _, err := n.Post(ctx, "with a missing image", []blob.ID{missing}, entry.ID{}); err == nil || !strings.Contains(err.Error(), "kith blob add") {
		t.Errorf("Post with an image not held: err = %v, want a message pointing at 'kith blob add'", err)
	}
}

// pngWithGPS returns a small PNG, and the same PNG with an eXIf chunk whose
// TIFF structure has a GPS IFD pointer (tag 0x8825), right after IHDR.
func pngWithGPS(t *testing.T) (plain, withGPS []byte) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 8, 6))
	for y := range 6 {
		for x := range 8 {
			img.Set(x, y, color.NRGBA{uint8(x * 30), uint8(y * 40), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	plain = buf.Bytes()

	// Little-endian TIFF: header, IFD0 at 8 with one entry (GPS IFD pointer
	// to 26), next IFD 0; the GPS IFD at 26 with no entries.
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	tiff = le.AppendUint16(tiff, 1)      // IFD0: one entry
	tiff = le.AppendUint16(tiff, 0x8825) // GPSInfo IFD pointer
	tiff = le.AppendUint16(tiff, 4)      // LONG
	tiff = le.AppendUint32(tiff, 1)      // count
	tiff = le.AppendUint32(tiff, 26)     // offset of the GPS IFD
	tiff = le.AppendUint32(tiff, 0)      // no next IFD
	tiff = le.AppendUint16(tiff, 0)      // GPS IFD: no entries
	tiff = le.AppendUint32(tiff, 0)
	if len(tiff) != 32 {
		t.Fatalf("TIFF is %d bytes, want 32", len(tiff))
	}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))

	const afterIHDR = 8 + 4 + 4 + 13 + 4
	if string(plain[12:16]) != "IHDR" {
		t.Fatalf("first chunk is %q, want IHDR", plain[12:16])
	}
	withGPS = append(append(append([]byte(nil), plain[:afterIHDR]...), chunk...), plain[afterIHDR:]...)
	if has, err := blob.HasLocation(bytes.NewReader(withGPS)); err != nil || !has {
		t.Fatalf("test image: HasLocation = %v, %v; want true", has, err)
	}
	if has, err := blob.HasLocation(bytes.NewReader(plain)); err != nil || has {
		t.Fatalf("plain image: HasLocation = %v, %v; want false", has, err)
	}
	return plain, withGPS
}

func readBlob(t *testing.T, n *node.Node, id blob.ID) []byte {
	t.Helper()
	rc, size, err := n.Blobs().Open(id)
	if err != nil {
		t.Fatalf("open blob %s: %v", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != size {
		t.Errorf("blob %s: read %d bytes, Open said %d", id, len(b), size)
	}
	return b
}

func TestAddBlobStripsLocation(t *testing.T) {
	plain, withGPS := pngWithGPS(t)
	cases := []struct {
		name         string
		publish      bool
		want         []byte
		wantStripped bool
		wantLocation bool
	}{
		{"publish", true, plain, true, false},
		{"keep", false, withGPS, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, _ := initNode(t, node.Options{})
			id, size, stripped, err := n.AddBlob(bytes.NewReader(withGPS), c.publish)
			if err != nil {
				t.Fatalf("AddBlob: %v", err)
			}
			if stripped != c.wantStripped {
				t.Errorf("stripped = %v, want %v", stripped, c.wantStripped)
			}
			if id != blob.Sum(c.want) || size != int64(len(c.want)) {
				t.Errorf("AddBlob = %s (%d bytes), want %s (%d bytes)", id, size, blob.Sum(c.want), len(c.want))
			}
			got := readBlob(t, n, id)
			if !bytes.Equal(got, c.want) {
				t.Errorf("stored %d bytes that differ from the expected %d", len(got), len(c.want))
			}
			has, err := blob.HasLocation(bytes.NewReader(got))
			if err != nil || has != c.wantLocation {
				t.Errorf("HasLocation(stored) = %v, %v; want %v", has, err, c.wantLocation)
			}
			if _, err := png.Decode(bytes.NewReader(got)); err != nil {
				t.Errorf("stored image does not decode: %v", err)
			}
		})
	}
}

func TestAddBlobPublishNonImage(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	data := []byte("plain text is stored as it is, even when published")
	id, size, stripped, err := n.AddBlob(bytes.NewReader(data), true)
	if err != nil || stripped || id != blob.Sum(data) || size != int64(len(data)) {
		t.Fatalf("AddBlob = %s %d %v %v", id, size, stripped, err)
	}
	if got := readBlob(t, n, id); !bytes.Equal(got, data) {
		t.Errorf("stored %q, want %q", got, data)
	}
}

func TestAddBlobMalformedImage(t *testing.T) {
	n, _ := initNode(t, node.Options{})
	_, withGPS := pngWithGPS(t)
	cut := withGPS[:len(withGPS)-20] // no IEND: malformed
	_, _, _, err := n.AddBlob(bytes.NewReader(cut), true)
	if !errors.Is(err, blob.ErrMalformedImage) {
		t.Fatalf("AddBlob(truncated PNG, publish): err = %v, want ErrMalformedImage", err)
	}
	count := 0
	if err := n.Blobs().List(func(blob.ID, int64) error { count++; return nil }); err != nil {
		t.Fatal(err)
	}
	if count != 0 {
		t.Errorf("%d blobs stored after a failed AddBlob, want 0", count)
	}
}
