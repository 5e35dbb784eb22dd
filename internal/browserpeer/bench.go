package browserpeer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store/mem"
)

// VerifyRate is what MeasureVerify measured.
type VerifyRate struct {
	Entries          int
	Verify, Ingest   time.Duration
	VerifyPerSecond  float64 // entry.VerifyBatch on freshly parsed entries
	IngestPerSecond  float64 // an in-memory store's Ingest: verify, chain, payload checks, store
	VerifyMicrosEach float64
}

// MeasureVerify signs n posts of one log, then measures how fast they are
// verified from their encoded form (entry.VerifyBatch) and ingested by an
// empty in-memory store, the browser peer's work when it syncs. The same
// function runs natively and in the WebAssembly build, so the two can be
// compared on one machine (doc/browser.md, BENCHMARKS.md).
func MeasureVerify(n int) (VerifyRate, error) {
	seed := sha256.Sum256([]byte("kith-browser-bench"))
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		return VerifyRate{}, err
	}
	type raw struct{ h, p []byte }
	raws := make([]raw, n)
	var prev entry.ID
	for i := range n {
		p, err := content.Encode(&content.Post{Text: fmt.Sprintf("post %d of a benchmark", i+1)})
		if err != nil {
			return VerifyRate{}, err
		}
		e, err := entry.Sign(k, entry.Draft{Seq: uint64(i + 1), Backlink: prev, Timestamp: 1_700_000_000_000 + uint64(i), Payload: p})
		if err != nil {
			return VerifyRate{}, err
		}
		prev = e.ID
		raws[i] = raw{e.Raw, e.Payload}
	}
	parse := func() ([]*entry.Entry, error) {
		es := make([]*entry.Entry, n)
		for i, r := range raws {
			e, err := entry.Parse(r.h, r.p)
			if err != nil {
				return nil, err
			}
			es[i] = e
		}
		return es, nil
	}
	es, err := parse()
	if err != nil {
		return VerifyRate{}, err
	}
	start := time.Now()
	for i, ok := range entry.VerifyBatch(es) {
		if !ok {
			return VerifyRate{}, fmt.Errorf("entry %d does not verify", i)
		}
	}
	verify := time.Since(start)
	if es, err = parse(); err != nil {
		return VerifyRate{}, err
	}
	start = time.Now()
	if _, err := mem.New().Ingest(context.Background(), es); err != nil {
		return VerifyRate{}, err
	}
	ingest := time.Since(start)
	return VerifyRate{
		Entries: n, Verify: verify, Ingest: ingest,
		VerifyPerSecond:  float64(n) / verify.Seconds(),
		IngestPerSecond:  float64(n) / ingest.Seconds(),
		VerifyMicrosEach: float64(verify.Microseconds()) / float64(n),
	}, nil
}
