package store_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/store/mem"
	"github.com/kithnet/kith/internal/store/sqlite"
)

var update = flag.Bool("update", false, "rewrite testdata/revocation-vectors.json")

const revocationVectors = "testdata/revocation-vectors.json"

// The revocation vectors (doc/protocol/payloads.md §6.1): signed entries
// and, per case, which entries of the revoked device stay valid.
type revVectorFile struct {
	Description string         `json:"description"`
	Entries     []revVectorEnt `json:"entries"`
	Cases       []revCase      `json:"cases"`
}

type revVectorEnt struct {
	Name    string `json:"name"`
	Header  string `json:"header"`  // hex of the signed header
	Payload string `json:"payload"` // hex
}

type revCase struct {
	Name    string   `json:"name"`
	Deliver []string `json:"deliver"` // in seq order per log; revocations may move
	Valid   []string `json:"valid"`   // the revoked device's entries that stay
	Invalid []string `json:"invalid"` // the revoked device's entries refused or dropped
}

func vecKey(t *testing.T, name string) identity.PrivateKey {
	seed := make([]byte, 32)
	copy(seed, "revocation vector "+name)
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// buildRevocationVectors signs the vector entries from fixed keys.
func buildRevocationVectors(t *testing.T) revVectorFile {
	acc, dev, other := vecKey(t, "account"), vecKey(t, "device"), vecKey(t, "other")
	f := revVectorFile{Description: "doc/protocol/payloads.md §6.1: which entries of a revoked device stay valid. " +
		"Entries are signed headers and payloads in hex; each case delivers the named entries (each log in seq order) " +
		"and lists the revoked device's entries that stay valid and those that are invalid (refused or dropped)."}
	byName := map[string]*entry.Entry{}
	add := func(name string, e *entry.Entry) *entry.Entry {
		byName[name] = e
		f.Entries = append(f.Entries, revVectorEnt{Name: name, Header: hex.EncodeToString(e.Raw), Payload: hex.EncodeToString(e.Payload)})
		return e
	}
	sign := func(k identity.PrivateKey, log entry.LogID, prev *entry.Entry, p content.Payload, flags entry.Flags) *entry.Entry {
		b, err := content.Encode(p)
		if err != nil {
			t.Fatal(err)
		}
		d := entry.Draft{LogID: log, Seq: 1, Timestamp: 1_700_000_000_000, Payload: b, Flags: flags}
		if prev != nil {
			d.Seq, d.Backlink, d.Timestamp = prev.Header.Seq+1, prev.ID, prev.Header.Timestamp+1
		}
		e, err := entry.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	cert, err := content.NewDeviceCert(acc, dev, "phone", 1_700_000_000_000)
	if err != nil {
		t.Fatal(err)
	}
	add("cert", cert)
	village := entry.LogID{31: 0x42}
	var prev *entry.Entry
	for i := 1; i <= 4; i++ {
		prev = add(fmt.Sprintf("pub%d", i), sign(dev, entry.PublicLog, prev, &content.Post{Text: fmt.Sprintf("post %d", i)}, 0))
	}
	prev = nil
	for i := 1; i <= 2; i++ {
		prev = add(fmt.Sprintf("vil%d", i), sign(dev, village, prev, &content.Post{Text: fmt.Sprintf("village %d", i)}, 0))
	}
	prev = nil
	for i := 1; i <= 3; i++ {
		prev = add(fmt.Sprintf("other%d", i), sign(other, entry.PublicLog, prev, &content.Post{Text: fmt.Sprintf("other %d", i)}, 0))
	}
	at := func(e *entry.Entry) content.KeptHead {
		return content.KeptHead{ID: e.ID, KeptAt: content.KeptAt{LogID: e.Header.LogID, Seq: e.Header.Seq}}
	}
	revoke := func(name string, prev *entry.Entry, end bool, keep ...content.KeptHead) {
		slices.SortFunc(keep, func(a, b content.KeptHead) int { return bytes.Compare(a.ID[:], b.ID[:]) })
		r := &content.DeviceRevoke{Device: dev.Public().Device()}
		for _, k := range keep {
			r.Keep, r.KeepAt = append(r.Keep, k.ID), append(r.KeepAt, k.KeptAt)
		}
		var flags entry.Flags
		if end {
			flags = entry.FlagEndOfLog
		}
		add(name, sign(acc, cert.Header.LogID, prev, r, flags))
	}
	revoke("revoke-keep-pub2", cert, true, at(byName["pub2"]))
	revoke("revoke-none", cert, true)
	revoke("revoke-keep-pub4-vil2", cert, false, at(byName["pub4"]), at(byName["vil2"]))
	revoke("revoke-then-keep-pub2", byName["revoke-keep-pub4-vil2"], true, at(byName["pub2"]))
	revoke("revoke-foreign-head", cert, true, content.KeptHead{ID: byName["other3"].ID, KeptAt: content.KeptAt{LogID: entry.PublicLog, Seq: 3}})
	// A stranger's "revocation" of the device, in a log of its own whose
	// seq 1 is no certificate.
	stranger := vecKey(t, "stranger")
	s1 := add("stranger-1", sign(stranger, cert.Header.LogID, nil, &content.Post{Text: "not a certificate"}, 0))
	add("stranger-revoke", sign(stranger, cert.Header.LogID, s1, &content.DeviceRevoke{Device: dev.Public().Device()}, 0))

	devEntries := []string{"pub1", "pub2", "pub3", "pub4", "vil1", "vil2"}
	base := append([]string{"cert"}, devEntries...)
	f.Cases = []revCase{
		{Name: "keep the public log up to seq 2", Deliver: append(slices.Clone(base), "revoke-keep-pub2"),
			Valid: []string{"pub1", "pub2"}, Invalid: []string{"pub3", "pub4", "vil1", "vil2"}},
		{Name: "no keep", Deliver: append(slices.Clone(base), "revoke-none"),
			Invalid: devEntries},
		{Name: "two revocations keep what both keep", Deliver: append(slices.Clone(base), "revoke-keep-pub4-vil2", "revoke-then-keep-pub2"),
			Valid: []string{"pub1", "pub2"}, Invalid: []string{"pub3", "pub4", "vil1", "vil2"}},
		{Name: "a kept head naming another device's entry", Deliver: append(slices.Clone(base), "other1", "other2", "other3", "revoke-foreign-head"),
			Valid: []string{"pub1", "pub2", "other1", "other2", "other3"}, Invalid: []string{"pub3", "pub4", "vil1", "vil2"}},
		{Name: "a stranger's revocation has no effect", Deliver: append(slices.Clone(base), "stranger-1", "stranger-revoke"),
			Valid: devEntries},
	}
	return f
}

func TestRevocationVectors(t *testing.T) {
	f := buildRevocationVectors(t)
	got, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(revocationVectors, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(revocationVectors)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date; if the change is intended, run: go test ./internal/store -run TestRevocationVectors -update", revocationVectors)
	}
	// Check the file as read, not as built.
	var read revVectorFile
	if err := json.Unmarshal(want, &read); err != nil {
		t.Fatal(err)
	}
	checkRevocationVectors(t, read)
}

func checkRevocationVectors(t *testing.T, f revVectorFile) {
	ents := map[string]*entry.Entry{}
	for _, v := range f.Entries {
		h, err1 := hex.DecodeString(v.Header)
		p, err2 := hex.DecodeString(v.Payload)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		e, err := entry.Parse(h, p)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		ents[v.Name] = e
	}
	backends := map[string]func(t *testing.T) store.Store{
		"mem": func(*testing.T) store.Store { return mem.New() },
		"sqlite": func(t *testing.T) store.Store {
			s, err := sqlite.Open(filepath.Join(t.TempDir(), "kith.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	isRevoke := func(name string) bool {
		typ, err := content.PeekType(ents[name].Payload)
		return err == nil && typ == content.TypeDeviceRevoke && ents[name].Header.Author != ents["stranger-1"].Header.Author
	}
	for _, c := range f.Cases {
		// As listed; every revocation right after the certificate (first);
		// and as listed, which puts them last.
		var revs, rest []string
		for _, n := range c.Deliver {
			if isRevoke(n) {
				revs = append(revs, n)
			} else {
				rest = append(rest, n)
			}
		}
		first := append([]string{rest[0]}, revs...)
		first = append(first, rest[1:]...)
		orders := map[string][]string{"revocations last": c.Deliver, "revocations first": first}
		for bn, open := range backends {
			for on, order := range orders {
				t.Run(fmt.Sprintf("%s/%s/%s", c.Name, bn, on), func(t *testing.T) {
					s := open(t)
					defer s.Close()
					ctx := context.Background()
					for _, n := range order {
						if _, err := s.Append(ctx, ents[n]); err != nil {
							t.Fatalf("%s: %v", n, err)
						}
					}
					for _, n := range c.Valid {
						if _, err := s.Get(ctx, ents[n].ID); err != nil {
							t.Errorf("%s: %v, want it valid and held", n, err)
						}
					}
					for _, n := range c.Invalid {
						if _, err := s.Get(ctx, ents[n].ID); !errors.Is(err, store.ErrNotFound) {
							t.Errorf("%s: held (%v), want it invalid", n, err)
						}
					}
				})
			}
		}
	}
}
