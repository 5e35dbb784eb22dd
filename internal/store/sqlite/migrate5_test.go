package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// TestMigrationIDGenerations opens a database of each earlier version
// whose entries sit in four generations of entries_gen_id (cursors 1,
// 70,000, 140,000 and 200,000, written with explicit cursors): after the
// migration to version 5 every entry is found by id, an unknown id is
// not, and the writes that find their target by id reach entries of old
// generations — a delete drops the payload of the first entry, a payload
// arriving for a header-only entry fills it, and a reply's time is bounded
// by its parent's.
func TestMigrationIDGenerations(t *testing.T) {
	const T = int64(1_700_000_000_000)
	for from := 1; from < SchemaVersion; from++ {
		t.Run(fmt.Sprintf("from=%d", from), func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "kith.db")
			db := rawDB(t, path)
			db.SetMaxOpenConns(1)
			if err := migrateTo(ctx, db, path, migrations[:from], store.SystemClock); err != nil {
				t.Fatal(err)
			}
			sign := func(k identity.PrivateKey, prev *entry.Entry, claim int64, p content.Payload) *entry.Entry {
				t.Helper()
				d := entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: uint64(claim)}
				if prev != nil {
					d.Seq, d.Backlink = prev.Header.Seq+1, prev.ID
				}
				b, err := content.Encode(p)
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
			a1 := sign(ka, nil, T+1000, &content.Post{Text: "first"})
			a2 := sign(ka, a1, T+2000, &content.Post{Text: "second"})
			b1 := sign(kb, nil, T+50_000, &content.Post{Text: "held without payload"})
			a3 := sign(ka, a2, T+3000, &content.Post{Text: "third"})
			type row struct {
				e       *entry.Entry
				cursor  int64
				payload bool
			}
			rows := []row{{a1, 1, true}, {a2, 70_000, true}, {b1, 140_000, false}, {a3, 1 << idGenShift * 3, true}}
			logs := map[identity.PublicKey]int64{}
			for _, r := range rows {
				e, author := r.e, r.e.Header.Author
				if _, ok := logs[author]; !ok {
					res, err := db.Exec(`INSERT INTO logs (author, log_id, head_seq, head_id) VALUES (?, ?, 0, x'')`, author[:], entry.PublicLog[:])
					if err != nil {
						t.Fatal(err)
					}
					logs[author], _ = res.LastInsertId()
				}
				typ, payload := any(nil), []byte(nil)
				if r.payload {
					typ, payload = content.TypePost, e.Payload
				}
				if _, err := db.Exec(`INSERT INTO entries (cursor, id, id_prefix, log, seq, timestamp, type, deleted, header, payload) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
					r.cursor, e.ID[:], idPrefix(e.ID), logs[author], int64(e.Header.Seq), int64(e.Header.Timestamp), typ, e.Raw, payload); err != nil {
					t.Fatal(err)
				}
				if from >= 3 {
					if _, err := db.Exec(`UPDATE entries SET arrived = ?1, entry_time = ?1 WHERE cursor = ?2`, int64(e.Header.Timestamp), r.cursor); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := db.Exec(`UPDATE logs SET head_seq = ?, head_id = ? WHERE log = ?`, int64(e.Header.Seq), e.ID[:], logs[author]); err != nil {
					t.Fatal(err)
				}
			}
			db.Close()

			s, err := Open(path, WithClock(func() int64 { return T + 100_000 }))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var v, oldIndex, newIndex int
			if err := s.r.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != SchemaVersion {
				t.Fatalf("schema version %d, %v", v, err)
			}
			if err := s.r.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'entries_id'`).Scan(&oldIndex); err != nil || oldIndex != 0 {
				t.Fatalf("entries_id still there: %d, %v", oldIndex, err)
			}
			if err := s.r.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'entries_gen_id'`).Scan(&newIndex); err != nil || newIndex != 1 {
				t.Fatalf("entries_gen_id: %d, %v", newIndex, err)
			}
			for _, r := range rows {
				got, err := s.Get(ctx, r.e.ID)
				if err != nil {
					t.Fatalf("get entry at cursor %d: %v", r.cursor, err)
				}
				if got.ID != r.e.ID || got.Cursor != r.cursor || got.Header.Seq != r.e.Header.Seq || (got.Payload != nil) != r.payload {
					t.Fatalf("entry at cursor %d: id %s cursor %d seq %d payload %v", r.cursor, got.ID, got.Cursor, got.Header.Seq, got.Payload != nil)
				}
			}
			unknown := sign(kb, b1, T+60_000, &content.Post{Text: "not stored"})
			if _, err := s.Get(ctx, unknown.ID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("get of an unknown id: %v, want ErrNotFound", err)
			}

			// A delete of generation 0's entry, from the newest one.
			del := sign(ka, a3, T+4000, &content.Delete{Target: a1.ID})
			if r, err := s.Append(ctx, del); err != nil || r.Outcome != store.Added {
				t.Fatalf("append delete: %v %v", r, err)
			}
			if got, err := s.Get(ctx, a1.ID); err != nil || !got.Deleted || got.Payload != nil || got.Type != "" {
				t.Fatalf("deleted entry of generation 0: %+v, %v", got, err)
			}
			if got, err := s.Get(ctx, del.ID); err != nil || got.Cursor != 1<<idGenShift*3+1 {
				t.Fatalf("the delete: %+v, %v; want cursor %d", got, err, 1<<idGenShift*3+1)
			}
			// The payload of generation 2's header-only entry arrives.
			if r, err := s.Append(ctx, b1); err != nil || r.Outcome != store.Known {
				t.Fatalf("append payload of b1: %v %v", r, err)
			}
			if got, err := s.Get(ctx, b1.ID); err != nil || !bytes.Equal(got.Payload, b1.Payload) || got.Type != content.TypePost {
				t.Fatalf("filled entry of generation 2: %+v, %v", got, err)
			}
			// A reply in log a to b1 (generation 2), claiming a time before
			// b1's: its time is b1's.
			reply := sign(ka, del, T+5000, &content.Post{Text: "reply", ReplyTo: b1.ID})
			if r, err := s.Append(ctx, reply); err != nil || r.Outcome != store.Added {
				t.Fatalf("append reply: %v %v", r, err)
			}
			if got, err := s.Get(ctx, reply.ID); err != nil || got.Time != T+50_000 {
				t.Fatalf("reply to an entry of generation 2: %+v, %v; want time %d", got, err, T+50_000)
			}
		})
	}
}

// TestLookupByIDUsesGenerations: every statement that finds an entry by
// id seeks entries_gen_id once per generation; none scans the table (which
// a change to the index expression or to cursorOfID would silently do).
func TestLookupByIDUsesGenerations(t *testing.T) {
	if idGenShiftSQL != fmt.Sprint(idGenShift) {
		t.Fatalf("idGenShiftSQL %q, idGenShift %d", idGenShiftSQL, idGenShift)
	}
	s := openTemp(t)
	stmts := []string{`SELECT ` + entryCols + ` FROM entries WHERE cursor = ` + cursorOfID(1, 2)}
	for _, q := range writeSQL {
		if strings.Contains(q, "WITH RECURSIVE gen") {
			stmts = append(stmts, q)
		}
	}
	if len(stmts) != 5 {
		t.Fatalf("%d statements find by id, want 5 (Get, meta, timeOf, fill, drop)", len(stmts))
	}
	for _, q := range stmts {
		rows, err := s.r.Query(`EXPLAIN QUERY PLAN `+q, 1, make([]byte, 32), 3, 4, 5)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, "USING INDEX entries_gen_id (<expr>=? AND id_prefix=?)") || strings.Contains(p, "SCAN e") || strings.Contains(p, "SCAN entries") {
			t.Errorf("plan of %s:\n%s", q, p)
		}
	}
}
