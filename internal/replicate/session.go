package replicate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// The phases of SessionState.
const (
	PhaseHello       = "hello"
	PhaseReconciling = "reconciling"
	PhaseCatchingUp  = "catching-up"
	PhaseLive        = "live"
)

// localError is a failure on this side (its store), not the peer's fault;
// the session closes with CodeInternal.
type localError struct{ err error }

func (e *localError) Error() string { return "replicate: " + e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// errHandshakeTimeout: the peer did not finish HELLO and reconciliation in
// time.
var errHandshakeTimeout = errors.New("replicate: no HELLO or no end of the reconciliation within the handshake timeout")

// session is one sync session with one peer. Goroutines: the loop (Run's
// own: reconciliation, WANT/HAVE/CREDIT/UNWANT handling, scope changes),
// the reader, the writer, the sender, the verify workers and the store
// stage. Any of them ends the session with fail; the first error is the
// session's.
type session struct {
	e         *Engine
	peer      identity.PublicKey
	stream    Stream
	initiator bool
	started   time.Time
	log       *slog.Logger

	w    *writer
	acct *account // the session's share of the node's Budget
	send *sender
	recv *receiver
	pipe *pipeline

	ctx    context.Context
	cancel context.CancelFunc
	inbox  chan Message
	round  chan struct{}       // capacity 1: the loop handled a RECONCILE (the reader waits for it)
	scope  chan struct{}       // capacity 1: the scope changed
	rewant chan struct{}       // capacity 1: a log wanted again may be wanted now (receiver.rewants)
	parts  chan *reconcilePart // RECONCILE parts handled, for the reader to use again

	mu  sync.Mutex
	err error // the first failure
	bye *Bye  // the peer's BYE

	helloSeen, reconciled, caughtUp atomic.Bool
	bytesIn, bytesOut, entriesSent  atomic.Int64
}

func newSession(e *Engine, peer identity.PublicKey, s Stream, initiator bool) *session {
	sess := &session{
		e: e, peer: peer, stream: s, initiator: initiator, started: time.Now(),
		log:    e.log.With("peer", peer.Device().String(), "initiator", initiator),
		inbox:  make(chan Message, inboxDepth),
		round:  make(chan struct{}, 1),
		scope:  make(chan struct{}, 1),
		rewant: make(chan struct{}, 1),
		parts:  make(chan *reconcilePart, inboxDepth+2),
	}
	sess.ctx, sess.cancel = context.WithCancel(context.Background())
	sess.acct = newAccount(e.budget, MaxOpenWants, e.limits.MaxPeerHeads)
	sess.w = newWriter(s, e.limits.WriteTimeout, e.limits.WriteBuffer, e.pool, &sess.bytesOut, func(err error) { sess.fail(err) })
	sess.send = newSender(sess)
	sess.recv = newReceiver(sess)
	sess.pipe = newPipeline(sess)
	return sess
}

// fail ends the session with err, unless it already ended.
func (s *session) fail(err error) {
	s.mu.Lock()
	if s.err == nil && s.bye == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.cancel()
}

// gotBye ends the session on the peer's BYE.
func (s *session) gotBye(b *Bye) {
	s.mu.Lock()
	if s.err == nil && s.bye == nil {
		s.bye = b
	}
	s.mu.Unlock()
	s.cancel()
}

// duplicate closes a running session that a newer one replaces.
func (s *session) duplicate() { s.fail(ErrDuplicateSession) }

// closeAsDuplicate closes a session that was never started: another one
// with the peer is kept.
func (s *session) closeAsDuplicate() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if d, ok := s.stream.(writeDeadliner); ok {
			_ = d.SetWriteDeadline(time.Now().Add(s.e.limits.CloseTimeout))
		}
		_, _ = s.stream.Write(AppendFrame(nil, &Bye{Code: CodeDuplicate, Text: "another session with this peer is kept"}))
	}()
	flushed := true
	select {
	case <-done:
	case <-time.After(s.e.limits.CloseTimeout):
		flushed = false
	}
	closeStream(s.stream, flushed)
	<-done
	s.cancel()
}

