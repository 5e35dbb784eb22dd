package node_test

import (
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// TestSpaceCreateWhileFollowing: with the network running, this device's
// own follow (its rescope runs under the append lock and asks for the
// spaces' log keys) races the creation of spaces (whose first epoch is
// announced under the keyring's lock, appending). Before spaceWants stopped
// waiting for the keyring, the two waited for each other for ever.
func TestSpaceCreateWhileFollowing(t *testing.T) {
	mn := newMockNet(t)
	a := mockNode(t, mn)
	b, _ := initNode(t, node.Options{})
	share(t, b, a)
	done := make(chan error, 2)
	stop := make(chan struct{})
	go func() {
		for i := 0; i < 10; i++ {
			if _, err := a.CreateSpace(t.Context(), "Garden", entry.ID{}, nil, []identity.PublicKey{acc(b)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() {
		for on := true; ; on = !on {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := a.Follow(t.Context(), acc(b), on); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		close(stop)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	case <-time.After(120 * time.Second):
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Fatalf("creating spaces while following did not end within 120 s: the node is deadlocked\n%s", stacks.String())
	}
}
