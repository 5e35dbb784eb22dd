package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// floorRow reads cursor_floor through a connection of its own: the cursor
// it holds, or 0 without a row.
func floorRow(t *testing.T, path string) int64 {
	t.Helper()
	db := rawDB(t, path)
	defer db.Close()
	var f int64
	err := db.QueryRow(`SELECT cursor FROM cursor_floor`).Scan(&f)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		t.Fatal(err)
	}
	return f
}

func cursorOf(t *testing.T, s *Store, id entry.ID) int64 {
	t.Helper()
	g, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return g.Cursor
}

// TestMigrationCursorFloor opens a version 5 file that holds entries (one
// made by this code, then migration 6 undone: it only adds cursor_floor):
// the migration keeps every cursor and starts with no floor; DropLog of the
// newest log writes the floor, the next entry, after a reopen, is stored
// above it and the floor goes; and the entries of the newest generation are
// still found by id.
func TestMigrationCursorFloor(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	ka, kb := testKey(t, 1), testKey(t, 2)
	as := testLog(t, ka, entry.PublicLog, nil, 3)
	bs := testLog(t, kb, entry.PublicLog, nil, 2)
	s := openAt(t, path)
	mustIngest(t, s, as[:2], store.Added)
	mustIngest(t, s, bs, store.Added)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	for _, q := range append(undo7, `DROP TABLE cursor_floor`, `DELETE FROM schema_migrations WHERE version = 6`) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s = openAt(t, path)
	var v int
	if err := s.r.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != 7 {
		t.Fatalf("schema version %d, %v; want 7", v, err)
	}
	for i, e := range append(as[:2:2], bs...) {
		if c := cursorOf(t, s, e.ID); c != int64(i+1) {
			t.Fatalf("entry %d: cursor %d after the migration, want %d", i, c, i+1)
		}
	}
	if f := floorRow(t, path); f != 0 {
		t.Fatalf("cursor floor %d after the migration, want none", f)
	}
	if n, _, err := s.DropLog(ctx, store.LogKey{Author: kb.Public(), LogID: entry.PublicLog}); err != nil || n != 2 {
		t.Fatalf("DropLog = %d, %v; want 2", n, err)
	}
	if f := floorRow(t, path); f != 4 {
		t.Fatalf("cursor floor %d after dropping cursors 3 and 4, want 4", f)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	mustIngest(t, s, as[2:], store.Added)
	if c := cursorOf(t, s, as[2].ID); c != 5 {
		t.Fatalf("entry stored after the drop and a reopen: cursor %d, want 5", c)
	}
	if f := floorRow(t, path); f != 0 {
		t.Fatalf("cursor floor %d after an entry was stored above it, want none", f)
	}
	if s.floor != 0 {
		t.Fatalf("writer's floor %d, want 0", s.floor)
	}
	// SQLite's own next rowid carries on from there.
	mustIngest(t, s, bs[:1], store.Added)
	if c := cursorOf(t, s, bs[0].ID); c != 6 {
		t.Fatalf("the next entry: cursor %d, want 6", c)
	}
}

// TestCursorFloorAcrossGenerations: when the dropped entries were the only
// ones of the newest generations of entries_gen_id, the entry stored next
// is stored above them and every entry is still found by id (cursorOfID
// walks down from the generation of the largest cursor).
func TestCursorFloorAcrossGenerations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	ka, kb := testKey(t, 1), testKey(t, 2)
	as := testLog(t, ka, entry.PublicLog, nil, 2)
	bs := testLog(t, kb, entry.PublicLog, nil, 1)
	s := openAt(t, path)
	mustIngest(t, s, as[:1], store.Added)
	// b's entry lands three generations up, as after 196,608 arrivals.
	high := int64(3) << idGenShift
	if _, err := s.w.Exec(`INSERT INTO cursor_floor (one, cursor) VALUES (1, ?)`, high-1); err != nil {
		t.Fatal(err)
	}
	s.floor = high - 1
	mustIngest(t, s, bs, store.Added)
	if c := cursorOf(t, s, bs[0].ID); c != high {
		t.Fatalf("b's entry at cursor %d, want %d", c, high)
	}
	if n, _, err := s.DropLog(ctx, store.LogKey{Author: kb.Public(), LogID: entry.PublicLog}); err != nil || n != 1 {
		t.Fatalf("DropLog = %d, %v; want 1", n, err)
	}
	if f := floorRow(t, path); f != high {
		t.Fatalf("cursor floor %d, want %d", f, high)
	}
	mustIngest(t, s, as[1:], store.Added)
	if c := cursorOf(t, s, as[1].ID); c != high+1 {
		t.Fatalf("entry after the drop at cursor %d, want %d", c, high+1)
	}
	if c := cursorOf(t, s, as[0].ID); c != 1 {
		t.Fatalf("entry of generation 0 at cursor %d, want 1", c)
	}
}

// TestCursorFloorOtherHandle: a log dropped through another handle of the
// file (as by another process) frees no cursor for this one: the writer
// reads the floor again when the file changed under it.
func TestCursorFloorOtherHandle(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kith.db")
	a, b := openAt(t, path), openAt(t, path)
	ka, kb := testKey(t, 1), testKey(t, 2)
	as := testLog(t, ka, entry.PublicLog, nil, 2)
	bs := testLog(t, kb, entry.PublicLog, nil, 2)
	mustIngest(t, a, as[:1], store.Added)
	mustIngest(t, a, bs, store.Added) // cursors 2 and 3
	if n, _, err := b.DropLog(ctx, store.LogKey{Author: kb.Public(), LogID: entry.PublicLog}); err != nil || n != 2 {
		t.Fatalf("DropLog through the other handle = %d, %v; want 2", n, err)
	}
	mustIngest(t, a, as[1:], store.Added)
	if c := cursorOf(t, a, as[1].ID); c != 4 {
		t.Fatalf("entry stored after the other handle's drop: cursor %d, want 4", c)
	}
	// And b, whose floor (3, written by its drop) a has since used up,
	// stores above a's entry.
	mustIngest(t, b, bs[:1], store.Added)
	if c := cursorOf(t, b, bs[0].ID); c != 5 {
		t.Fatalf("entry stored through the other handle: cursor %d, want 5", c)
	}
}
