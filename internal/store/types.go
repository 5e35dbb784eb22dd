package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// LogKey identifies a log: its author and its log id.
type LogKey struct {
	Author identity.PublicKey
	LogID  entry.LogID
}

func (k LogKey) String() string {
	return fmt.Sprintf("%s/%s", identity.Encode(identity.KindDevice, k.Author), k.LogID)
}

// Head is the state of one log on this node.
type Head struct {
	Log    LogKey
	Seq    uint64   // highest seq held; the log holds 1..Seq
	ID     entry.ID // id of the entry at Seq
	Forked bool     // a second entry at some seq was seen: the log no longer grows
	Ended  bool     // the entry at Seq has the end-of-log flag
}

// Stored is an entry as the store holds it.
type Stored struct {
	*entry.Entry
	// Type is the payload's "type" field, or "" when the payload is not a
	// typed payload (ciphertext, opaque bytes) or is not held.
	Type string
	// Deleted is true when the author deleted the payload; Payload is nil.
	Deleted bool
	// Cursor is the entry's position in this store's arrival order, for
	// resuming queries (Query.After). It is local to this store, and it
	// only grows: an entry stored later has a larger cursor than every
	// entry stored before it, and a cursor is never handed out twice,
	// also after the entries holding the largest were deleted (DropLog, a
	// revocation) and across restarts (storetest: CursorsAfterDropLog,
	// CursorsAfterRevocation, RunDurable). A reader that remembers the
	// last cursor it saw misses nothing stored since.
	Cursor int64
	// Arrived is when the entry arrived at this store, ms since the epoch
	// by this store's clock (for entries stored before stores recorded
	// it: when the store was upgraded). Local to this store.
	Arrived int64
	// Time is where feeds show and order the entry (EntryTime): the
	// author's claim when plausible, else Arrived; never before the
	// entry before it in its log. Fixed when stored.
	Time int64
}

// Device is a device certified by an account (a device.add entry).
type Device struct {
	Account   identity.PublicKey
	Device    identity.PublicKey
	Name      string
	Cert      entry.ID
	Revoked   bool
	RevokedBy entry.ID // the device.revoke entry, when Revoked
}

// Fork is evidence that an author signed two entries at one position.
// A store keeps at most one Fork per position (the first conflicting entry
// it received there) and at most MaxForksPerLog positions per log.
type Fork struct {
	Log      LogKey
	Seq      uint64
	Kept     entry.ID // the entry this store held first
	Conflict *entry.Entry
}

// MaxForksPerLog bounds the fork evidence a store keeps for one log: at
// most this many positions (seqs), one conflicting entry at each. One piece
// of evidence proves the log forked; the bound stops an author, or a peer
// replaying an author's signed conflicts, from making a store keep any
// number of them. A validly signed conflict beyond it is still reported as
// Forked, and the log stays forked, but nothing of it is stored.
const MaxForksPerLog = 16

// Query selects entries; zero fields do not filter. Results come in arrival
// order (ascending Cursor), or newest arrival first with Desc, within the
// cursors After and Before; with ByTime, in time order (ascending
// TimeKey), or newest first with Desc.
type Query struct {
	Type    string
	LogID   *entry.LogID
	Authors []identity.PublicKey
	// Thread, when set, selects the replies of the thread whose root is
	// *Thread: the entries whose held payload is a post with that thread
	// root (content.Post.ThreadRoot, set only for replies). The root
	// itself is not one of them.
	Thread *entry.ID
	After  int64 // only entries with a Cursor greater than After
	Before int64 // when > 0, only entries with a Cursor less than Before
	Desc   bool  // descending Cursor (ByTime: TimeKey): newest first
	// ByTime orders by TimeKey (Time, then Cursor) instead of Cursor.
	ByTime bool
	// AfterKey and BeforeKey, when their Cursor > 0, select only entries
	// whose TimeKey is greater than AfterKey and less than BeforeKey
	// (they may be used without ByTime, but pages of a ByTime query are
	// what they are for).
	AfterKey, BeforeKey TimeKey
	Limit               int // 0 means DefaultLimit
}

