package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// copyPage is how many entries CopyStore reads and writes at a time.
const copyPage = 2000

// CopyProgress is what CopyStore reports as it goes.
type CopyProgress struct {
	Done, Total int // entries read of the source so far, of all it holds
}

// CopyReport is what CopyStore did.
type CopyReport struct {
	From, To string // which stores (StoreInfo's words)
	Logs     int    // logs in the source
	Entries  int    // entries read from the source
	Added    int    // stored anew in the destination
	Known    int    // already held there
	Forks    int    // pieces of fork evidence carried over
	// Verified: every log of the source is in the destination with the
	// same entries up to the source's head (headers and payloads held,
	// byte for byte; the destination may hold more of a log if it held
	// more before), and the destination holds the source's fork evidence.
	Verified bool
	Seconds  float64
}

// CopyStore copies the entries of a home's store into the other backend
// (to is "postgres" or "sqlite"): from the SQLite file kith.db into the
// PostgreSQL database [store] names, or back. It takes the home's lock, so
// no node may be serving it. Entries go in the source's arrival order
// (each log in seq order) through Ingest, which checks every one as on
// any arrival; then the copy is verified log by log. The destination may
// already hold entries: what it holds stays, and what the source adds is
// merged in. Blobs are files in the home (blobs/) and are not moved. Set
// [store] backend to the destination afterwards to use it.
func CopyStore(ctx context.Context, home, to string, progress func(CopyProgress)) (CopyReport, error) {
	var rep CopyReport
	if !Initialized(home) {
		return rep, fmt.Errorf("%w in %s: nothing to copy", ErrNotInitialized, home)
	}
	sc, err := storeConfigOf(home)
	if err != nil {
		return rep, err
	}
	from := sc
	dst := sc
	switch to {
	case BackendPostgres:
		from.Backend = BackendSQLite
		if _, err := os.Stat(filepath.Join(home, dbFile)); err != nil {
			return rep, fmt.Errorf("copy to postgres: the home's SQLite store: %w", err)
		}
	case BackendSQLite:
		from.Backend = BackendPostgres
	default:
		return rep, fmt.Errorf("copy to %q: give %q or %q", to, BackendPostgres, BackendSQLite)
	}
	dst.Backend = to
	lock, err := lockHome(home)
	if err != nil {
		return rep, err
	}
	defer lock.release()
	src, srcInfo, err := OpenStore(home, from, nil)
	if err != nil {
		return rep, fmt.Errorf("open the source: %w", err)
	}
	defer src.Close()
	dstStore, dstInfo, err := OpenStore(home, dst, nil)
	if err != nil {
		return rep, fmt.Errorf("open the destination: %w", err)
	}
	defer dstStore.Close()
	rep.From, rep.To = srcInfo, dstInfo
	start := time.Now()
	err = copyEntries(ctx, src, dstStore, &rep, progress)
	rep.Seconds = time.Since(start).Seconds()
	if err != nil {
		return rep, err
	}
	if err := verifyCopy(ctx, src, dstStore); err != nil {
		return rep, fmt.Errorf("verify the copy: %w", err)
	}
	rep.Verified = true
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

func copyEntries(ctx context.Context, src, dst store.Store, rep *CopyReport, progress func(CopyProgress)) error {
	heads, err := src.Heads(ctx)
	if err != nil {
		return err
	}
	rep.Logs = len(heads)
	total := 0
	for _, h := range heads {
		total += int(h.Seq)
	}
	if progress != nil {
		progress(CopyProgress{Total: total})
	}
	var after int64
	for {
		page, err := src.Find(ctx, store.Query{After: after, Limit: copyPage})
		if err != nil {
			return fmt.Errorf("read the source: %w", err)
		}
		if len(page) == 0 {
			break
		}
		es := make([]*entry.Entry, len(page))
		for i, s := range page {
			es[i] = s.Entry
			after = s.Cursor
		}
		rs, err := dst.Ingest(ctx, es)
		if err != nil {
			return fmt.Errorf("write the destination: %w", err)
		}
		for i, r := range rs {
			switch r.Outcome {
			case store.Added:
				rep.Added++
			case store.Known:
				rep.Known++
			default:
				return fmt.Errorf("the destination refused entry %s (seq %d of %s) that the source holds: %v %v",
					es[i].ID, es[i].Header.Seq, store.LogKey{Author: es[i].Header.Author, LogID: es[i].Header.LogID}, r.Outcome, r.Err)
			}
		}
		rep.Entries += len(page)
		if progress != nil {
			progress(CopyProgress{Done: rep.Entries, Total: total})
		}
	}
	forks, err := src.Forks(ctx)
	if err != nil {
		return fmt.Errorf("read the source's fork evidence: %w", err)
	}
	for _, f := range forks {
		rs, err := dst.Ingest(ctx, []*entry.Entry{f.Conflict})
		if err != nil {
			return fmt.Errorf("write fork evidence: %w", err)
		}
		if rs[0].Outcome != store.Forked {
			return fmt.Errorf("fork evidence %s (seq %d of %s): %v %v, want a fork", f.Conflict.ID, f.Seq, f.Log, rs[0].Outcome, rs[0].Err)
		}
		rep.Forks++
	}
	return nil
}

// verifyCopy checks that dst holds every log of src as src holds it.
func verifyCopy(ctx context.Context, src, dst store.Store) error {
	heads, err := src.Heads(ctx)
	if err != nil {
		return err
	}
	for _, h := range heads {
		dh, err := dst.Head(ctx, h.Log)
		if err != nil {
			return fmt.Errorf("log %s: %w", h.Log, err)
		}
		// The destination may hold more of the log than the source (it
		// held entries before), never less.
		if dh.Seq < h.Seq || h.Forked && !dh.Forked {
			return fmt.Errorf("log %s: head %d %s (forked %v) in the destination, %d %s (forked %v) in the source", h.Log, dh.Seq, dh.ID, dh.Forked, h.Seq, h.ID, h.Forked)
		}
		for from := uint64(1); from <= h.Seq; {
			a, err := src.LogRaw(ctx, h.Log, from, copyPage)
			if err != nil {
				return err
			}
			b, err := dst.LogRaw(ctx, h.Log, from, copyPage)
			if err != nil {
				return err
			}
			for len(b) > 0 && b[len(b)-1].Seq > h.Seq {
				b = b[:len(b)-1]
			}
			if len(a) == 0 || len(a) != len(b) {
				return fmt.Errorf("log %s from seq %d: %d entries in the destination, %d in the source", h.Log, from, len(b), len(a))
			}
			for i := range a {
				if a[i].Seq != b[i].Seq || !bytes.Equal(a[i].Header, b[i].Header) || !bytes.Equal(a[i].Payload, b[i].Payload) || (a[i].Payload == nil) != (b[i].Payload == nil) {
					return fmt.Errorf("log %s seq %d differs between the source and the destination", h.Log, a[i].Seq)
				}
			}
			from = a[len(a)-1].Seq + 1
		}
	}
	sf, err := src.Forks(ctx)
	if err != nil {
		return err
	}
	df, err := dst.Forks(ctx)
	if err != nil {
		return err
	}
	have := map[entry.ID]bool{}
	for _, f := range df {
		have[f.Conflict.ID] = true
	}
	for _, f := range sf {
		if !have[f.Conflict.ID] {
			return fmt.Errorf("fork evidence %s (seq %d of %s) is missing in the destination", f.Conflict.ID, f.Seq, f.Log)
		}
	}
	if len(sf) > 0 && len(df) < len(sf) {
		return errors.New("the destination holds less fork evidence than the source")
	}
	return nil
}