func (s *session) changed() { s.e.notify() }

func (s *session) scopeChanged() {
	select {
	case s.scope <- struct{}{}:
	default:
	}
}

// rewantSoon asks the loop to want again the logs receiver.rewants names.
func (s *session) rewantSoon() {
	select {
	case s.rewant <- struct{}{}:
	default:
	}
}

// run runs the session until it ends and returns why.
func (s *session) run(parent context.Context) error {
	stop := context.AfterFunc(parent, s.cancel)
	defer stop()
	ctx := s.ctx
	rec, err := s.reconciler(ctx)
	if err != nil {
		s.fail(&localError{err})
		return s.shutdown(parent, nil)
	}

	var wg sync.WaitGroup
	spawn := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	spawn(s.w.run)
	spawn(func() { s.readLoop(ctx) })
	spawn(func() { s.send.run(ctx) })
	for range s.e.limits.VerifyWorkers {
		spawn(func() { s.pipe.verifyWorker(ctx) })
	}
	spawn(func() { s.pipe.storeStage(ctx) })

	lim := &s.e.limits
	s.w.sendControl(AppendFrame(nil, &Hello{Version: Version, Features: []string{}}))
	s.w.sendControl(AppendFrame(nil, &Credit{Entries: uint64(lim.CreditEntries), Bytes: uint64(lim.CreditBytes)}))
	st := loopState{rec: rec}
	if s.initiator {
		st.answer = s.w.sendControl(AppendFrame(nil, &Reconcile{Ranges: rec.Start()}))
	}
	s.loop(ctx, &st)
	return s.shutdown(parent, &wg)
}

// reconciler starts the reconciliation of the offer set: from its digest
// alone when the store and the scope can give it (lazyStart), the set
// itself built only if the peer's fingerprint differs, else from the set.
func (s *session) reconciler(ctx context.Context) (*Reconciler, error) {
	ls, ok, err := s.lazyStart(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case ok && ls.none:
		set, err := NewItemSet(nil)
		if err != nil {
			return nil, err
		}
		s.send.setSnapshot(set)
		return NewReconciler(set, 0), nil
	case ok:
		s.send.setLazy(ls.withheld)
		return newLazyReconciler(ls.count, ls.fp, func() (*ItemSet, error) {
			set, err := s.offerSet(ctx)
			if err != nil {
				return nil, &localError{err}
			}
			s.send.setSnapshot(set)
			return set, nil
		}), nil
	}
	set, err := s.offerSet(ctx)
	if err != nil {
		return nil, err
	}
	s.send.setSnapshot(set)
	return NewReconciler(set, 0), nil
}

// offerSet is the snapshot of the logs this node offers the peer: the
// engine's set of all heads (offerset.go) less the logs the scope does not
// give the peer.
func (s *session) offerSet(ctx context.Context) (*ItemSet, error) {
	all, err := s.e.base.get(ctx, s.e.cfg.Store)
	if err != nil {
		return nil, err
	}
	return all.filter(func(l store.LogKey) bool { return s.e.cfg.Scope.Offers(s.peer, l) }), nil
}

// loop handles the messages the reader passes on, and scope changes, until
// the session ends.
func (s *session) loop(ctx context.Context, st *loopState) {
	handshake := time.NewTimer(s.e.limits.HandshakeTimeout)
	defer handshake.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-s.inbox:
			end := answered(m) // before handle: it gives a part back to the reader
			if err := s.handle(ctx, st, m); err != nil {
				s.fail(err)
				return
			}
			if end {
				select {
				case s.round <- struct{}{}:
				default:
				}
			}
		case <-s.scope:
			if err := s.applyScope(ctx); err != nil {
				s.fail(err)
				return
			}
		case <-s.rewant:
			if err := s.wantAll(ctx, s.recv.rewants()); err != nil {
				s.fail(err)
				return
			}
		case <-handshake.C:
			if !s.reconciled.Load() {
				s.fail(errHandshakeTimeout)
				return
			}
		}
	}
}

