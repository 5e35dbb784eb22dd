package store

import (
	"errors"

	"github.com/kithnet/kith/internal/entry"
)

// The chunks of an Ingest batch, verified ahead of the writer: the first
// is small because its verification is not overlapped with writing, the
// others large enough for batch verification to pay.
const (
	FirstVerifyChunk = 128
	VerifyChunk      = 512
)

// VerifyPipeline verifies the chunks of an Ingest batch, in order, on
// another goroutine, while the writer plans and writes the chunks before
// them: a backend's Ingest starts it, hands Plan each chunk with
// Verifier(i), and stops it before returning, so no work outlives the
// call.
type VerifyPipeline struct {
	chunks [][]*entry.Entry
	ready  []chan map[*entry.Entry]bool // one per chunk, buffered
	quit   chan struct{}
	done   chan struct{}
	verify Verifier
}

// StartVerify splits es into chunks and starts verifying them with
// verify. fresh returns the entries of a chunk that are probably new (the
// backend's cache of heads says so); only those are verified ahead, and
// Plan's verifier verifies whatever else it asks for.
func StartVerify(es []*entry.Entry, verify Verifier, fresh func(chunk []*entry.Entry) []*entry.Entry) *VerifyPipeline {
	p := &VerifyPipeline{quit: make(chan struct{}), done: make(chan struct{}), verify: verify}
	for len(es) > 0 {
		n := min(VerifyChunk, len(es))
		if len(p.chunks) == 0 {
			n = min(FirstVerifyChunk, len(es))
		}
		p.chunks = append(p.chunks, es[:n])
		p.ready = append(p.ready, make(chan map[*entry.Entry]bool, 1))
		es = es[n:]
	}
	go func() {
		defer close(p.done)
		for i, chunk := range p.chunks {
			select {
			case <-p.quit:
				return
			default:
			}
			cand := fresh(chunk)
			done := make(map[*entry.Entry]bool, len(cand))
			if len(cand) > 0 {
				for j, ok := range verify(cand) {
					done[cand[j]] = ok
				}
			}
			p.ready[i] <- done
		}
	}()
	return p
}

// Chunks returns the batch's chunks, in order.
func (p *VerifyPipeline) Chunks() [][]*entry.Entry { return p.chunks }

// wait returns the results for chunk i once they are ready.
func (p *VerifyPipeline) wait(i int) (map[*entry.Entry]bool, error) {
	select {
	case r := <-p.ready[i]:
		p.ready[i] <- r // keep it for later callers
		return r, nil
	case <-p.done:
		select {
		case r := <-p.ready[i]:
			p.ready[i] <- r
			return r, nil
		default:
			return nil, errors.New("ingest: verification stopped")
		}
	}
}

// Wait blocks until chunk i is verified ahead (Ingest waits for the first
// before it opens its transaction).
func (p *VerifyPipeline) Wait(i int) error {
	_, err := p.wait(i)
	return err
}

// Stop ends the verification goroutine and waits for it.
func (p *VerifyPipeline) Stop() {
	close(p.quit)
	<-p.done
}

// Verifier returns the verifier Plan uses for chunk i: it answers from the
// results computed ahead and verifies whatever else Plan asks for.
func (p *VerifyPipeline) Verifier(i int) (Verifier, error) {
	done, err := p.wait(i)
	if err != nil {
		return nil, err
	}
	verify := p.verify
	return func(sub []*entry.Entry) []bool {
		out := make([]bool, len(sub))
		var rest []*entry.Entry
		var restIdx []int
		for i, e := range sub {
			if r, ok := done[e]; ok {
				out[i] = r
				continue
			}
			rest = append(rest, e)
			restIdx = append(restIdx, i)
		}
		if len(rest) > 0 {
			for j, r := range verify(rest) {
				out[restIdx[j]] = r
			}
		}
		return out
	}, nil
}
