package entry

import (
	"sync"
	"testing"
)

// Several goroutines working on one job verify every entry exactly as a
// single VerifyBatch would: valid ones marked, forged ones not.
func TestVerifyJobShared(t *testing.T) {
	k := testKey(t, 9)
	const n = 3*batchMax + 17
	es := make([]*Entry, n)
	forged := map[int]bool{0: true, batchMax: true, n - 1: true}
	var prev ID
	for i := range es {
		e := mustSign(t, k, Draft{Seq: uint64(i + 1), Backlink: prev, Payload: []byte{byte(i)}})
		prev = e.ID
		raw := e.Raw
		if forged[i] {
			h := e.Header
			h.Signature[3] ^= 1
			raw = h.AppendSigned(nil)
		}
		var err error
		if es[i], err = Parse(raw, e.Payload); err != nil {
			t.Fatal(err)
		}
	}
	j := NewVerifyJob(es)
	if got := j.Entries(); len(got) != n || &got[0] != &es[0] {
		t.Fatalf("Entries: %d entries, want the %d given", len(got), n)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); j.Work() }()
	}
	j.Finish()
	wg.Wait()
	for i, e := range es {
		if e.SignatureVerified() == forged[i] {
			t.Errorf("entry %d: verified %v, forged %v", i, e.SignatureVerified(), forged[i])
		}
	}
	if got := j.next.Load(); got < j.n {
		t.Fatalf("only %d of %d chunks claimed", got, j.n)
	}
	if j.n != 4 {
		t.Fatalf("%d chunks, want 4", j.n)
	}
}

// A job of no entries has no chunks: Finish returns at once.
func TestVerifyJobEmpty(t *testing.T) {
	j := NewVerifyJob(nil)
	j.Finish()
	if j.n != 0 || len(j.Entries()) != 0 {
		t.Fatalf("%d chunks of %d entries, want none", j.n, len(j.Entries()))
	}
}
