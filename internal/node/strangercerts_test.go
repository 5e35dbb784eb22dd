package node

import (
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The cache holds at most its bound, dropping the least recently used.
func TestCertCacheBounded(t *testing.T) {
	c := certCache{max: 3}
	dev := func(i byte) identity.PublicKey { return identity.PublicKey{i} }
	cert := func(i byte) *entry.Entry {
		return &entry.Entry{Header: entry.Header{Author: identity.PublicKey{100 + i}}}
	}
	for i := byte(1); i <= 3; i++ {
		c.put(dev(i), cert(i))
	}
	if a, ok := c.account(dev(1)); !ok || a != (identity.PublicKey{101}) { // 1 is now the most recent
		t.Fatalf("account(1) = %v, %v", a, ok)
	}
	c.put(dev(4), cert(4)) // drops 2, the least recently used
	if got := c.len(); got != 3 {
		t.Fatalf("len = %d, want 3", got)
	}
	for i, want := range map[byte]bool{1: true, 2: false, 3: true, 4: true} {
		if _, ok := c.account(dev(i)); ok != want {
			t.Errorf("device %d cached = %v, want %v", i, ok, want)
		}
	}
	taken := c.take(func(d identity.PublicKey, _ *entry.Entry) bool { return d == dev(3) })
	if len(taken) != 1 || taken[0].device != dev(3) || c.len() != 2 {
		t.Fatalf("take(3) = %v, len %d; want device 3, len 2", taken, c.len())
	}
	var zero certCache
	for i := range MaxStrangerCerts + 10 {
		zero.put(identity.PublicKey{byte(i), byte(i >> 8)}, cert(0))
	}
	if got := zero.len(); got != MaxStrangerCerts {
		t.Fatalf("zero-value cache holds %d, want MaxStrangerCerts = %d", got, MaxStrangerCerts)
	}
}
