package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the driver kith's store uses, for PRAGMA integrity_check

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// report is what checkHome found in a home after a kill.
type report struct {
	Corruptions []string // anything that is not as a crash may leave it
	Entries     int      // entries held
	Logs        int
	Blobs       int
	TmpAtCrash  int // half-written blob files the kill left in blobs/tmp
	TmpLeft     int // those still there once the store opened (it removes those idle for an hour)
}

// checkHome opens a home the way 'kith serve' does after a crash and
// checks everything in it: the store opens; every log runs from seq 1 to its
// head without a gap, each entry's backlink names the one before, each
// signature and each held payload verifies; no log is forked and no fork
// evidence is held; every blob's bytes hash to its id; SQLite's own
// integrity check passes. held is called with the open node to look for
// what must have survived.
func checkHome(ctx context.Context, home string, held func(*node.Node) error) (report, error) {
	var r report
	bad := func(format string, args ...any) { r.Corruptions = append(r.Corruptions, fmt.Sprintf(format, args...)) }
	if tmp, err := os.ReadDir(filepath.Join(home, "blobs", "tmp")); err == nil {
		r.TmpAtCrash = len(tmp)
	}
	n, err := node.Open(home, node.Options{})
	if err != nil {
		bad("the home does not open: %v", err)
		return r, nil
	}
	st := n.Store()
	heads, err := st.Heads(ctx)
	if err != nil {
		n.Close()
		bad("heads: %v", err)
		return r, nil
	}
	r.Logs = len(heads)
	for _, h := range heads {
		if h.Forked {
			bad("log %s is marked forked", h.Log)
		}
		var prev entry.ID
		next := uint64(1)
		for next <= h.Seq {
			es, err := st.Log(ctx, h.Log, next, 1000)
			if err != nil {
				bad("log %s from seq %d: %v", h.Log, next, err)
				break
			}
			if len(es) == 0 {
				bad("log %s: head at seq %d, but nothing from seq %d", h.Log, h.Seq, next)
				break
			}
			for _, e := range es {
				switch {
				case e.Header.Seq != next:
					bad("log %s: seq %d where %d was due", h.Log, e.Header.Seq, next)
				case next > 1 && e.Header.Backlink != prev:
					bad("log %s seq %d: backlink is not the entry at seq %d", h.Log, next, next-1)
				case !e.Verify():
					bad("log %s seq %d: signature does not verify", h.Log, next)
				case e.ID != sha256.Sum256(e.Raw):
					bad("log %s seq %d: id is not the hash of the header", h.Log, next)
				}
				if e.Payload != nil {
					if err := entry.CheckPayload(&e.Header, e.Payload); err != nil {
						bad("log %s seq %d: payload: %v", h.Log, next, err)
					}
				}
				prev = e.ID
				next = e.Header.Seq + 1
				r.Entries++
			}
		}
		if prev != h.ID && len(r.Corruptions) == 0 {
			bad("log %s: the head names an entry that is not its last", h.Log)
		}
	}
	if forks, err := st.Forks(ctx); err != nil || len(forks) > 0 {
		bad("fork evidence held: %d (%v)", len(forks), err)
	}
	bs := n.Blobs()
	err = bs.List(func(id blob.ID, size int64) error {
		rc, _, err := bs.Open(id)
		if err != nil {
			bad("blob %s: %v", id, err)
			return nil
		}
		defer rc.Close()
		h := sha256.New()
		got, err := io.Copy(h, rc)
		if err != nil || got != size || !bytes.Equal(h.Sum(nil), id[:]) {
			bad("blob %s: %d bytes (listed %d) do not hash to its id (%v)", id, got, size, err)
		}
		r.Blobs++
		return nil
	})
	if err != nil {
		bad("list blobs: %v", err)
	}
	if tmp, err := os.ReadDir(filepath.Join(bs.Dir(), "tmp")); err == nil {
		r.TmpLeft = len(tmp)
	}
	var heldErr error
	if held != nil {
		heldErr = held(n)
	}
	if err := n.Close(); err != nil {
		bad("close: %v", err)
	}
	if err := integrity(filepath.Join(home, "kith.db")); err != nil {
		bad("%v", err)
	}
	return r, heldErr
}

// integrity runs SQLite's PRAGMA integrity_check on the store's file.
func integrity(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("SQLite integrity_check: %q", msgs)
	}
	return rows.Err()
}

// errLost is returned by a held function that misses what must be there.
var errLost = errors.New("lost")

// missing counts the ids n does not hold.
func missing(ctx context.Context, n *node.Node, ids []entry.ID) (int, error) {
	lost := 0
	for _, id := range ids {
		if _, err := n.Store().Get(ctx, id); errors.Is(err, store.ErrNotFound) {
			lost++
		} else if err != nil {
			return lost, err
		}
	}
	return lost, nil
}
