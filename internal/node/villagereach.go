package node

import (
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/atomicfile"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// The delivery records of this device's notices (village.md §6a): per
// village and account, whether a device of the account took the founding
// or invitation from this node, the attempts and when the next is due.
// They are kept in the home, so that a restarted node neither sends again
// what was taken nor forgets how long it has tried.
const (
	// reachFile is the file in the home holding the records.
	reachFile = "villages-delivery.json"
	// maxReachRecords bounds the file: beyond it the records of notices
	// that need no more delivery go first, then the oldest. A record
	// dropped while its notice is pending is made again (tries from 0).
	maxReachRecords = 1024
)

// reachBook records this device's attempts to deliver its foundings and
// invitations to the accounts' devices, loaded once from the home and
// written back after every change.
type reachBook struct {
	mu     sync.Mutex
	loaded bool
	recs   map[reachKey]*reachRecord
	dirty  bool          // changed since written
	kick   chan struct{} // a new founding or invitation to deliver
}

type reachKey struct {
	village entry.ID
	account identity.PublicKey
}

// reachRecord is one account's delivery record in one village.
type reachRecord struct {
	// Kind is noticeFound or noticeInvite.
	Kind    string
	Village entry.ID
	Account identity.PublicKey
	// Reached: Device took the notice at At.
	Reached bool
	Device  identity.PublicKey
	At      time.Time
	Tries   int
	LastErr string
	// Next: not tried again before.
	Next time.Time
	// Done: the founding is founded or accepted by the account, or the
	// invitee joined: nothing more to deliver.
	Done bool
	// Touched is when the record last changed (the oldest go first).
	Touched time.Time
}

// reachDoc is the file's content; keys and ids in hex.
type reachDoc struct {
	Version int         `json:"version"`
	Records []reachLine `json:"records"`
}

type reachLine struct {
	Kind    string    `json:"kind"`
	Village string    `json:"village"`
	Account string    `json:"account"`
	Reached bool      `json:"reached,omitempty"`
	Device  string    `json:"device,omitempty"`
	At      time.Time `json:"at,omitzero"`
	Tries   int       `json:"tries,omitempty"`
	LastErr string    `json:"last_err,omitempty"`
	Next    time.Time `json:"next,omitzero"`
	Done    bool      `json:"done,omitempty"`
	Touched time.Time `json:"touched"`
}

func (r *reachRecord) line() reachLine {
	l := reachLine{Kind: r.Kind, Village: hex.EncodeToString(r.Village[:]), Account: hex.EncodeToString(r.Account[:]),
		Reached: r.Reached, At: r.At, Tries: r.Tries, LastErr: r.LastErr, Next: r.Next, Done: r.Done, Touched: r.Touched}
	if r.Reached {
		l.Device = hex.EncodeToString(r.Device[:])
	}
	return l
}

func (l reachLine) record() (*reachRecord, error) {
	r := &reachRecord{Kind: l.Kind, Reached: l.Reached, At: l.At, Tries: l.Tries, LastErr: l.LastErr, Next: l.Next, Done: l.Done, Touched: l.Touched}
	for _, f := range []struct {
		text string
		to   []byte
		need bool
	}{{l.Village, r.Village[:], true}, {l.Account, r.Account[:], true}, {l.Device, r.Device[:], l.Reached}} {
		b, err := hex.DecodeString(f.text)
		if (err != nil || len(b) != 32) && f.need {
			return nil, fmt.Errorf("a record's key %q is not 64 hex digits", f.text)
		}
		copy(f.to, b)
	}
	if l.Kind != noticeFound && l.Kind != noticeInvite {
		return nil, fmt.Errorf("a record of kind %q", l.Kind)
	}
	return r, nil
}

// loadLocked reads the records once; the caller holds mu. A file that
// does not read is reported and left alone; the node then starts from
// no records (it sends again what it had sent).
func (b *reachBook) loadLocked(home string) error {
	if b.loaded {
		return nil
	}
	b.recs = map[reachKey]*reachRecord{}
	b.loaded = true
	data, err := os.ReadFile(filepath.Join(home, reachFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("read %s: %w", reachFile, err)
	}
	var doc reachDoc
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version != 1 {
		return fmt.Errorf("read %s: not a delivery record file of version 1 (%v): remove it, and the node delivers its foundings and invitations again", reachFile, err)
	}
	for _, l := range doc.Records {
		r, err := l.record()
		if err != nil {
			return fmt.Errorf("read %s: %w: remove it, and the node delivers its foundings and invitations again", reachFile, err)
		}
		if len(b.recs) < maxReachRecords {
			b.recs[reachKey{r.Village, r.Account}] = r
		}
	}
	return nil
}

// saveLocked writes the records, at most maxReachRecords: the done ones
// go first, then the oldest touched.
func (b *reachBook) saveLocked(home string) error {
	all := make([]*reachRecord, 0, len(b.recs))
	for _, r := range b.recs {
		all = append(all, r)
	}
	slices.SortFunc(all, func(x, y *reachRecord) int {
		if x.Done != y.Done {
			if x.Done {
				return -1
			}
			return 1
		}
		return cmp.Or(x.Touched.Compare(y.Touched), cmpKey(x, y))
	})
	if over := len(all) - maxReachRecords; over > 0 {
		for _, r := range all[:over] {
			delete(b.recs, reachKey{r.Village, r.Account})
		}
		all = all[over:]
	}
	slices.SortFunc(all, cmpKey)
	doc := reachDoc{Version: 1, Records: make([]reachLine, 0, len(all))}
	for _, r := range all {
		doc.Records = append(doc.Records, r.line())
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WritePrivate(filepath.Join(home, reachFile), append(data, '\n')); err != nil {
		return fmt.Errorf("keep the delivery records: %w", err)
	}
	return nil
}

func cmpKey(x, y *reachRecord) int {
	if c := slices.Compare(x.Village[:], y.Village[:]); c != 0 {
		return c
	}
	return slices.Compare(x.Account[:], y.Account[:])
}

// get returns the record of account in village (zero when none).
func (b *reachBook) get(home string, v entry.ID, acc identity.PublicKey) reachRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.loadLocked(home)
	if r := b.recs[reachKey{v, acc}]; r != nil {
		return *r
	}
	return reachRecord{}
}

// records returns a copy of every record.
func (b *reachBook) records(home string) ([]reachRecord, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.loadLocked(home)
	out := make([]reachRecord, 0, len(b.recs))
	for _, r := range b.recs {
		out = append(out, *r)
	}
	return out, err
}

// update changes (making it if needed) the record of account in village
// with f; save writes the records back.
func (b *reachBook) update(home, kind string, v entry.ID, acc identity.PublicKey, f func(r *reachRecord)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.loadLocked(home)
	k := reachKey{v, acc}
	r := b.recs[k]
	if r == nil {
		r = &reachRecord{Kind: kind, Village: v, Account: acc}
		b.recs[k] = r
	}
	f(r)
	r.Touched = time.Now().UTC()
	b.dirty = true
}

// save writes the records back if they changed since they were read or
// last written.
func (b *reachBook) save(home string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.dirty {
		return nil
	}
	if err := b.saveLocked(home); err != nil {
		return err
	}
	b.dirty = false
	return nil
}

// wake asks the delivery loop to look for notices to deliver now.
func (b *reachBook) wake() {
	select {
	case b.woken() <- struct{}{}:
	default:
	}
}

func (b *reachBook) woken() chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kick == nil {
		b.kick = make(chan struct{}, 1)
	}
	return b.kick
}
