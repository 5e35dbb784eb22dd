package replicate

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// pipelineDepth bounds the messages queued between the reader and the
// store stage; the reader waits when it is full.
const pipelineDepth = 1024

// recvJob is one received ENTRIES (or the peer's CAUGHT_UP, a marker that
// everything before it has been stored). Its signatures are verified by
// the verify workers and, when it reaches the store stage first, by the
// store stage itself (entry.VerifyJob), so that no stage idles while there
// is verification left.
type recvJob struct {
	es       []*entry.Entry
	verify   *entry.VerifyJob // nil for the marker
	bytes    int              // framed size, for credit
	caughtUp bool             // the marker job
}

func newRecvJob(es []*entry.Entry, bytes int) *recvJob {
	return &recvJob{es: es, verify: entry.NewVerifyJob(es), bytes: bytes}
}

// pipeline takes received entries through verification and the store.
type pipeline struct {
	s       *session
	verify  chan *recvJob
	toStore chan *recvJob
}

func newPipeline(s *session) *pipeline {
	return &pipeline{s: s, verify: make(chan *recvJob, pipelineDepth), toStore: make(chan *recvJob, pipelineDepth)}
}

// push hands a job to the stages; it waits while they are full and returns
// false when the session ends.
func (p *pipeline) push(ctx context.Context, j *recvJob) bool {
	if !j.caughtUp {
		select {
		case p.verify <- j:
		case <-ctx.Done():
			return false
		}
	}
	select {
	case p.toStore <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// verifyWorker verifies jobs in arrival order.
func (p *pipeline) verifyWorker(ctx context.Context) {
	for {
		select {
		case j := <-p.verify:
			j.verify.Work()
		case <-ctx.Done():
			return
		}
	}
}

// storeStage takes jobs in order, gathers what is queued up to IngestBatch
// entries, and stores it in one Ingest.
func (p *pipeline) storeStage(ctx context.Context) {
	limit := p.s.e.limits.IngestBatch
	for {
		var first *recvJob
		select {
		case first = <-p.toStore:
		case <-ctx.Done():
			return
		}
		batch := []*recvJob{first}
		n := len(first.es)
	gather:
		for n < limit && !batch[len(batch)-1].caughtUp {
			select {
			case j := <-p.toStore:
				batch = append(batch, j)
				n += len(j.es)
			default:
				break gather
			}
		}
		if !p.store(ctx, batch) {
			return
		}
	}
}

// store runs one batch through the checks and the store, then returns the
// credit it took. It reports false when the session must end.
func (p *pipeline) store(ctx context.Context, batch []*recvJob) bool {
	s := p.s
	var accepted []*entry.Entry
	var refused []store.LogKey
	var failure error
	caughtUp := false
	entries, bytes := 0, 0
	// Claim every chunk of the batch the verify workers have not started
	// before waiting for any job: waiting job by job would leave this
	// stage idle once per job while a worker finished its chunk of it.
	for _, j := range batch {
		if !j.caughtUp {
			j.verify.Work()
		}
	}
	for _, j := range batch {
		entries += len(j.es)
		bytes += j.bytes
		if j.caughtUp {
			caughtUp = true
			continue
		}
		if failure != nil {
			continue
		}
		j.verify.Finish()
		for _, e := range j.es {
			v, probe, err := s.recv.check(e)
			if err != nil {
				failure = err
				break
			}
			if probe != nil {
				s.w.sendControl(AppendFrame(nil, &Want{Logs: []WantLog{*probe}}))
			}
			switch v {
			case accept:
				accepted = append(accepted, e)
			case refuse:
				refused = append(refused, store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID})
			}
		}
	}
	for len(refused) > 0 {
		n := min(len(refused), MaxLogsPerMessage)
		s.w.sendControl(AppendFrame(nil, &Unwant{Logs: refused[:n]}))
		refused = refused[n:]
	}
	if len(accepted) > 0 {
		if err := p.ingest(ctx, accepted); err != nil {
			s.fail(err)
			return false
		}
		s.sentHeads(accepted)
	}
	if failure != nil {
		s.fail(failure)
		return false
	}
	if c := s.recv.giveBack(entries, bytes, len(p.toStore) == 0); c != nil {
		s.w.sendControl(AppendFrame(nil, c))
	}
	if caughtUp {
		s.caughtUp.Store(true)
		s.changed()
	}
	return true
}

// ingest stores accepted entries and acts on the outcomes: added entries
// are reported and relayed, forks counted and their logs unwanted, and an
// entry the store refused (other than for a log already forked) is the
// peer's misbehaviour.
func (p *pipeline) ingest(ctx context.Context, es []*entry.Entry) error {
	s := p.s
	res, err := s.e.cfg.Store.Ingest(ctx, es)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &localError{fmt.Errorf("store %d entries: %w", len(es), err)}
	}
	if len(res) != len(es) {
		return &localError{fmt.Errorf("store returned %d results for %d entries", len(res), len(es))}
	}
	var added []*entry.Entry
	var unwant []store.LogKey
	forks, notKept := 0, 0
	var refused error
	for i, r := range res {
		e := es[i]
		l := store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
		switch r.Outcome {
		case store.Added:
			if r.PayloadErr != nil && e.Payload != nil {
				c := *e
				c.Payload = nil
				e = &c
			}
			added = append(added, e)
		case store.Forked:
			forks++
			if s.recv.drain(l) {
				unwant = append(unwant, l)
			}
		case store.Rejected:
			if errors.Is(r.Err, store.ErrNotKept) {
				// A revoked device's entry its revocation does not
				// keep: the peer may not hold the revocation yet (it
				// may be that device). Nothing more of the log is
				// wanted from it; the session goes on, so the
				// revocation can reach the peer.
				notKept++
				if s.recv.drain(l) {
					unwant = append(unwant, l)
				}
				continue
			}
			h, herr := s.e.cfg.Store.Head(ctx, l)
			if herr == nil && h.Forked {
				if s.recv.drain(l) {
					unwant = append(unwant, l)
				}
				continue
			}
			if refused == nil {
				refused = protoErr(CodeInvalidEntry, "ENTRIES: entry %s (seq %d of log %s) refused by the store: %v", e.ID, e.Header.Seq, l, r.Err)
			}
		}
	}
	if notKept > 0 {
		s.recv.addNotKept(notKept)
		s.log.Info("entries of a revoked device refused", "entries", notKept)
	}
	if forks > 0 {
		s.recv.addForks(forks)
		s.log.Info("fork evidence received", "entries", forks)
	}
	for len(unwant) > 0 {
		n := min(len(unwant), MaxLogsPerMessage)
		s.w.sendControl(AppendFrame(nil, &Unwant{Logs: unwant[:n]}))
		unwant = unwant[n:]
	}
	if len(added) > 0 {
		if f := s.e.cfg.OnAdded; f != nil {
			f(s.peer, added)
		}
		s.e.relay(s, added)
	}
	return refused
}