// loopState is the loop's own state.
type loopState struct {
	rec        *Reconciler
	round      *answer // the answer to the RECONCILE being received
	reconciles int     // RECONCILE messages received
	answer     uint64  // the writer's number of this side's last RECONCILE (0: none yet)
	learned    int     // the peer's differing items learned in the reconciliation
	unwanted   int     // of which of logs this node does not want
	wants      []WantLog
}

func (s *session) handle(ctx context.Context, st *loopState, m Message) error {
	switch m := m.(type) {
	case *Reconcile:
		return s.reconcile(ctx, st, &reconcilePart{ranges: m.Ranges, first: true, last: true})
	case *reconcilePart:
		err := s.reconcile(ctx, st, m)
		select {
		case s.parts <- m: // nothing refers to it any more
		default:
		}
		return err
	case *Want:
		return s.send.want(ctx, m.Logs)
	case *WantsDone:
		return s.send.gotWantsDone()
	case *Credit:
		return s.send.addCredit(m)
	case *Have:
		s.send.peerHolds(m.Heads)
		s.peerHeads(m.Heads)
		return s.wantAll(ctx, m.Heads)
	case *Unwant:
		return s.send.unwanted(ctx, m.Logs)
	default:
		return protoErr(CodeMalformed, "%s: not expected here", m.Kind())
	}
}

// answered reports whether the loop has answered a RECONCILE once it
// handled m: the reader then reads on.
func answered(m Message) bool {
	switch m := m.(type) {
	case *Reconcile:
		return true
	case *reconcilePart:
		return m.last
	}
	return false
}

// reconcile handles part of a RECONCILE: the first part starts the answer,
// the last one sends it.
func (s *session) reconcile(ctx context.Context, st *loopState, p *reconcilePart) error {
	if p.first {
		if s.reconciled.Load() {
			return protoErr(CodeMalformed, "RECONCILE: the reconciliation already ended")
		}
		if st.answer > 0 && !s.w.taken(st.answer) {
			return protoErr(CodeMalformed, "RECONCILE: sent before this side's RECONCILE it answers was written")
		}
		st.reconciles++
		if st.reconciles > s.e.limits.MaxReconcileMessages {
			return protoErr(CodeLimit, "RECONCILE: message %d; the limit is %d per session", st.reconciles, s.e.limits.MaxReconcileMessages)
		}
		st.round = st.rec.answer()
	}
	if st.round == nil {
		return &localError{errors.New("a part of a RECONCILE without its first")}
	}
	if err := st.round.add(p.ranges, func(its []Item) error { return s.learn(ctx, st, its) }); err != nil {
		return err
	}
	if !p.last {
		return nil
	}
	round := st.round.finish()
	st.round = nil
	if round.Send {
		st.answer = s.w.sendControl(AppendFrame(nil, &Reconcile{Ranges: round.Reply}))
	}
	if round.Done {
		return s.reconcileDone(st)
	}
	return nil
}

// learn takes the peer's items that one RECONCILE taught (doc/protocol/
// sync.md, "Reconciliation state"). Nothing is kept of them but what the
// node wants: an item of a log the scope wants becomes an open want at
// once (within the budget; its WANT is sent when the reconciliation ends);
// of any other, at most the head is remembered, best effort, and the peer
// is closed once it offered more than MaxUnwanted of them.
func (s *session) learn(ctx context.Context, st *loopState, items []Item) error {
	lim := &s.e.limits
	st.learned += len(items)
	if st.learned > lim.MaxLearned {
		return protoErr(CodeLimit, "RECONCILE: the peer's offer set differs in more than %d logs", lim.MaxLearned)
	}
	s.peerHeads(items)
	var held []Item // unwanted logs this side offers too: the peer's head, against needless HAVEs
	for _, it := range items {
		if s.wants(it.Log) {
			w, err := s.recv.want(ctx, it, true)
			if err != nil {
				return err
			}
			if w != nil {
				st.wants = append(st.wants, *w)
			}
			continue
		}
		st.unwanted++
		if st.unwanted > lim.MaxUnwanted {
			return protoErr(CodeLimit, "RECONCILE: the peer offered more than %d logs this node does not want", lim.MaxUnwanted)
		}
		s.recv.remember(it)
		if s.send.offered(it.Log) {
			held = append(held, it)
		}
	}
	s.send.peerHolds(held)
	return nil
}

