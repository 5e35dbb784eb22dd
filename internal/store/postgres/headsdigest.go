package postgres

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/kithnet/kith/internal/store"
)

var _ store.HeadsDigester = (*Store)(nil)

// digestModulus is 2^256, the modulus of the digest's sum, as SQL.
var digestModulus = new(big.Int).Lsh(big.NewInt(1), 256).String()

// digestSQL are the functions and triggers of migration 4 that keep
// heads_digest in the transaction of every change to logs: whatever
// writes a head (Ingest, a revocation's cut, DropLog, another program's
// SQL), the digest moves with it, and a rollback or a killed connection
// takes both back. The sum is kept as a numeric below 2^256; the item
// hashes are computed in SQL with the built-in sha256() (PostgreSQL ≥ 11)
// and summed by itemSumSQL.
//
//   - The UPDATE and DELETE triggers are per statement, with its
//     transition tables: a statement that changes many heads (the one
//     UPDATE of a write's heads, flushHeads; a DELETE) sums their items
//     and updates the one row once; row triggers updating it once per
//     head cost 0.3–0.6 ms a head (BENCHMARKS.md, "PostgreSQL keeps the
//     heads' digest"). An UPDATE adds its new heads and takes its old
//     ones out, so a row whose head did not change (a fork recorded) adds
//     nothing. The INSERT trigger is per row, and runs only for a row
//     inserted with a head: kith inserts a log with head_seq 0 and sets
//     its head with the write's UPDATE.
//   - kith_item_value(author, log_id, seq, head_id) is the value of one
//     head's item hash (itemSumSQL of one row), for that trigger.
//   - kith_digest_move(d, n) adds d (which may be negative) to the sum,
//     modulo 2^256, and n to the count. Its UPDATE locks the row until the
//     transaction ends, so concurrent writers (which kith's already
//     serialise with the writers' advisory lock) add to the sum one after
//     the other: under READ COMMITTED the second adds to the first's
//     committed sum, under REPEATABLE READ it fails and rolls back.
//
// The functions run with the search_path of the migration (the store's
// schema), so a change made by a connection with another search_path
// finds heads_digest too. TRUNCATE of logs empties the digest.
var digestSQL = []string{
	`CREATE FUNCTION kith_item_value(author bytea, log_id bytea, seq bigint, head_id bytea) RETURNS numeric
		LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
		AS $$ SELECT sum FROM (` + itemSumSQL("(VALUES (author, log_id, seq, head_id)) AS r (author, log_id, head_seq, head_id)") + `) AS d $$`,
	`CREATE FUNCTION kith_digest_move(d numeric, n bigint) RETURNS void
		LANGUAGE sql SET search_path FROM CURRENT
		AS $$ UPDATE heads_digest SET sum = ((sum + d) % ` + digestModulus + ` + ` + digestModulus + `) % ` + digestModulus + `, count = count + n $$`,
	`CREATE FUNCTION kith_logs_digest_insert() RETURNS trigger
		LANGUAGE plpgsql SET search_path FROM CURRENT
		AS $$
		BEGIN
			PERFORM kith_digest_move(kith_item_value(NEW.author, NEW.log_id, NEW.head_seq, NEW.head_id), 1);
			RETURN NULL;
		END
		$$`,
	`CREATE FUNCTION kith_logs_digest_update() RETURNS trigger
		LANGUAGE plpgsql SET search_path FROM CURRENT
		AS $$
		DECLARE
			v_new numeric;
			v_new_n bigint;
			v_old numeric;
			v_old_n bigint;
		BEGIN
			SELECT sum, count INTO v_new, v_new_n FROM (` + itemSumSQL("new_heads") + `) AS d;
			SELECT sum, count INTO v_old, v_old_n FROM (` + itemSumSQL("old_heads") + `) AS d;
			IF v_new <> v_old OR v_new_n <> v_old_n THEN
				PERFORM kith_digest_move(v_new - v_old, v_new_n - v_old_n);
			END IF;
			RETURN NULL;
		END
		$$`,
	`CREATE FUNCTION kith_logs_digest_delete() RETURNS trigger
		LANGUAGE plpgsql SET search_path FROM CURRENT
		AS $$
		DECLARE
			v_old numeric;
			v_old_n bigint;
		BEGIN
			SELECT sum, count INTO v_old, v_old_n FROM (` + itemSumSQL("old_heads") + `) AS d;
			IF v_old_n > 0 THEN
				PERFORM kith_digest_move(-v_old, -v_old_n);
			END IF;
			RETURN NULL;
		END
		$$`,
	`CREATE FUNCTION kith_logs_digest_truncate() RETURNS trigger
		LANGUAGE plpgsql SET search_path FROM CURRENT
		AS $$ BEGIN UPDATE heads_digest SET sum = 0, count = 0; RETURN NULL; END $$`,
	`CREATE TRIGGER logs_digest_insert AFTER INSERT ON logs
		FOR EACH ROW WHEN (NEW.head_seq > 0) EXECUTE FUNCTION kith_logs_digest_insert()`,
	`CREATE TRIGGER logs_digest_update AFTER UPDATE ON logs REFERENCING OLD TABLE AS old_heads NEW TABLE AS new_heads
		FOR EACH STATEMENT EXECUTE FUNCTION kith_logs_digest_update()`,
	`CREATE TRIGGER logs_digest_delete AFTER DELETE ON logs REFERENCING OLD TABLE AS old_heads
		FOR EACH STATEMENT EXECUTE FUNCTION kith_logs_digest_delete()`,
	`CREATE TRIGGER logs_digest_truncate AFTER TRUNCATE ON logs
		FOR EACH STATEMENT EXECUTE FUNCTION kith_logs_digest_truncate()`,
}

