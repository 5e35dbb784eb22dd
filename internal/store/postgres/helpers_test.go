package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// chain signs one log's entries for the tests of this package.
type chain struct {
	key identity.PrivateKey
	log entry.LogID
	es  []*entry.Entry
}

func newChain(t testing.TB, n int) *chain {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, fmt.Sprintf("postgres test key %d", n))
	k, err := identity.KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return &chain{key: k, log: entry.PublicLog}
}

func (c *chain) logKey() store.LogKey { return store.LogKey{Author: c.key.Public(), LogID: c.log} }

// at signs the entry at seq following the chain's entry seq-1, with text.
func (c *chain) at(t testing.TB, seq uint64, text string) *entry.Entry {
	t.Helper()
	var back entry.ID
	if seq > 1 {
		back = c.es[seq-2].ID
	}
	pl, err := content.Encode(&content.Post{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	e, err := entry.Sign(c.key, entry.Draft{LogID: c.log, Seq: seq, Backlink: back, Timestamp: 1_700_000_000_000 + seq, Payload: pl})
	if err != nil {
		t.Fatal(err)
	}
	f, err := entry.Parse(e.Raw, e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// posts adds n posts to the chain and returns them.
func (c *chain) posts(t testing.TB, n int) []*entry.Entry {
	t.Helper()
	out := make([]*entry.Entry, n)
	for i := range out {
		e := c.at(t, uint64(len(c.es)+1), fmt.Sprintf("post %d", len(c.es)+1))
		c.es = append(c.es, e)
		out[i] = e
	}
	return out
}

func mustIngest(t testing.TB, s store.Store, es ...*entry.Entry) []store.Result {
	t.Helper()
	rs, err := s.Ingest(context.Background(), es)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func pubBytes(k identity.PublicKey) []byte { return k[:] }
