package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/bundle"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// ExportStats counts what Export wrote.
type ExportStats struct {
	Logs         int   `json:"logs"`
	Entries      int   `json:"entries"`
	Blobs        int   `json:"blobs"`
	BlobsMissing int   `json:"blobs_missing"` // referenced, but not held here
	Bytes        int64 `json:"bytes"`
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Export writes a bundle with the logs of the given accounts (all logs held
// when accounts is empty) and the blobs their entries reference. progress,
// when not nil, is called after every 10,000 entries.
func (n *Node) Export(ctx context.Context, w io.Writer, accounts []identity.PublicKey, progress func(ExportStats)) (ExportStats, error) {
	var st ExportStats
	var logs []store.Head
	if len(accounts) == 0 {
		all, err := n.store.Heads(ctx)
		if err != nil {
			return st, err
		}
		logs = all
	} else {
		seen := map[store.LogKey]bool{}
		for _, a := range accounts {
			hs, err := n.LogsOf(ctx, a)
			if err != nil {
				return st, err
			}
			if len(hs) == 0 {
				return st, fmt.Errorf("no logs of %s are held here", a.Account())
			}
			for _, h := range hs {
				if !seen[h.Log] {
					seen[h.Log] = true
					logs = append(logs, h)
				}
			}
		}
	}
	cw := &countingWriter{w: w}
	bw, err := bundle.NewWriter(cw, bundle.Meta{Created: n.now(), Producer: "kith " + n.Device().String()})
	if err != nil {
		return st, err
	}
	blobs := map[blob.ID]bool{}
	st.Logs = len(logs)
	err = n.EachEntry(ctx, logs, func(e *store.Stored) error {
		if err := bw.Entry(e.Entry); err != nil {
			return err
		}
		st.Entries++
		if e.Payload != nil && (e.Type == content.TypePost || e.Type == content.TypeProfile || e.Type == content.TypeImage || e.Type == content.TypeCollection) {
			for _, id := range referencedBlobs(e.Payload) {
				blobs[id] = true
			}
		}
		if progress != nil && st.Entries%10000 == 0 {
			st.Bytes = cw.n
			progress(st)
		}
		return ctx.Err()
	})
	if err != nil {
		return st, err
	}
	ids := make([]blob.ID, 0, len(blobs))
	for id := range blobs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return string(ids[i][:]) < string(ids[j][:]) })
	for _, id := range ids {
		rc, size, err := n.blobs.Open(id)
		if err != nil {
			if errors.Is(err, blob.ErrNotFound) {
				st.BlobsMissing++
				continue
			}
			return st, err
		}
		err = bw.Blob(id, size, rc)
		rc.Close()
		if err != nil {
			return st, fmt.Errorf("export blob %s: %w", id, err)
		}
		st.Blobs++
	}
	if err := bw.Close(); err != nil {
		return st, err
	}
	st.Bytes = cw.n
	return st, nil
}

func referencedBlobs(payload []byte) []blob.ID {
	// Only a post's or an image entry's "images", a collection's "root", a profile's "image", a village vote's
	// "proof", a village note's or request's "blob" and a village state's
	// "seen" name blobs, and CBOR writes a
	// text key as its UTF-8 bytes: a payload without one of those names
	// none, and most posts need no decoding here.
	if !bytes.Contains(payload, []byte("image")) && !bytes.Contains(payload, []byte("proof")) && !bytes.Contains(payload, []byte("blob")) &&
		!bytes.Contains(payload, []byte("seen")) && !bytes.Contains(payload, []byte("root")) {
		return nil
	}
	if typ, err := content.PeekType(payload); err == nil && village.IsVillageType(typ) {
		switch v := decodeVillage(payload).(type) {
		case *village.Vote:
			if v.Vote == village.VoteAccept && v.Proof != ([32]byte{}) {
				return []blob.ID{blob.ID(v.Proof)}
			}
		case *village.Strangerspec:
			if v.Blob != ([32]byte{}) {
				return []blob.ID{blob.ID(v.Blob)}
			}
		case *village.Request:
			if v.Blob != ([32]byte{}) {
				return []blob.ID{blob.ID(v.Blob)}
			}
		case *village.StatePayload:
			return []blob.ID{blob.ID(v.SeenList)} // its seen list (village.md §4)
		}
		return nil
	}
	p, err := content.Decode(payload)
	if err != nil {
		return nil
	}
	switch v := p.(type) {
	case *content.Post:
		return v.Images
	case *content.Image:
		return v.Images
	case *content.Collection:
		return []blob.ID{v.Root} // its top directory's listing; the rest is fetched when asked for
	case *content.Profile:
		if !v.Image.IsZero() {
			return []blob.ID{v.Image}
		}
	}
	return nil
}

