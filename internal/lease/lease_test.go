package lease

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

func key(t *testing.T) identity.PrivateKey {
	t.Helper()
	k, err := identity.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestCheck: a lease the holder signed for the request passes; any change
// to what it names or grants, or a signature by another key, is a bad
// lease.
func TestCheck(t *testing.T) {
	holder, other, asker, account := key(t), key(t), key(t), key(t)
	q := services.LeaseRequest{Account: services.Key32(account.Public()), Nonce: services.Nonce16{1, 2, 3}, Seconds: 3600, Bytes: 1 << 20}
	good := services.LeaseTerms{Holder: services.Key32(holder.Public()), Account: q.Account, Asker: services.Key32(asker.Public()), Nonce: q.Nonce,
		Seconds: 1800, Bytes: 1 << 20, Entries: 100}
	sign := func(k identity.PrivateKey, l services.LeaseTerms) services.LeaseResponse {
		l.Holder = services.Key32(k.Public())
		s, err := Sign(k, l)
		if err != nil {
			t.Fatal(err)
		}
		return services.LeaseResponse{Lease: &l, Signature: s}
	}
	if err := Check(holder.Public(), asker.Public(), q, sign(holder, good)); err != nil {
		t.Fatalf("a good lease: %v", err)
	}
	for _, c := range []struct {
		name string
		p    func() services.LeaseResponse
		want string
	}{
		{"signed by another holder", func() services.LeaseResponse { return sign(other, good) }, "names holder"},
		{"another account", func() services.LeaseResponse { l := good; l.Account[0] ^= 1; return sign(holder, l) }, "names account"},
		{"another asker", func() services.LeaseResponse {
			l := good
			l.Asker = services.Key32(other.Public())
			return sign(holder, l)
		}, "names asker"},
		{"an old nonce", func() services.LeaseResponse { l := good; l.Nonce[0] = 9; return sign(holder, l) }, "nonce"},
		{"more time than asked", func() services.LeaseResponse { l := good; l.Seconds = 3601; return sign(holder, l) }, "3601 seconds granted"},
		{"more bytes than asked", func() services.LeaseResponse { l := good; l.Bytes = 1<<20 + 1; return sign(holder, l) }, "bytes granted"},
		{"signature flipped", func() services.LeaseResponse { p := sign(holder, good); p.Signature[5] ^= 1; return p }, "signature"},
		{"terms changed after signing", func() services.LeaseResponse {
			p := sign(holder, good)
			l := *p.Lease
			l.Entries++
			p.Lease = &l
			return p
		}, "signature"},
		{"a refusal", func() services.LeaseResponse { return services.LeaseResponse{Code: 1} }, "not a grant"},
	} {
		err := Check(holder.Public(), asker.Public(), q, c.p())
		if !errors.Is(err, ErrBadLease) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a bad lease saying %q", c.name, err, c.want)
		}
	}
	if _, err := Sign(other, good); err == nil {
		t.Fatal("Sign with a key that is not the lease's holder")
	}
}

// TestTerms: who may lease and what is granted.
func TestTerms(t *testing.T) {
	holder, asker, account, stranger := key(t).Public(), key(t).Public(), key(t).Public(), key(t).Public()
	lim := Limits{Bytes: 1000, Entries: 10, Seconds: 600, Accounts: 2}
	q := services.LeaseRequest{Account: services.Key32(account), Nonce: services.Nonce16{7}, Seconds: 3600, Bytes: 400}
	ask := Asking{Request: q, Asker: asker, CertAccount: account, Held: Usage{Bytes: 300, Entries: 4}}
	for _, c := range []struct {
		name   string
		a      func(Asking) Asking
		leased bool
		count  int
		code   uint64
	}{
		{"granted", func(a Asking) Asking { return a }, false, 1, 0},
		{"a device of another account", func(a Asking) Asking { a.CertAccount = stranger; return a }, false, 0, services.RefuseNotYours},
		{"a device without a certificate", func(a Asking) Asking { a.CertAccount = identity.PublicKey{}; return a }, false, 0, services.RefuseNotYours},
		{"a revoked device", func(a Asking) Asking { a.Revoked = true; return a }, false, 0, services.RefuseNotYours},
		{"full", func(a Asking) Asking { return a }, false, 2, services.RefuseFull},
		{"full, but a renewal", func(a Asking) Asking { return a }, true, 2, 0},
		{"over the bytes asked", func(a Asking) Asking { a.Held.Bytes = 401; return a }, true, 2, services.RefuseOverLimit},
		{"over the entries", func(a Asking) Asking { a.Held.Entries = 11; return a }, false, 0, services.RefuseOverLimit},
	} {
		l, r := Terms(holder, c.a(ask), lim, c.leased, c.count)
		switch {
		case c.code == 0 && r != nil:
			t.Errorf("%s: refused %+v", c.name, r)
		case c.code != 0 && (r == nil || r.Code != c.code || r.Reason == ""):
			t.Errorf("%s: %+v, want code %d with a reason", c.name, r, c.code)
		case c.code == 0:
			want := services.LeaseTerms{Holder: services.Key32(holder), Account: q.Account, Asker: services.Key32(asker), Nonce: q.Nonce,
				Seconds: 600, Bytes: 400, Entries: 10, HeldBytes: 300, HeldEntries: 4}
			if l != want {
				t.Errorf("%s: %+v, want %+v", c.name, l, want)
			}
		}
	}
}

