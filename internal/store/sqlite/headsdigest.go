package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"

	sqlite "modernc.org/sqlite"
)

var (
	_ store.HeadsDigester = (*Store)(nil)
	_ store.LogIDHeads    = (*Store)(nil)
)

// digestFunc is the SQL function the triggers of migration 7 keep
// heads_digest with: kith_heads_digest(sum, sign, author, log_id,
// head_seq, head_id) returns sum plus (sign 1) or minus (sign −1) the
// item hash of the head (store.HeadItemHash), or sum itself when head_seq
// is 0 (no item). It is registered with the driver for every connection
// this process opens; a program without it (the sqlite3 shell) cannot
// change a head, so nothing changes one without the digest following.
const digestFunc = "kith_heads_digest"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(digestFunc, 6, digestStep)
}

func digestStep(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	sum, ok := args[0].([]byte)
	if !ok || len(sum) != 32 {
		return nil, fmt.Errorf("%s: sum is %T of %d bytes, want 32 bytes", digestFunc, args[0], len(sum))
	}
	sign, ok1 := args[1].(int64)
	seq, ok2 := args[4].(int64)
	if !ok1 || !ok2 || (sign != 1 && sign != -1) || seq < 0 {
		return nil, fmt.Errorf("%s: sign %v and head_seq %v, want ±1 and an integer ≥ 0", digestFunc, args[1], args[4])
	}
	var s [32]byte
	copy(s[:], sum)
	if seq == 0 {
		return s[:], nil
	}
	author, ok1 := args[2].([]byte)
	logID, ok2 := args[3].([]byte)
	id, ok3 := args[5].([]byte)
	if !ok1 || !ok2 || !ok3 || len(author) != 32 || len(logID) != 32 || len(id) != 32 {
		return nil, fmt.Errorf("%s: author, log_id and head_id must be 32-byte blobs", digestFunc)
	}
	var k store.LogKey
	var hid entry.ID
	copy(k.Author[:], author)
	copy(k.LogID[:], logID)
	copy(hid[:], id)
	h := store.HeadItemHash(k, uint64(seq), hid)
	if sign > 0 {
		s = store.AddSum(s, h)
	} else {
		s = store.SubSum(s, h)
	}
	return s[:], nil
}

// digestTriggers keep heads_digest in the transaction of every change to
// logs (migration 7): whatever path writes a head (Ingest, a revocation's
// cut, DropLog, a test's raw SQL), the digest moves with it and is never
// out of step after a crash.
var digestTriggers = []string{
	`CREATE TRIGGER logs_digest_insert AFTER INSERT ON logs WHEN NEW.head_seq > 0 BEGIN
		UPDATE heads_digest SET sum = ` + digestFunc + `(sum, 1, NEW.author, NEW.log_id, NEW.head_seq, NEW.head_id), count = count + 1;
	END`,
	`CREATE TRIGGER logs_digest_update AFTER UPDATE OF author, log_id, head_seq, head_id ON logs
	WHEN OLD.head_seq IS NOT NEW.head_seq OR OLD.head_id IS NOT NEW.head_id OR OLD.author IS NOT NEW.author OR OLD.log_id IS NOT NEW.log_id BEGIN
		UPDATE heads_digest SET
			sum = ` + digestFunc + `(` + digestFunc + `(sum, -1, OLD.author, OLD.log_id, OLD.head_seq, OLD.head_id), 1, NEW.author, NEW.log_id, NEW.head_seq, NEW.head_id),
			count = count - (OLD.head_seq > 0) + (NEW.head_seq > 0);
	END`,
	`CREATE TRIGGER logs_digest_delete AFTER DELETE ON logs WHEN OLD.head_seq > 0 BEGIN
		UPDATE heads_digest SET sum = ` + digestFunc + `(sum, -1, OLD.author, OLD.log_id, OLD.head_seq, OLD.head_id), count = count - 1;
	END`,
}

// fillDigest computes the digest of the heads a version 6 database holds
// (migration 7): once, reading every head.
func fillDigest(ctx context.Context, tx *sql.Tx, _ int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+headCols+` FROM logs WHERE head_seq > 0`)
	if err != nil {
		return err
	}
	var d store.HeadsDigest
	for rows.Next() {
		hd, err := scanHead(rows)
		if err != nil {
			rows.Close()
			return err
		}
		d = d.Add(hd)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO heads_digest (one, sum, count) VALUES (1, ?, ?)`, d.Sum[:], int64(d.Count))
	return err
}

// HeadsDigest returns the digest of every head, kept in heads_digest by
// the triggers of migration 7: one row read, whatever the store holds.
func (s *Store) HeadsDigest(ctx context.Context) (store.HeadsDigest, error) {
	if err := s.enter(ctx); err != nil {
		return store.HeadsDigest{}, err
	}
	defer s.life.RUnlock()
	var sum []byte
	var count int64
	if err := s.r.QueryRowContext(ctx, `SELECT sum, count FROM heads_digest WHERE one = 1`).Scan(&sum, &count); err != nil {
		return store.HeadsDigest{}, s.wrap("heads digest", err)
	}
	if len(sum) != 32 || count < 0 {
		return store.HeadsDigest{}, s.wrap("heads digest", fmt.Errorf("the stored digest has a %d-byte sum and count %d; want 32 bytes and a count ≥ 0", len(sum), count))
	}
	d := store.HeadsDigest{Count: uint64(count)}
	copy(d.Sum[:], sum)
	return d, nil
}

// HeadsWithLogID returns the heads of the logs of one log id through
// logs_log_id: it reads only those rows.
func (s *Store) HeadsWithLogID(ctx context.Context, id entry.LogID) ([]store.Head, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	rows, err := s.query(ctx, `SELECT `+headCols+` FROM logs WHERE log_id = ? AND head_seq > 0 ORDER BY author`, id[:])
	if err != nil {
		return nil, s.wrap("heads of log id", err)
	}
	defer rows.Close()
	hs := []store.Head{}
	for rows.Next() {
		hd, err := scanHead(rows)
		if err != nil {
			return nil, s.wrap("heads of log id", err)
		}
		hs = append(hs, hd)
	}
	return hs, s.wrap("heads of log id", rows.Err())
}
