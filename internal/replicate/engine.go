package replicate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// Stream is an ordered, reliable, bidirectional byte stream whose remote end
// is authenticated as a device key. If it also has SetReadDeadline(time.Time)
// error, SetWriteDeadline(time.Time) error or Reset() error, they are used.
type Stream interface{ io.ReadWriteCloser }

// Scope decides what this node gives and takes.
type Scope interface {
	// Offers reports whether this node gives the log to peer (the remote
	// device key).
	Offers(peer identity.PublicKey, log store.LogKey) bool
	// Wants reports whether this node wants to hold the log.
	Wants(log store.LogKey) bool
}

// Admitter is a Scope that also judges single entries of wanted logs by
// what they are, not only by their log: Admits is called for every entry
// that verified and follows its log's chain, before it is stored. A refused
// entry is not stored and its log is unwanted until a scope change
// (ScopeChanged) wants it again (the entries after it cannot be stored
// without it); the peer is not blamed, it may hold the entry rightly.
type Admitter interface {
	Admits(e *entry.Entry) bool
}

// Config is what an Engine works with.
type Config struct {
	Store store.Store
	Scope Scope
	Self  identity.PublicKey // this node's device key
	// OnAdded is called from a session goroutine, after the transaction,
	// with the entries from peer that the store newly added (outcome
	// Added), in store order. An entry whose payload the store refused is
	// passed without it. The engine pushes them on to its other sessions
	// itself: do not hand them to Added.
	OnAdded func(peer identity.PublicKey, es []*entry.Entry)
	// OnPeerHeads, if set, is called from a session goroutine with heads
	// the peer holds, as it told them: its items learned in the
	// reconciliation, its HAVEs, and the last entry of each log it sent.
	// It must not block, nor keep heads after it returns (the slice is
	// reused). The peer may lie; the callee decides whom to
	// believe (doc/protocol/sync.md, "Mirrors").
	OnPeerHeads func(peer identity.PublicKey, heads []Item)
	// OnMisbehaviour is called when a peer broke the protocol (code is one
	// for which Code.Misbehaviour is true), after the session was closed
	// with a BYE carrying that code.
	OnMisbehaviour func(peer identity.PublicKey, code Code, err error)
	Logger         *slog.Logger // nil: discard
	Limits         Limits       // zero fields: defaults
	// Budget bounds what all the sessions keep together of what their
	// peers teach them (nil: a budget of DefaultBudget items of the
	// engine's own). A node makes one and passes it here.
	Budget *Budget
}

// Engine runs the sync sessions of one node, at most one per peer. All
// methods are safe for concurrent use.
type Engine struct {
	cfg    Config
	limits Limits
	log    *slog.Logger
	budget *Budget
	pool   *sendPool // the ENTRIES bytes all sessions queue, beyond their own
	base   offerBase // every head, sorted, shared by the sessions' offer sets

	mu       sync.Mutex
	sessions map[identity.PublicKey]*session
	changed  chan struct{} // closed and replaced whenever a session's state changes
	done     Totals        // the sessions registered, and the counts of those ended (totals.go)
}

// NewEngine returns an engine; it starts nothing until Run.
func NewEngine(cfg Config) *Engine {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	budget := cfg.Budget
	if budget == nil {
		budget = NewBudget(DefaultBudget)
	}
	limits := cfg.Limits.withDefaults()
	return &Engine{
		cfg:      cfg,
		limits:   limits,
		pool:     newSendPool(limits.SharedWriteBuffer, limits.OwnWriteBuffer),
		log:      log,
		budget:   budget,
		sessions: map[identity.PublicKey]*session{},
		changed:  make(chan struct{}),
	}
}

// Run runs one sync session with peer over s until the stream ends, a
// protocol error, or ctx is cancelled; it closes s. initiator is true on the
// side that opened the stream. It returns nil when the peer closed
// normally, ctx.Err() when ctx ended it, a *ProtocolError when the peer
// broke the protocol (or speaks another version), a *PeerClosedError when
// the peer closed with a reason, and ErrDuplicateSession when another
// session with the peer is kept.
//
// At most one session per peer is kept. If a second one starts, both sides
// keep the session initiated by the smaller device key (bytewise) and close
// the other with BYE code 7; of two sessions initiated by the same side,
// the newer one is kept.
func (e *Engine) Run(ctx context.Context, peer identity.PublicKey, s Stream, initiator bool) error {
	if peer == e.cfg.Self {
		s.Close()
		return ErrSelf
	}
	sess := newSession(e, peer, s, initiator)
	if !e.register(sess) {
		sess.closeAsDuplicate()
		return ErrDuplicateSession
	}
	defer e.retire(sess)
	defer sess.acct.close() // after every goroutine of the session ended
	return sess.run(ctx)
}

// Budget returns the budget the engine's sessions take from.
func (e *Engine) Budget() *Budget { return e.budget }

