package node

import (
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Two stages working on one job verify every entry exactly as a single
// VerifyBatch would: valid ones marked, forged ones not.
func TestVerifyJobShared(t *testing.T) {
	k, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 3*verifyChunk + 17
	es := make([]*entry.Entry, n)
	forged := map[int]bool{0: true, verifyChunk: true, n - 1: true}
	var prev entry.ID
	for i := range es {
		e, err := entry.Sign(k, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Payload: []byte{byte(i)}})
		if err != nil {
			t.Fatal(err)
		}
		prev = e.ID
		raw := e.Raw
		if forged[i] {
			h := e.Header
			h.Signature[3] ^= 1
			raw = h.AppendSigned(nil)
		}
		if es[i], err = entry.Parse(raw, e.Payload); err != nil {
			t.Fatal(err)
		}
	}
	j := newVerifyJob(es)
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); j.work() }()
	}
	j.finish()
	wg.Wait()
	for i, e := range es {
		if e.SignatureVerified() == forged[i] {
			t.Errorf("entry %d: verified %v, forged %v", i, e.SignatureVerified(), forged[i])
		}
	}
	if got := j.next.Load(); got < j.n {
		t.Fatalf("only %d of %d chunks claimed", got, j.n)
	}
}
