package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// The revocations in effect (payloads.md §6.1) are kept in memory, as
// s.revoked, so that store.Plan decides an entry of a revoked device
// without a query: loaded with the tombstone filter whenever the file
// changed under the writer (checkDataVersion), changed by DropRevoked
// inside a transaction (txView.revoked) and published on commit.

// loadRevoked reads what the revocations in effect keep: the device.revoke
// entries held in certificate logs whose certificate is held.
func (s *Store) loadRevoked(tx *sql.Tx) error {
	s.revoked = map[identity.PublicKey]*store.Revoked{}
	rows, err := tx.Query(`SELECT r.account, r.device FROM revocations r
		JOIN devices d ON d.account = r.account AND d.device = r.device`)
	if err != nil {
		return err
	}
	type pair struct{ account, device identity.PublicKey }
	var pairs []pair
	for rows.Next() {
		var a, d []byte
		if err := rows.Scan(&a, &d); err != nil {
			rows.Close()
			return err
		}
		acc, err1 := pub(a, "revocation account")
		dev, err2 := pub(d, "revoked device")
		if err := errors.Join(err1, err2); err != nil {
			rows.Close()
			return err
		}
		pairs = append(pairs, pair{acc, dev})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range pairs {
		revs, err := revocationsIn(tx.Query, store.LogKey{Author: p.account, LogID: content.DeviceCertLog(p.device)})
		if err != nil {
			return err
		}
		for _, e := range revs {
			// A payload stored by an older kith that this one no longer
			// reads (a keep without keep_at) revokes nothing here.
			pl, _ := content.Decode(e.Payload)
			rev, ok := pl.(*content.DeviceRevoke)
			if !ok || identity.PublicKey(rev.Device) != p.device {
				continue
			}
			r := store.RevokedBy(p.account, e.ID, rev)
			if old := s.revoked[p.device]; old != nil {
				r = old.Add(r)
			}
			s.revoked[p.device] = r
		}
	}
	return nil
}

// revocationsIn returns the device.revoke entries, with payloads, of a
// certificate log.
func revocationsIn(query func(string, ...any) (*sql.Rows, error), k store.LogKey) ([]*entry.Entry, error) {
	rows, err := query(`SELECT e.header, e.payload FROM entries e JOIN logs l ON e.log = l.log
		WHERE l.author = ? AND l.log_id = ? AND e.type = '`+content.TypeDeviceRevoke+`' AND e.payload IS NOT NULL ORDER BY e.seq`,
		k.Author[:], k.LogID[:])
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*entry.Entry
	for rows.Next() {
		var raw, pl []byte
		if err := rows.Scan(&raw, &pl); err != nil {
			return nil, err
		}
		e, err := entry.Parse(raw, pl)
		if err != nil {
			return nil, fmt.Errorf("revocation in log %s: stored entry: %w", k, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Revoked answers from the revocations in effect as this transaction
// leaves them.
func (v *txView) Revoked(device identity.PublicKey) (*store.Revoked, error) {
	if r, ok := v.revoked[device]; ok {
		return r, nil
	}
	return v.s.revoked[device], nil
}

func (v *txView) Revocations(k store.LogKey) ([]*entry.Entry, error) {
	return revocationsIn(v.tx.Query, k)
}

// purgeRevoked drops what every revocation in effect does not keep.
func (v *txView) purgeRevoked() error {
	for _, r := range v.s.revoked {
		if err := v.dropRevoked(r); err != nil {
			return err
		}
	}
	return nil
}

// dropRevoked applies store.DropRevoked: it puts r in effect for the rest
// of the transaction and deletes what r does not keep of its device.
func (v *txView) dropRevoked(r *store.Revoked) error {
	if v.revoked == nil {
		v.revoked = map[identity.PublicKey]*store.Revoked{}
	}
	v.revoked[r.Device] = r
	rows, err := v.tx.Query(`SELECT log_id FROM logs WHERE author = ?`, r.Device[:])
	if err != nil {
		return err
	}
	var logs []entry.LogID
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		id, err := toKey(b, "log id")
		if err != nil {
			rows.Close()
			return err
		}
		logs = append(logs, entry.LogID(id))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, logID := range logs {
		if err := v.cutLog(r, store.LogKey{Author: r.Device, LogID: logID}); err != nil {
			return fmt.Errorf("drop the entries of revoked device %s: %w", r.Device.Device(), err)
		}
	}
	return nil
}

// cutLog deletes the entries of log k that r does not keep, with their
// fork evidence and the tombstones their deletes recorded, and moves the
// log's head back to its last kept entry (forgets the log if none is).
func (v *txView) cutLog(r *store.Revoked, k store.LogKey) error {
	l, err := v.log(k)
	if err != nil || !l.known {
		return err
	}
	cut := uint64(0)
	if kp, ok := r.Logs[k.LogID]; ok {
		cut = min(kp.Seq, l.head.Seq)
		if cut > 0 {
			id, ok, err := v.IDAt(k, cut)
			if err != nil {
				return err
			}
			if !ok || !r.Keeps(k.LogID, cut, id) {
				cut--
			}
		}
	}
	if cut >= l.head.Seq {
		return nil
	}
	tx := v.tx
	if _, err := tx.Exec(`DELETE FROM tombstones WHERE author = ? AND by IN
		(SELECT id FROM entries WHERE log = ? AND seq > ? AND type = '`+content.TypeDelete+`')`, k.Author[:], l.rowid, int64(cut)); err != nil {
		return err
	}
	before, err := maxCursor(tx)
	if err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM entries WHERE log = ? AND seq > ?`, `DELETE FROM forks WHERE log = ? AND seq > ?`} {
		if _, err := tx.Exec(q, l.rowid, int64(cut)); err != nil {
			return err
		}
	}
	floor, err := keepFloor(tx, before, v.floor)
	if err != nil {
		return err
	}
	if floor != v.floor {
		v.floor, v.floorChanged = floor, true
	}
	l.forks = nil // read again when asked
	if v.purged == nil {
		v.purged = map[store.LogKey]bool{}
	}
	v.purged[k] = true
	if cut == 0 {
		if _, err := tx.Exec(`DELETE FROM logs WHERE log = ?`, l.rowid); err != nil {
			return err
		}
		l.logState = logState{head: store.Head{Log: k}}
		l.known, l.dirty = false, false
		return nil
	}
	var idB, raw []byte
	if err := tx.QueryRow(`SELECT id, header FROM entries WHERE log = ? AND seq = ?`, l.rowid, int64(cut)).Scan(&idB, &raw); err != nil {
		return err
	}
	h, err := entry.DecodeHeader(raw)
	if err != nil {
		return err
	}
	var forked bool
	if err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM forks WHERE log = ?)`, l.rowid).Scan(&forked); err != nil {
		return err
	}
	id, err := toKey(idB, "entry id")
	if err != nil {
		return err
	}
	l.head.Seq, l.head.ID = cut, id
	l.head.Ended = h.Flags&entry.FlagEndOfLog != 0
	l.head.Forked = forked
	l.dirty = true
	return nil
}
