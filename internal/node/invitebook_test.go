package node

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
)

func TestInviteBook(t *testing.T) {
	path := filepath.Join(t.TempDir(), inviteFile)
	b := newInviteBook(path)
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var live, old, unknown [invite.SecretSize]byte
	live[0], old[0], unknown[0] = 1, 2, 3
	if err := b.add(live, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if err := b.add(old, now.Add(-time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("invites file: %v %v, want mode 0600", st.Mode().Perm(), err)
	}
	acc := identity.AccountID{9}
	for _, tc := range []struct {
		name   string
		secret [invite.SecretSize]byte
		peek   bool
		want   invite.Status
	}{
		{"peek a live invite", live, true, invite.Accepted},
		{"peek again: peeking uses nothing", live, true, invite.Accepted},
		{"expired", old, false, invite.Expired},
		{"unknown", unknown, false, invite.UnknownSecret},
		{"use it", live, false, invite.Accepted},
		{"use it twice", live, false, invite.UnknownSecret},
		{"peek a used one", live, true, invite.UnknownSecret},
	} {
		var got invite.Status
		if tc.peek {
			got, _ = b.peek(tc.secret, now)
		} else {
			got = b.use(tc.secret, acc, now)
		}
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// The book is on disk: a new one over the same file (a restarted node)
	// knows the invite was used.
	if got, _ := newInviteBook(path).peek(live, now); got != invite.UnknownSecret {
		t.Fatalf("after a restart: %v, want the invite used", got)
	}
	// Invites expired more than a day ago are dropped when one is added.
	if err := b.add(unknown, now.Add(48*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	if rs, err := b.load(); err != nil || len(rs) != 3 {
		t.Fatalf("%d records (%v); the invite that expired a minute ago stays for a day, so want 3", len(rs), err)
	}
	var later [invite.SecretSize]byte
	later[0] = 4
	if err := b.add(later, now.Add(72*time.Hour), now.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rs, err := b.load()
	// At now+25h the invite that expired at now−1m and the one that
	// expired at now+1h are both a day or more past: only two are left.
	if err != nil || len(rs) != 2 || rs[0].Secret != "03000000000000000000000000000000" || rs[1].Secret != "04000000000000000000000000000000" {
		t.Fatalf("records %+v (%v), want only the invites 03… and 04…", rs, err)
	}
}
