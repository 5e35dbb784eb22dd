package node

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kithnet/kith/internal/identity"
)

// Callers that ask for the same peer's certificate while an exchange runs
// share it; a later caller starts a new one.
func TestCertRequestsShareOneExchange(t *testing.T) {
	var c certRequests
	peer := identity.PublicKey{1}
	release := make(chan struct{})
	var fetches atomic.Int32
	fetch := func() (identity.PublicKey, error) {
		fetches.Add(1)
		<-release
		return identity.PublicKey{2}, errors.New("no certificate")
	}
	const callers = 5
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.do(peer, fetch)
		}()
	}
	// Release the exchange once every other caller waits for it.
	for {
		c.mu.Lock()
		joined := c.joined
		c.mu.Unlock()
		if joined == callers-1 {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d exchanges for %d concurrent callers, want 1", n, callers)
	}
	for i, err := range errs {
		if err == nil || err.Error() != "no certificate" {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	// Another peer, and the same peer later, get exchanges of their own.
	before := fetches.Load()
	if _, err := c.do(identity.PublicKey{3}, fetch); err == nil {
		t.Error("want the fetch's error")
	}
	if _, err := c.do(peer, fetch); err == nil {
		t.Error("want the fetch's error")
	}
	if got := fetches.Load() - before; got != 2 {
		t.Errorf("%d exchanges after the first ended, want 2", got)
	}
}