// decodeVillage is village.Decode, nil for an invalid payload.
func decodeVillage(payload []byte) village.Payload {
	p, err := village.Decode(payload)
	if err != nil {
		return nil
	}
	return p
}

// Rejection is one entry or blob an import refused, with the reason.
type Rejection struct {
	What   string `json:"what"` // an entry or blob id, or "bundle record N" for an entry without one
	Reason string `json:"reason"`
}

// ImportStats counts what Import did.
type ImportStats struct {
	EntriesNew   int `json:"entries_new"`
	EntriesKnown int `json:"entries_known"`
	// EntriesForked counts entries that conflict with one held at the same
	// position: their logs are marked forked and evidence is kept within
	// the store's limits (one per position, store.MaxForksPerLog per log).
	EntriesForked   int `json:"entries_forked"`
	EntriesRejected int `json:"entries_rejected"`
	// PayloadsRefused counts entries stored (or already held) whose
	// payload was invalid: they are kept as headers without it.
	PayloadsRefused int         `json:"payloads_refused"`
	BlobsNew        int         `json:"blobs_new"`
	BlobsKnown      int         `json:"blobs_known"`
	BlobsRejected   int         `json:"blobs_rejected"`
	Bytes           int64       `json:"bytes_read"`
	Rejections      []Rejection `json:"rejections,omitempty"` // the first MaxRejections
}

// MaxRejections bounds the rejection reasons an import keeps.
const MaxRejections = 100

func (s *ImportStats) reject(what, reason string) {
	if len(s.Rejections) < MaxRejections {
		s.Rejections = append(s.Rejections, Rejection{What: what, Reason: reason})
	}
}

// importBatch is how many entries go to the store per Ingest call, that is
// per SQLite transaction. Every transaction rewrites the pages of the
// entry-id index it touches, and ids are random, so fewer, larger
// transactions write far less. Measured at 1M entries (BENCHMARKS.md):
// 16,000 imports ~7 % faster than 8,000 and ~12 % faster than 4,000, for
// about 50 MB more peak RSS per doubling.
const importBatch = 16000

