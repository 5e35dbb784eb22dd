package replicate

import (
	"runtime"
	"time"
)

// MaxOpenWants bounds the logs one side may want from the other at once
// (doc/protocol/sync.md, "Limits").
const MaxOpenWants = 100000

// Limits are this node's local policy for a session. Zero fields take the
// defaults below; values beyond the protocol's limits are clamped to them.
type Limits struct {
	// CreditEntries and CreditBytes are the receive window: the entries
	// and framed ENTRIES bytes the peer may have in flight. Defaults
	// 32,768 entries and 32 MiB; at most MaxCreditEntries and
	// MaxCreditBytes, and at least MinCreditBytes. The window and the
	// store batch are most of a receiving node's heap: with 65,536 and
	// 32,000 (and the store's older 32 MiB page cache) a 200,000-entry
	// sync peaked at 215 MB of RSS, with 32,768 and 16,000 at 142 MB, for
	// no more CPU per entry (BENCHMARKS.md, issue 18, fourth session).
	CreditEntries int
	CreditBytes   int
	// IngestBatch bounds the entries of one store.Ingest call (one
	// transaction). Default 16,000: half the receive window, so one batch
	// is verified while the one before it is stored. Since the SQLite
	// store keys its id index by generation (migration 5) a transaction
	// no longer rewrites pages all over that index, and smaller ones cost
	// little more than larger ones did.
	IngestBatch int
	// SendChunk bounds the entries the sender reads from the store in one
	// go. Default 4,096.
	SendChunk int
	// MaxLearned bounds the peer items one reconciliation may teach this
	// node (the peer's offer set where it differs), wanted or not; beyond
	// it the peer is closed with CodeLimit. Default 4,000,000.
	MaxLearned int
	// MaxUnwanted bounds the items of logs this node does not want (its
	// Scope's Wants) that one reconciliation may teach it: they are
	// dropped as they arrive, and a peer that offers more than this many
	// is closed with CodeLimit (misbehaviour). Default 1,000,000.
	MaxUnwanted int
	// MaxPeerHeads bounds the heads a session remembers beyond its wants:
	// heads of logs this node does not want (to want them when the scope
	// changes) and heads the peer is known to hold (to send no HAVE the
	// peer does not need), together. Best effort: they take from the first
	// half of the node's Budget only. Default 20,000; beyond it they are
	// not remembered.
	MaxPeerHeads int
	// MaxUselessWants bounds the wants of no use a peer may send in one
	// session: logs it wants that this node does not hold or does not
	// offer it (ignored, nothing is kept of them) and that were not in
	// the offer set as reconciled, and restarts of a log it already wants
	// (a fork probe restarts a log once). Beyond it the peer is closed
	// with CodeLimit. Default 10,000.
	MaxUselessWants int
	// MessageRate (messages per second) and MessageBurst are the flood
	// limit on received messages. Defaults 2,000/s and 20,000.
	MessageRate  float64
	MessageBurst int
	// MaxReconcileMessages bounds the RECONCILE messages received in one
	// session. Default 10,000.
	MaxReconcileMessages int
	// HandshakeTimeout bounds the time to HELLO and to the end of the
	// reconciliation. Default 2 minutes.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds one write, on streams with SetWriteDeadline.
	// Default 1 minute.
	WriteTimeout time.Duration
	// CloseTimeout is how long a closing session waits for its BYE to be
	// written before it closes the stream anyway. Default 5 s.
	CloseTimeout time.Duration
	// VerifyWorkers is the number of goroutines verifying signatures of
	// received entries (the store stage helps them). Default
	// GOMAXPROCS−1, at least 1.
	VerifyWorkers int
	// WriteBuffer bounds the ENTRIES bytes a session queues for writing
	// before its sender waits. Default 4 MiB.
	WriteBuffer int
	// SharedWriteBuffer bounds the ENTRIES bytes all the engine's sessions
	// queue together beyond their first OwnWriteBuffer bytes each: a
	// sender waits for room in it too. Defaults 4 MiB and 256 KiB, so a
	// session sending alone queues its whole WriteBuffer, and ten queue at
	// most 6.5 MiB together (40 MiB without it): a node that ten peers
	// make read and send its logs over and over holds little for them.
	SharedWriteBuffer int
	OwnWriteBuffer    int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.CreditEntries, 32768)
	def(&l.CreditBytes, 32<<20)
	def(&l.IngestBatch, 16000)
	def(&l.SendChunk, 4096)
	def(&l.MaxLearned, 4_000_000)
	def(&l.MaxUnwanted, 1_000_000)
	def(&l.MaxPeerHeads, 20_000)
	def(&l.MaxUselessWants, 10_000)
	def(&l.MessageBurst, 20_000)
	def(&l.MaxReconcileMessages, 10_000)
	def(&l.VerifyWorkers, max(1, runtime.GOMAXPROCS(0)-1))
	def(&l.WriteBuffer, 4<<20)
	def(&l.SharedWriteBuffer, 4<<20)
	def(&l.OwnWriteBuffer, 256<<10)
	// A frame of the largest message must fit in the pool.
	l.SharedWriteBuffer = max(l.SharedWriteBuffer, FrameHeader+MaxMessage)
	l.CreditEntries = min(l.CreditEntries, MaxCreditEntries)
	l.CreditBytes = max(min(l.CreditBytes, MaxCreditBytes), MinCreditBytes)
	if l.MessageRate <= 0 {
		l.MessageRate = 2000
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	dur(&l.HandshakeTimeout, 2*time.Minute)
	dur(&l.WriteTimeout, time.Minute)
	dur(&l.CloseTimeout, 5*time.Second)
	return l
}