// TestBook: a lease runs by the holder's clock from its grant; it ends
// when Until is reached; over its limits it is no longer kept; a renewal
// replaces it; the book survives its encoding.
func TestBook(t *testing.T) {
	a, b := key(t).Public(), key(t).Public()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bk := NewBook()
	terms := func(acc identity.PublicKey, secs uint64) services.LeaseTerms {
		return services.LeaseTerms{Account: services.Key32(acc), Seconds: secs, Bytes: 100, Entries: 5}
	}
	bk.Grant(terms(a, 60), t0)
	bk.Grant(terms(b, 120), t0.Add(10*time.Second))
	if got := bk.Kept(t0.Add(59 * time.Second)); len(got) != 2 {
		t.Fatalf("kept at 59 s: %v, want both", got)
	}
	if got := bk.End(t0.Add(59 * time.Second)); len(got) != 0 {
		t.Fatalf("ended at 59 s: %v", got)
	}
	if got := bk.Kept(t0.Add(60 * time.Second)); len(got) != 1 || got[0] != b {
		t.Fatalf("kept at 60 s: %v, want only b", got)
	}
	// Over: no longer kept, still leased; back within: kept again.
	if !bk.Count(b, Usage{Bytes: 101, Entries: 1}) || len(bk.Kept(t0.Add(61*time.Second))) != 0 || !bk.Leased(b) {
		t.Fatal("b over its bytes is still kept, or not leased")
	}
	if bk.List()[1].Over == "" && bk.List()[0].Over == "" {
		t.Fatal("nothing says why b is over")
	}
	if bk.Count(b, Usage{Bytes: 100, Entries: 5}) != true || len(bk.Kept(t0.Add(61*time.Second))) != 1 {
		t.Fatal("b back within its limits is not kept")
	}
	if bk.Count(key(t).Public(), Usage{Bytes: 1 << 40}) {
		t.Fatal("a count of an account without a lease changed something")
	}
	raw, err := MarshalBook(bk)
	if err != nil {
		t.Fatal(err)
	}
	again, err := UnmarshalBook(raw)
	if err != nil {
		t.Fatal(err)
	}
	if again.Len() != 2 || !again.List()[0].Until.Equal(bk.List()[0].Until) {
		t.Fatalf("decoded %+v, want %+v", again.List(), bk.List())
	}
	ended := again.End(t0.Add(60 * time.Second))
	if len(ended) != 1 || ended[0].Account != a || again.Leased(a) || !again.Leased(b) {
		t.Fatalf("ended %v; want a only", ended)
	}
	// A renewal replaces b's lease, from its own grant.
	again.Grant(terms(b, 120), t0.Add(100*time.Second))
	if again.Len() != 1 || !again.List()[0].Until.Equal(t0.Add(220*time.Second)) {
		t.Fatalf("after renewal: %+v", again.List())
	}
	if _, err := UnmarshalBook([]byte(`{"version":2}`)); err == nil {
		t.Fatal("a book of version 2 was read")
	}
}

// TestRenewTimes: the asker's times, by its own clock from when it sent
// the request.
func TestRenewTimes(t *testing.T) {
	sent := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := RenewAt(sent, 2592000); !got.Equal(sent.Add(15 * 24 * time.Hour)) {
		t.Errorf("RenewAt 30 days: %v", got)
	}
	if got := End(sent, 61); !got.Equal(sent.Add(61 * time.Second)) {
		t.Errorf("End: %v", got)
	}
	now := sent.Add(time.Hour)
	for _, c := range []struct {
		failures int
		end      time.Time
		want     time.Duration
	}{
		{1, time.Time{}, time.Minute},
		{2, time.Time{}, 2 * time.Minute},
		{7, time.Time{}, time.Hour},
		{40, time.Time{}, time.Hour},
		{3, now.Add(90 * time.Second), 90 * time.Second}, // never after the end
		{3, now.Add(-time.Second), 4 * time.Minute},      // the end passed: the back-off
	} {
		if got := Retry(now, c.failures, c.end); !got.Equal(now.Add(c.want)) {
			t.Errorf("Retry after %d failures, end %v: in %v, want %v", c.failures, c.end, got.Sub(now), c.want)
		}
	}
}

// TestTooSoon: a grant within a minute (a quarter of a short lease) of
// the last one waits; an account without a lease never does.
func TestTooSoon(t *testing.T) {
	a := key(t).Public()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bk := NewBook()
	if bk.TooSoon(a, t0) != 0 {
		t.Fatal("an account without a lease waits")
	}
	bk.Grant(services.LeaseTerms{Account: services.Key32(a), Seconds: 3600, Bytes: 1, Entries: 1}, t0)
	for _, c := range []struct {
		after, want time.Duration
	}{{0, time.Minute}, {59 * time.Second, time.Second}, {time.Minute, 0}} {
		if got := bk.TooSoon(a, t0.Add(c.after)); got != c.want {
			t.Errorf("%v after a 1-hour grant: wait %v, want %v", c.after, got, c.want)
		}
	}
	bk.Grant(services.LeaseTerms{Account: services.Key32(a), Seconds: 8, Bytes: 1, Entries: 1}, t0)
	if got := bk.TooSoon(a, t0.Add(time.Second)); got != time.Second {
		t.Errorf("1 s after an 8-second grant: wait %v, want 1s", got)
	}
}