// The queues between Import's stages, in batches.
const (
	importVerifyQueue = 1
	importStoreQueue  = 0
)

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Import reads a bundle and stores every valid entry and blob in it. It
// streams: parsing, signature verification and storing overlap, and memory
// stays bounded whatever the bundle's size. progress, when not nil, is called
// after every batch. Invalid entries and blobs are counted as rejected, with
// their reasons, and the import goes on; so are images that carry location
// metadata, which are removed again after the blob store took them. An
// error about the bundle itself (corrupt framing, truncated) is returned
// together with the stats of what was stored before it: each of those
// entries was verified on its own.
func (n *Node) Import(ctx context.Context, r io.Reader, progress func(ImportStats)) (ImportStats, error) {
	var st ImportStats
	cr := &countingReader{r: r}
	br, err := bundle.NewReader(cr)
	if err != nil {
		return st, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Stage 1 (this goroutine): read and parse. Stage 2: verify signatures
	// in batches. Stage 3: store, in order, helping stage 2 with a batch
	// it has not finished (see entry.VerifyJob). Every batch goes to both
	// stages, so the batches alive at once are the one being read, the
	// one handed on and the one being stored: queues deeper than that
	// (they were 4 and 2) only held more of the bundle in memory, with no
	// gain in speed (BENCHMARKS.md, issue 18).
	verifyIn := make(chan *entry.VerifyJob, importVerifyQueue)
	storeIn := make(chan *entry.VerifyJob, importStoreQueue)
	storeDone := make(chan error, 1)
	go func() {
		for job := range verifyIn {
			job.Work()
		}
	}()
	var mu chanStats
	go func() {
		var err error
		for job := range storeIn {
			if err != nil {
				continue
			}
			job.Finish()
			var res []store.Result
			res, err = n.store.Ingest(ctx, job.Entries())
			if err != nil {
				cancel()
				continue
			}
			mu.add(res)
			n.noteAdded(job.Entries(), res)
			if progress != nil {
				s := mu.snapshot()
				s.Bytes = cr.n.Load()
				progress(s)
			}
		}
		storeDone <- err
	}()

	var batch []*entry.Entry
	var readErr error
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		job := entry.NewVerifyJob(batch)
		batch = make([]*entry.Entry, 0, importBatch)
		for _, ch := range []chan *entry.VerifyJob{verifyIn, storeIn} {
			select {
			case ch <- job:
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	for {
		// Stop between items once the import is cancelled (or the store
		// stage failed): entries only notice when a batch is handed on,
		// blobs would otherwise go on being stored.
		if ctx.Err() != nil {
			break
		}
		it, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if it.Entry != nil {
			batch = append(batch, it.Entry)
			if len(batch) >= importBatch && !flush() {
				break
			}
			continue
		}
		if rej := it.Rejected; rej != nil {
			// Well framed but invalid (undecodable header, payload not
			// matching it): count it and read on.
			what := fmt.Sprintf("bundle record %d", rej.Record)
			if rej.ID != ([32]byte{}) {
				what = entry.ID(rej.ID).String()
			}
			reason := fmt.Sprintf("bundle record %d at byte %d: %v", rej.Record, rej.Offset, rej.Err)
			mu.update(func(s *ImportStats) { s.EntriesRejected++; s.reject(what, reason) })
			continue
		}
		id := blob.ID(it.Blob.ID)
		outcome, reason, err := n.importBlob(ctx, it.Blob)
		if err != nil {
			readErr = err
			break
		}
		mu.update(func(s *ImportStats) {
			switch outcome {
			case blobKnown:
				s.BlobsKnown++
			case blobNew:
				s.BlobsNew++
			case blobRejected:
				s.BlobsRejected++
				s.reject(id.String(), reason)
			}
		})
	}
	flush()
	close(verifyIn)
	close(storeIn)
	storeErr := <-storeDone
	st = mu.snapshot()
	st.Bytes = cr.n.Load()
	if storeErr != nil {
		return st, storeErr
	}
	// Unlisted strangers' requests in the bundle count against each
	// village's budget as those taken by the request protocol do.
	if nw := n.net.Load(); nw != nil && st.EntriesNew > 0 {
		n.trimVillages(ctx, nw, true)
	}
	if readErr != nil {
		return st, readErr
	}
	return st, ctx.Err()
}

// blobOutcome says what importBlob did with a blob.
type blobOutcome int

const (
	blobKnown blobOutcome = iota
	blobNew
	blobRejected
)

// importBlob stores a blob read from a bundle. The blob store checks its
// hash and size; a JPEG or PNG that carries location metadata, or whose
// metadata cannot be read, is then removed again and rejected: unencrypted
// images must not carry a location, and a bundle is not trusted to have
// stripped it. A blob whose bytes do not hash to its id is rejected, also
// when a blob of that id is held. reason says why a blob was rejected. err
// is not nil only when the import must stop: the bundle is corrupt or
// truncated, ctx is done, or a refused blob could not be removed.
func (n *Node) importBlob(ctx context.Context, b *bundle.Blob) (blobOutcome, string, error) {
	id := blob.ID(b.ID)
	var err error
	if ok, _, _ := n.blobs.Has(id); ok {
		// The reader hashes the bytes anyway when it skips them: read
		// them here, so that wrong bytes are reported as such and not
		// counted as known.
		if _, err = io.Copy(io.Discard, ctxReader{ctx, b.Body}); err == nil {
			return blobKnown, "", nil
		}
	} else {
		// The location check runs on the verified bytes before the blob
		// becomes visible in the store, so a refused image is never
		// there, not even for a moment.
		err = n.blobs.PutExpected(ctxReader{ctx, b.Body}, id, b.Size, refuseLocation)
	}
	var refused *blob.RefusedError
	var mismatch *bundle.BlobMismatchError
	switch {
	case err == nil:
		return blobNew, "", nil
	case errors.As(err, &refused):
		return blobRejected, refused.Reason.Error(), nil
	case errors.As(err, &mismatch):
		// Well framed, but not the blob it claims to be: the records
		// after it can still be read.
		return blobRejected, fmt.Sprintf("bundle record %d at byte %d: its %d bytes do not hash to the blob's id (they hash to %s)", mismatch.Record, mismatch.Offset, mismatch.Size, blob.ID(mismatch.Got)), nil
	}
	var fe *bundle.FormatError
	var te *bundle.TruncatedError
	if errors.As(err, &fe) || errors.As(err, &te) {
		return 0, "", err
	}
	if ctx.Err() != nil {
		return 0, "", ctx.Err()
	}
	return blobRejected, err.Error(), nil
}

// refuseLocation is the blob check for imports: a JPEG or PNG must carry no
// location metadata (DESIGN.md: strip it when publishing, refuse it when
// validating), and one that cannot be parsed is refused too, since whether
// it does cannot be told. Other files pass.
func refuseLocation(r io.Reader) error {
	br := bufio.NewReader(r)
	head, _ := br.Peek(8) // a shorter file is judged by what there is
	format := blob.DetectFormat(head)
	if format != blob.FormatJPEG && format != blob.FormatPNG {
		return nil
	}
	name := strings.ToUpper(format.String())
	has, err := blob.HasLocation(br)
	switch {
	case errors.Is(err, blob.ErrMalformedImage):
		detail := strings.TrimPrefix(err.Error(), blob.ErrMalformedImage.Error()+": ")
		return fmt.Errorf("malformed %s: %s; refused, since whether it carries location metadata cannot be told", name, detail)
	case err != nil:
		return fmt.Errorf("%s image could not be checked for location metadata: %v; refused", name, err)
	case has:
		return errors.New("image carries location metadata (GPS); refused")
	}
	return nil
}

// ctxReader reads from r until ctx is done, so that a long blob stops
// streaming when the import is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// chanStats guards ImportStats shared by the import stages.
type chanStats struct {
	mu sync.Mutex
	s  ImportStats
}

func (c *chanStats) add(res []store.Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range res {
		switch r.Outcome {
		case store.Added:
			c.s.EntriesNew++
		case store.Known:
			c.s.EntriesKnown++
		case store.Forked:
			c.s.EntriesForked++
		case store.Rejected:
			c.s.EntriesRejected++
			c.s.reject(r.ID.String(), r.Err.Error())
		}
		if r.PayloadErr != nil {
			c.s.PayloadsRefused++
			c.s.reject(r.ID.String(), "payload refused, entry kept without it: "+r.PayloadErr.Error())
		}
	}
}

// update changes the stats under the lock.
func (c *chanStats) update(f func(*ImportStats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.s)
}

func (c *chanStats) snapshot() ImportStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.Rejections = append([]Rejection(nil), c.s.Rejections...)
	return s
}