// itemSumSQL is a query of one row: sum, the sum (not reduced modulo
// 2^256) of the item hashes of the heads with head_seq > 0 among the rows
// of rows (a relation with the columns author, log_id, head_seq and
// head_id), and count, how many there are. The item hash is
// store.HeadItemHash: SHA-256 of "kith-sync-item-v1" ‖ 0x00 ‖ author ‖
// log_id ‖ head_seq (int8send: 8 bytes big-endian) ‖ head_id.
func itemSumSQL(rows string) string {
	return hashSumSQL(`SELECT sha256(decode('` + fmt.Sprintf("%x", "kith-sync-item-v1\x00") + `', 'hex') || author || log_id || int8send(head_seq) || head_id) AS h
		FROM ` + rows + ` WHERE head_seq > 0 OFFSET 0`)
}

// hashSumSQL is a query of one row: sum, the sum of the 32-byte hashes
// (column h) of the query hashes read as 256-bit big-endian integers, and
// count, how many there are. Each hash is cut into eight 32-bit words,
// summed as bigint per word over all rows, and only the eight sums are
// combined as numeric: a numeric product per hash cost 5–10 times more.
// (hashes ends in OFFSET 0, so that its sha256 is computed once a row,
// not once per word.)
func hashSumSQL(hashes string) string {
	words := make([]string, 8)
	sums := make([]string, 8)
	terms := make([]string, 8)
	for i := range words {
		b := 4 * i
		words[i] = fmt.Sprintf("(get_byte(h, %d)::bigint << 24) | (get_byte(h, %d) << 16) | (get_byte(h, %d) << 8) | get_byte(h, %d) AS w%d", b, b+1, b+2, b+3, i)
		sums[i] = fmt.Sprintf("sum(w%d) AS s%d", i, i)
		terms[i] = fmt.Sprintf("coalesce(s%d, 0) * %s", i, new(big.Int).Lsh(big.NewInt(1), uint(32*(7-i))))
	}
	return `SELECT ` + strings.Join(terms, " + ") + ` AS sum, n AS count
		FROM (SELECT count(*) AS n, ` + strings.Join(sums, ", ") + `
			FROM (SELECT ` + strings.Join(words, ", ") + ` FROM (` + hashes + `) AS hs) AS ws) AS ss`
}

// HeadsDigest returns the digest of every head, kept in heads_digest by
// the triggers of migration 4: one row read, whatever the store holds.
func (s *Store) HeadsDigest(ctx context.Context) (store.HeadsDigest, error) {
	if err := s.enter(ctx); err != nil {
		return store.HeadsDigest{}, err
	}
	defer s.life.RUnlock()
	var sum string
	var count int64
	if err := s.pool.QueryRow(ctx, `SELECT sum::text, count FROM heads_digest`).Scan(&sum, &count); err != nil {
		return store.HeadsDigest{}, s.wrap("heads digest", err)
	}
	d, err := parseDigest(sum, count)
	return d, s.wrap("heads digest", err)
}

// parseDigest turns heads_digest's row into a store.HeadsDigest.
func parseDigest(sum string, count int64) (store.HeadsDigest, error) {
	n, ok := new(big.Int).SetString(sum, 10)
	if !ok || n.Sign() < 0 || n.BitLen() > 256 || count < 0 {
		return store.HeadsDigest{}, fmt.Errorf("the stored digest has sum %q and count %d; want an integer in [0, 2^256) and a count ≥ 0", sum, count)
	}
	d := store.HeadsDigest{Count: uint64(count)}
	n.FillBytes(d.Sum[:])
	return d, nil
}