// initiatorKey is the device key of the side that opened s's stream.
func (e *Engine) initiatorKey(s *session) identity.PublicKey {
	if s.initiator {
		return e.cfg.Self
	}
	return s.peer
}

// register makes s the peer's session unless the one running is kept; the
// one that is not kept is closed.
func (e *Engine) register(s *session) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.sessions[s.peer]
	if old != nil {
		ko, kn := e.initiatorKey(old), e.initiatorKey(s)
		if c := bytes.Compare(ko[:], kn[:]); c < 0 {
			return false // the running session was initiated by the smaller key
		}
		old.duplicate()
	}
	e.sessions[s.peer] = s
	e.done.Sessions++
	e.notifyLocked()
	return true
}

// notify wakes everyone waiting for a change of session state.
func (e *Engine) notify() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notifyLocked()
}

func (e *Engine) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// others returns the running sessions except skip.
func (e *Engine) others(skip *session) []*session {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*session, 0, len(e.sessions))
	for _, s := range e.sessions {
		if s != skip {
			out = append(out, s)
		}
	}
	return out
}

// Added tells the engine that entries were stored locally by someone other
// than a session (published or imported): live sessions push them to peers
// that want their logs, or announce them with HAVE. It does not block on
// slow peers.
func (e *Engine) Added(es []*entry.Entry) {
	e.base.dropStale(e.cfg.Store)
	if len(es) == 0 {
		return
	}
	for _, s := range e.others(nil) {
		s.send.added(es)
	}
}

// relay pushes entries a session stored on to the other sessions, and
// acknowledges them to the session's own peer where the scope says so.
func (e *Engine) relay(from *session, es []*entry.Entry) {
	e.base.dropStale(e.cfg.Store)
	for _, s := range e.others(from) {
		s.send.added(es)
	}
	from.send.acknowledge(es)
}

// ScopeChanged tells the engine that Scope's answers may have changed.
// Every session re-evaluates: it wants the newly wanted logs it knows the
// peer has, unwants logs no longer wanted, and stops sending logs no longer
// offered.
func (e *Engine) ScopeChanged() {
	for _, s := range e.others(nil) {
		s.scopeChanged()
	}
}

// SessionState is a snapshot of one session.
type SessionState struct {
	Peer      identity.PublicKey
	Initiator bool
	// Phase is "hello" (waiting for the peer's HELLO), "reconciling",
	// "catching-up" (until both sides sent CAUGHT_UP and this side stored
	// everything announced before the peer's) or "live".
	Phase string
	// CaughtUp: the peer sent CAUGHT_UP and every entry it sent before it
	// has been through the store.
	CaughtUp   bool
	Started    time.Time
	LogsWanted int // logs this side currently wants from the peer
	LogsServed int // logs the peer currently wants from this side and is sent
	// UselessWants counts the logs the peer wanted that this side does
	// not hold or offer it, and restarts of logs already served
	// (Limits.MaxUselessWants).
	UselessWants int
	// EntriesExpected is the number of entries the peer's heads (from the
	// reconciliation, HAVE, and entries pushed live beyond them) put beyond
	// this side's for the logs it wanted; EntriesReceived counts the entries of those logs received
	// and accepted for the store (progress = Received/Expected);
	// EntriesSent the entries sent to the peer.
	EntriesExpected, EntriesReceived, EntriesSent int64
	BytesIn, BytesOut                             int64 // framed bytes on this stream
	Forks                                         int   // entries that proved a fork (store outcome Forked)
	// Revoked counts the entries refused because their device is revoked
	// and its revocation does not keep them (store.ErrNotKept): not the
	// peer's misbehaviour, as it may not hold the revocation yet.
	Revoked int
	// Retained is the number of items (open wants and remembered heads)
	// the session keeps of what the peer taught it, out of its share of
	// the node's Budget.
	Retained int
}

// Sessions returns a snapshot of every running session.
func (e *Engine) Sessions() []SessionState {
	var out []SessionState
	for _, s := range e.others(nil) {
		out = append(out, s.state())
	}
	return out
}

// WaitFor waits until cond holds for the sessions' states, checking at every
// change, and returns the states for which it held. It is meant for tests
// and tools.
func (e *Engine) WaitFor(ctx context.Context, cond func([]SessionState) bool) ([]SessionState, error) {
	for {
		e.mu.Lock()
		ch := e.changed
		e.mu.Unlock()
		st := e.Sessions()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-ch:
		}
	}
}

// WaitLive waits until the session with peer is live: both sides caught up.
func (e *Engine) WaitLive(ctx context.Context, peer identity.PublicKey) (SessionState, error) {
	var got SessionState
	_, err := e.WaitFor(ctx, func(ss []SessionState) bool {
		for _, s := range ss {
			if s.Peer == peer && s.Phase == PhaseLive {
				got = s
				return true
			}
		}
		return false
	})
	if err != nil {
		return got, errors.Join(errors.New("replicate: the session did not become live"), err)
	}
	return got, nil
}
