package node

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
)

// countReads makes b count the times it reads its file.
func countReads(b *inviteBook) *atomic.Int64 {
	var n atomic.Int64
	b.readFile = func(path string) ([]byte, error) {
		n.Add(1)
		return os.ReadFile(path)
	}
	return &n
}

// Guesses are answered from memory: the book reads invites.json once,
// and again only when the file changed.
func TestInviteBookReadsTheFileOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), inviteFile)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var live, later [invite.SecretSize]byte
	live[0], later[0] = 1, 2
	if err := newInviteBook(path).add(live, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	b := newInviteBook(path) // a restarted node
	reads := countReads(b)
	for i := range 1000 {
		var wrong [invite.SecretSize]byte
		wrong[0], wrong[1] = 9, byte(i)
		if st, known := b.peek(wrong, now); st != invite.UnknownSecret || known {
			t.Fatalf("guess %d: %v (known %v), want unknown", i, st, known)
		}
	}
	if st, known := b.peek(live, now); st != invite.Accepted || !known {
		t.Fatalf("the live invite: %v (known %v)", st, known)
	}
	if got := reads.Load(); got != 1 {
		t.Fatalf("1001 checks read the file %d times, want 1", got)
	}
	// Using an invite writes the file; the book does not read it back.
	if st := b.use(live, identity.AccountID{7}, now); st != invite.Accepted {
		t.Fatalf("use: %v", st)
	}
	if st, known := b.peek(live, now); st != invite.UnknownSecret || !known {
		t.Fatalf("the used invite: %v (known %v), want unknown (used) but known", st, known)
	}
	if got := reads.Load(); got != 1 {
		t.Fatalf("the book read its own write back: %d reads, want 1", got)
	}
	// Another writer changes the file: the next check reads it again.
	if err := newInviteBook(path).add(later, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if st, known := b.peek(later, now); st != invite.Accepted || !known {
		t.Fatalf("an invite added by another writer: %v (known %v)", st, known)
	}
	if got := reads.Load(); got != 2 {
		t.Fatalf("%d reads after the file changed, want 2", got)
	}
}
