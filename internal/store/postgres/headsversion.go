package postgres

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kithnet/kith/internal/store"
)

var _ store.HeadsVersioner = (*Store)(nil)

// listenRetry is how long the heads listener waits before it connects
// again after its connection failed.
const listenRetry = 2 * time.Second

// headsVersion is what HeadsVersion answers from: a counter, and whether
// the store's listener is listening on its channel.
type headsVersion struct {
	n         atomic.Uint64
	listening atomic.Bool
}

// changed records that the heads may have changed.
func (h *headsVersion) changed() { h.n.Add(1) }

// HeadsVersion returns a number that changes when a write transaction of
// this Store ends (committed or not: Append, Ingest with its purges,
// DropLog) and when this Store learns that another Store of the schema
// (another process) committed a write: its listener (a connection of its
// own, opened by Open, that LISTENs on Channel) receives that write's
// notification, or Watch reads entries (it counts before reporting
// them). See store.HeadsVersioner. It does no I/O.
//
// While the listener is not listening (its connection failed, until it
// is connected again), every call returns a new number, so nothing
// derived from Heads is kept; when it listens again, or stops, the
// number changes too.
//
// What remains is the delay of a notification: a write another process
// committed before a call whose notification the listener has not yet
// received leaves the number as it was. The sync engine's offer base
// (internal/replicate/offerset.go) may then hand a session a set that
// lacks that write's heads, built before it committed. That costs no
// entry: the node's watchStore (internal/node/storewatch.go) reports
// every entry another process stores, by cursor, to the engine
// (Engine.Added), which pushes it to every session open then; Watch
// bumps the number after each read and before it reports what it read,
// so a session that starts after the report builds its set again (and
// reads the entry with the heads), and one that started before it is
// open when the report reaches the sessions. It is the same window a
// session has today for a write that commits just after it read the
// heads. A log another process dropped is offered until the
// notification arrives, as it would be by a session already open. Only
// while the node's Watch pauses after a failure (and this listener still
// listens) is such an entry pushed to no session, the loss the sessions
// open during that pause already have (RELIABILITY.md).
//
// Why a number settled on once the listener listens again differs from
// any returned while it did not: listenHeads bumps the counter after
// LISTEN took effect and before it says it listens, so a listening call
// that returns a number a non-listening call returned (by its own bump)
// finds that LISTEN preceded that call, and no commit since went
// unannounced.
func (s *Store) HeadsVersion() uint64 {
	if !s.hv.listening.Load() {
		return s.hv.n.Add(1)
	}
	return s.hv.n.Load()
}

// listenHeads connects the heads listener and LISTENs on the store's
// channel; the version changes once it listens (writes committed before
// it did are not announced to it).
func (s *Store) listenHeads(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+quoteIdent(s.Channel())); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	s.hv.changed()
	s.hv.listening.Store(true)
	return conn, nil
}

// runHeadsListener counts every notification of another Store's write
// until ctx ends; it connects again after a failure (listenRetry).
func (s *Store) runHeadsListener(ctx context.Context, conn *pgx.Conn) {
	defer close(s.listenDone)
	defer func() {
		if conn != nil {
			_ = conn.Close(context.WithoutCancel(ctx))
		}
	}()
	for {
		if conn == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(listenRetry):
			}
			c, err := s.listenHeads(ctx)
			if err != nil {
				continue
			}
			conn = c
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			s.hv.listening.Store(false)
			s.hv.changed()
			_ = conn.Close(context.WithoutCancel(ctx))
			conn = nil
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if !strings.HasPrefix(n.Payload, s.token+" ") {
			s.hv.changed()
		}
	}
}