// reconcileDone sends the WANTs that follow from the reconciliation, then
// WANTS_DONE.
func (s *session) reconcileDone(st *loopState) error {
	s.reconciled.Store(true)
	wants := st.wants
	st.wants = nil
	s.recv.sent(wants) // before they go out: the peer may answer at once
	for len(wants) > 0 {
		n := min(len(wants), MaxLogsPerMessage)
		s.w.sendControl(AppendFrame(nil, &Want{Logs: wants[:n]}))
		wants = wants[n:]
	}
	s.w.sendControl(AppendFrame(nil, &WantsDone{}))
	s.send.setReconciled()
	s.changed()
	return nil
}

// wantAll considers heads the peer has and sends the WANTs that follow.
func (s *session) wantAll(ctx context.Context, heads []Item) error {
	var wants []WantLog
	for _, it := range heads {
		w, err := s.recv.consider(ctx, it)
		if err != nil {
			return err
		}
		if w != nil {
			wants = append(wants, *w)
		}
	}
	for len(wants) > 0 {
		n := min(len(wants), MaxLogsPerMessage)
		s.w.sendControl(AppendFrame(nil, &Want{Logs: wants[:n]}))
		wants = wants[n:]
	}
	return nil
}

// applyScope re-evaluates the session after a scope change.
func (s *session) applyScope(ctx context.Context) error {
	heads, err := s.e.cfg.Store.Heads(ctx)
	if err != nil {
		return &localError{fmt.Errorf("read the store's heads after a scope change: %w", err)}
	}
	s.send.scopeChanged(heads)
	unwant, reconsider := s.recv.scopeChanged()
	for len(unwant) > 0 {
		n := min(len(unwant), MaxLogsPerMessage)
		s.w.sendControl(AppendFrame(nil, &Unwant{Logs: unwant[:n]}))
		unwant = unwant[n:]
	}
	if len(reconsider) > 0 {
		return s.wantAll(ctx, reconsider)
	}
	return nil
}

// phase returns the session's phase.
func (s *session) phase() string {
	switch {
	case !s.helloSeen.Load():
		return PhaseHello
	case !s.reconciled.Load():
		return PhaseReconciling
	case s.caughtUp.Load() && s.send.sentCaughtUp():
		return PhaseLive
	}
	return PhaseCatchingUp
}

func (s *session) state() SessionState {
	wanted, expected, received, forks := s.recv.progress()
	notKept := s.recv.notKeptCount()
	served, useless := s.send.served()
	return SessionState{
		Peer: s.peer, Initiator: s.initiator, Phase: s.phase(), CaughtUp: s.caughtUp.Load(), Started: s.started,
		LogsWanted: wanted, LogsServed: served, UselessWants: useless, EntriesExpected: expected, EntriesReceived: received, EntriesSent: s.entriesSent.Load(),
		BytesIn: s.bytesIn.Load(), BytesOut: s.bytesOut.Load(), Forks: forks, Revoked: notKept,
		Retained: s.acct.retained(),
	}
}

// inboxDepth bounds the messages the reader decodes ahead of the session
// loop (besides the one it holds): a WANT or HAVE of 1,024 logs is 74–107
// KB decoded, so a peer whose messages take the loop long (WANTs of logs
// to look up in the store) holds at most about 1 MB of this side's memory.
// ENTRIES do not go through it (the pipeline bounds them).
const inboxDepth = 8
