package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// Cursors only grow (store.Stored.Cursor): a cursor is never handed out
// twice, also after the entries that held the largest ones were deleted,
// and across restarts.
//
// entries.cursor is the table's rowid without AUTOINCREMENT, and SQLite
// gives a new row the largest rowid in the table plus one. Deleting the
// rows with the largest cursors (DropLog of the newest log, a revocation
// cutting a log that grew last) would let the next entry take a cursor
// already handed out. Two ways out:
//
//   - AUTOINCREMENT: a rebuild of the whole entries table (SQLite cannot
//     add it to a table), its indexes included, in the migration — minutes
//     and twice the disk on a large store — and a read and write of
//     sqlite_sequence on every insert.
//   - A floor, kept here: when a delete removes the largest cursor, the
//     cursor it had is written to cursor_floor (migration 6); the next
//     entry stored is given the cursor above it explicitly, the row goes,
//     and SQLite's max+1 continues from there. An insert pays one test of
//     an integer in memory (txView.floor); only deletes and the first
//     insert after one do more.
//
// The floor is the second. Store.floor mirrors the table for the writer
// (guarded by wmu; read again with the other caches when another process
// wrote the file, checkDataVersion). The newest generation of
// entries_gen_id is still the one of max(cursor) (cursorOfID): the floor is
// never held by an entry, and the entry given the cursor above it is the
// largest.

// maxCursor returns the largest cursor entries holds, 0 when it is empty.
func maxCursor(tx *sql.Tx) (int64, error) {
	var c int64
	if err := tx.QueryRow(`SELECT coalesce(max(cursor), 0) FROM entries`).Scan(&c); err != nil {
		return 0, fmt.Errorf("read the largest cursor: %w", err)
	}
	return c, nil
}

// loadFloor reads cursor_floor into s.floor; wmu is held.
func (s *Store) loadFloor(tx *sql.Tx) error {
	var f int64
	err := tx.QueryRow(`SELECT cursor FROM cursor_floor WHERE one = 1`).Scan(&f)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the cursor floor: %w", err)
	}
	s.floor = f
	return nil
}

// keepFloor runs after a delete from entries in tx; before is the largest
// cursor entries held before it and floor the floor in effect. When the
// delete took the largest cursor, the floor becomes the largest handed
// out (the floor only grows) and is written; it returns the floor now in
// effect in tx.
func keepFloor(tx *sql.Tx, before, floor int64) (int64, error) {
	after, err := maxCursor(tx)
	if err != nil {
		return 0, err
	}
	if after >= before || before <= floor {
		return floor, nil
	}
	if _, err := tx.Exec(`INSERT INTO cursor_floor (one, cursor) VALUES (1, ?)
		ON CONFLICT (one) DO UPDATE SET cursor = excluded.cursor`, before); err != nil {
		return 0, fmt.Errorf("write the cursor floor: %w", err)
	}
	return before, nil
}

// insertAboveFloor stores an entry (args: the values of insEntry's
// columns) at the cursor above the floor and every cursor held, and
// clears the floor: from there, SQLite's next rowid is above it too.
func (v *txView) insertAboveFloor(args []any) error {
	held, err := maxCursor(v.tx)
	if err != nil {
		return err
	}
	c := max(held, v.floor) + 1
	if _, err := v.tx.Exec(insEntryAtSQL, append([]any{c}, args...)...); err != nil {
		return err
	}
	if _, err := v.tx.Exec(`DELETE FROM cursor_floor`); err != nil {
		return fmt.Errorf("clear the cursor floor: %w", err)
	}
	v.floor, v.floorChanged = 0, true
	return nil
}

// insEntryAtSQL is insEntry with an explicit cursor first.
const insEntryAtSQL = `INSERT INTO entries (cursor, id, id_prefix, log, seq, timestamp, type, deleted, header, payload, thread, arrived, entry_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
