package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// TestMigrationTimes opens a version 2 database that holds two logs: the
// migration to version 3 stamps their entries as arrived at the migration
// and gives each its time (store.EntryTime along its log), so the feeds
// read them in time order; entries appended afterwards follow on from the
// times the migration filled.
func TestMigrationTimes(t *testing.T) {
	const T = int64(1_800_000_000_000)
	skew := store.ClockSkew.Milliseconds()
	path := filepath.Join(t.TempDir(), "kith.db")
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	if err := migrateTo(context.Background(), db, path, migrations[:2], store.SystemClock); err != nil {
		t.Fatal(err)
	}
	sign := func(k identity.PrivateKey, prev *entry.Entry, claim int64) *entry.Entry {
		t.Helper()
		d := entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: uint64(claim)}
		if prev != nil {
			d.Seq, d.Backlink = prev.Header.Seq+1, prev.ID
		}
		b, err := content.Encode(&content.Post{Text: "post"})
		if err != nil {
			t.Fatal(err)
		}
		d.Payload = b
		e, err := entry.Sign(k, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ka, kb := testKey(t, 1), testKey(t, 2)
	a1 := sign(ka, nil, T-5000)
	a2 := sign(ka, a1, T-9000)        // stepped back: a1's time
	a3 := sign(ka, a2, T+skew+1)      // too far ahead: the migration's time
	a4 := sign(ka, a3, T-100)         // before a3's time: a3's
	b1 := sign(kb, nil, T+skew)       // just within the skew: its claim
	b2 := sign(kb, b1, T-7*24*3600e3) // a week old, after b1: b1's time
	// What version 2 wrote: its columns only, in this arrival order.
	logs := map[identity.PublicKey]int64{}
	for _, e := range []*entry.Entry{a1, b1, a2, a3, b2, a4} {
		author := e.Header.Author
		if _, ok := logs[author]; !ok {
			res, err := db.Exec(`INSERT INTO logs (author, log_id, head_seq, head_id) VALUES (?, ?, 0, x'')`, author[:], entry.PublicLog[:])
			if err != nil {
				t.Fatal(err)
			}
			logs[author], _ = res.LastInsertId()
		}
		if _, err := db.Exec(`INSERT INTO entries (id, id_prefix, log, seq, timestamp, type, deleted, header, payload) VALUES (?, ?, ?, ?, ?, 'post', 0, ?, ?)`,
			e.ID[:], idPrefix(e.ID), logs[author], int64(e.Header.Seq), int64(e.Header.Timestamp), e.Raw, e.Payload); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE logs SET head_seq = ?, head_id = ? WHERE log = ?`, int64(e.Header.Seq), e.ID[:], logs[author]); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	now := T
	s, err := Open(path, WithClock(func() int64 { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[entry.ID]int64{a1.ID: T - 5000, a2.ID: T - 5000, a3.ID: T, a4.ID: T, b1.ID: T + skew, b2.ID: T + skew}
	for id, w := range want {
		got, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Time != w || got.Arrived != T {
			t.Errorf("seq %d (claim %d): time %d arrived %d after migration, want %d %d", got.Header.Seq, got.Header.Timestamp, got.Time, got.Arrived, w, T)
		}
	}
	find := func() []entry.ID {
		got, err := s.Find(context.Background(), store.Query{Type: content.TypePost, ByTime: true, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []entry.ID
		for _, e := range got {
			out = append(out, e.ID)
		}
		return out
	}
	if got, w := find(), []entry.ID{b2.ID, b1.ID, a4.ID, a3.ID, a2.ID, a1.ID}; !slices.Equal(got, w) {
		t.Fatalf("time order after migration: %v, want %v", got, w)
	}
	// New entries: a5 claims a time before a4's (the migration's): it
	// sorts at a4's, above it; a6 claims a time after the migration.
	now = T + 1000
	a5 := sign(ka, a4, T-50)
	a6 := sign(ka, a5, T+500)
	for _, e := range []*entry.Entry{a5, a6} {
		if r, err := s.Append(context.Background(), e); err != nil || r.Outcome != store.Added {
			t.Fatalf("append after migration: %v %v", r, err)
		}
	}
	if got, w := find(), []entry.ID{b2.ID, b1.ID, a6.ID, a5.ID, a4.ID, a3.ID, a2.ID, a1.ID}; !slices.Equal(got, w) {
		t.Fatalf("time order after appending: %v, want %v", got, w)
	}
	if got, err := s.Get(context.Background(), a5.ID); err != nil || got.Time != T || got.Arrived != T+1000 {
		t.Fatalf("a5: %+v %v, want time %d arrived %d", got, err, T, T+1000)
	}
}
