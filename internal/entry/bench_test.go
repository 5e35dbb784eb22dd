package entry

import (
	"encoding/hex"
	"testing"
)

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

func benchEntry(b *testing.B) *Entry {
	k := testKey(b, 9)
	return mustSign(b, k, Draft{Seq: 12345, Backlink: ID{1}, Timestamp: 1_700_000_000_000, Payload: make([]byte, 200)})
}

func BenchmarkEncode(b *testing.B) {
	e := benchEntry(b)
	buf := make([]byte, 0, MaxHeaderSize)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.Header.AppendSigned(buf[:0])
	}
}

func BenchmarkDecode(b *testing.B) {
	e := benchEntry(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeHeader(e.Raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := testKey(b, 9)
	payload := make([]byte, 200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(k, Draft{Seq: 1, Timestamp: 1, Payload: payload}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	e := benchEntry(b)
	e.sigOK = false
	b.ReportAllocs()
	for b.Loop() {
		if !e.Verify() {
			b.Fatal("invalid")
		}
	}
}

// BenchmarkVerifyBatch reports ns per entry for batches of 1024 entries.
func BenchmarkVerifyBatch(b *testing.B) {
	k := testKey(b, 9)
	es := make([]*Entry, 1024)
	var prev ID
	for i := range es {
		es[i] = mustSign(b, k, Draft{Seq: uint64(i + 1), Backlink: prev, Payload: make([]byte, 100)})
		prev = es[i].ID
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(es) {
		for _, e := range es {
			e.sigOK = false // measure the verification, not the cache
		}
		for _, ok := range VerifyBatch(es) {
			if !ok {
				b.Fatal("invalid")
			}
		}
	}
}