// DefaultLimit bounds a query that sets no limit.
const DefaultLimit = 1000

// Outcome says what Append or Ingest did with one entry.
type Outcome int

// The outcomes of ingesting one entry.
const (
	Added    Outcome = iota + 1 // new entry stored
	Known                       // already held (its payload may have been filled in)
	Forked                      // a conflicting entry: log marked forked; kept as evidence if the first at its seq (see MaxForksPerLog)
	Rejected                    // invalid; nothing of it was stored; Err says why
)

func (o Outcome) String() string {
	switch o {
	case Added:
		return "added"
	case Known:
		return "known"
	case Forked:
		return "fork"
	case Rejected:
		return "rejected"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the outcome for one entry of Append or Ingest.
type Result struct {
	ID      entry.ID
	Outcome Outcome
	Err     error // set when Outcome is Rejected
	// PayloadErr is set when the entry (its header) is valid and was
	// stored or already held, but the payload that came with it was
	// refused (doc/protocol/payloads.md §3): the entry is held without it.
	PayloadErr error
}

// RawEntry is an entry as stored, undecoded: LogRaw's answer.
type RawEntry struct {
	Seq    uint64
	Header []byte // the encoded signed header (entry.Entry.Raw)
	// Payload is the payload held; nil when none is (not received, or
	// deleted), empty when the held payload is empty.
	Payload []byte
}

// Errors returned by queries.
var (
	ErrNotFound = errors.New("store: not found")
	ErrClosed   = errors.New("store: closed")
)

// Store keeps entries. All methods are safe for concurrent use.
type Store interface {
	// Append validates one entry (signature, chain, payload, limits, payload
	// type rules) and stores it atomically: a rejected entry changes nothing.
	// Validation failures are reported in the Result, not as the error; the
	// error is for failures of the store itself.
	Append(ctx context.Context, e *entry.Entry) (Result, error)
	// Ingest is Append for many entries, verifying signatures in batches. It
	// is the path for replication and bundle import. Entries of one log must
	// come in seq order; entries may depend on earlier entries of the batch.
	Ingest(ctx context.Context, es []*entry.Entry) ([]Result, error)

	// Heads returns the head of every log, ordered by author then log id.
	Heads(ctx context.Context) ([]Head, error)
	// Head returns one log's head; ErrNotFound if the log is unknown.
	Head(ctx context.Context, log LogKey) (Head, error)
	// Log returns entries of one log with seq ≥ from, in seq order, at most limit.
	Log(ctx context.Context, log LogKey, from uint64, limit int) ([]*Stored, error)
	// LogRaw is Log without decoding anything: each entry's seq, encoded
	// header and payload as stored, for sending them on (the sync
	// sender's read).
	LogRaw(ctx context.Context, log LogKey, from uint64, limit int) ([]RawEntry, error)
	// Get returns one entry by id; ErrNotFound if unknown.
	Get(ctx context.Context, id entry.ID) (*Stored, error)
	// Find returns entries matching q in arrival order, or in time
	// order with q.ByTime (q.Desc: newest first).
	Find(ctx context.Context, q Query) ([]*Stored, error)
	// Forks returns the fork evidence held, oldest first: at most one
	// per (log, seq) and at most MaxForksPerLog per log.
	Forks(ctx context.Context) ([]Fork, error)

	// Devices returns the devices an account has certified, revoked or not.
	Devices(ctx context.Context, account identity.PublicKey) ([]Device, error)
	// AccountOf returns the certification of a device; ErrNotFound if none.
	AccountOf(ctx context.Context, device identity.PublicKey) (Device, error)
	// LatestProfile returns the newest profile entry in the public log of
	// the account key itself or of any device the account certified and has
	// not revoked, newest by the author's timestamp then by id; ErrNotFound
	// if there is none. Profiles in other logs (contexts) do not count.
	LatestProfile(ctx context.Context, account identity.PublicKey) (*Stored, error)

	// Close releases the store. Further calls return ErrClosed.
	Close() error
}
