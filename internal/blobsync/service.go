package blobsync

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/identity"
)

// Defaults of Config.
const (
	// DefaultRetry is the first retry interval of a pending want.
	DefaultRetry = 2 * time.Second
	// DefaultTimeout is how long a stream may make no progress.
	DefaultTimeout = 30 * time.Second
	// DefaultMinServeRate is the rate, in bytes a second, below which a
	// transfer we serve gives its slot up to a peer that wants one while
	// every slot is taken.
	DefaultMinServeRate = 32 << 10
	// DefaultLookupRate is the look-ups (ids in QUERY, GETs) a second a
	// peer is answered at once after its burst.
	DefaultLookupRate = 4096
	// DefaultLookupBurst is the look-ups a peer is answered at once after
	// a quiet while: sixteen sessions of the reference requester.
	DefaultLookupBurst = 16 * maxAskPerSession
	// DefaultServeGrace is how long a transfer we serve is safe from
	// giving its slot up, whatever its rate.
	DefaultServeGrace = 10 * time.Second
)

// Bounds of the service's memory and of the work it gives peers.
const (
	// MaxPending bounds the wanted blobs; Want drops ids beyond it (and
	// logs that it did).
	MaxPending = 100_000
	// MaxRefused bounds the refused blobs remembered; the oldest are
	// forgotten first (and would be fetched and refused again if wanted).
	MaxRefused = 10_000
	// maxBackoff bounds the retry interval of a want, in retry intervals.
	maxBackoff = 32
	// maxAskPerSession bounds the ids asked of one peer over one stream; the
	// others are asked over the next.
	maxAskPerSession = 4 * MaxQueryIDs
	// MisbehaviourPenalty is how long a peer that misbehaved is not asked
	// for blobs.
	MisbehaviourPenalty = 5 * time.Minute
	// freshGrace is how long PeerConnected's mark survives for a peer that
	// Peers does not list (yet).
	freshGrace = time.Minute
	// pruneEvery is how often a round forgets peers no longer connected.
	pruneEvery = time.Second
)

// Config configures a Service. Blobs, Open and Peers are required.
type Config struct {
	// Blobs is the local blob store: served from, fetched into. Its MaxSize
	// is the largest blob fetched.
	Blobs *blob.Store
	// Open opens a blob stream to a connected peer.
	Open func(ctx context.Context, peer identity.PublicKey) (Stream, error)
	// Peers returns the currently connected peers.
	Peers func() []identity.PublicKey
	// Checks run on the verified bytes of a fetched blob before it becomes
	// visible (e.g. refuse images with location metadata). A blob one of
	// them refuses is refused for good: see OnRefused.
	Checks []blob.Check
	// OnFetched, when set, is called after a blob fetched from a peer was
	// stored.
	OnFetched func(id blob.ID, from identity.PublicKey)
	// OnRefused, when set, is called when a check refused a fetched blob;
	// err is a *blob.RefusedError. The blob is not fetched again.
	OnRefused func(id blob.ID, from identity.PublicKey, err error)
	// OnMisbehaviour, when set, is called when a peer broke the protocol or
	// sent bytes that are not the blob it announced. err matches
	// ErrProtocol or blob.ErrHashMismatch.
	OnMisbehaviour func(peer identity.PublicKey, err error)
	// Retry is how long a pending want waits before it is asked again of
	// all peers after a round in which none delivered it; the wait doubles
	// after every such round, up to 32 times Retry. 0 means DefaultRetry.
	Retry time.Duration
	// Timeout is how long a stream may make no progress (the peer sends
	// nothing we wait for, or accepts nothing we send) before it is
	// abandoned. 0 means DefaultTimeout.
	Timeout time.Duration
	// Favoured, when set, tells whether the node favours a peer (say, a
	// device of an account it follows): ReservedServing serving slots are
	// kept for favoured peers. It is asked only when those slots are all
	// that is left. Unset, every peer is favoured.
	Favoured func(peer identity.PublicKey) bool
	// MinServeRate is the average rate, in bytes a second since the GET,
	// below which a transfer we serve is ended to free its slot when
	// another GET finds every slot taken. 0 means DefaultMinServeRate.
	MinServeRate int64
	// ServeGrace is how long after its GET a transfer we serve cannot be
	// ended for its rate. 0 means DefaultServeGrace.
	ServeGrace time.Duration
	// LookupRate and LookupBurst pace the look-ups of each peer (an id in a
	// QUERY or a GET): a peer that asks more than LookupBurst at once, or
	// more than LookupRate a second after that, waits for its answers.
	// 0 means DefaultLookupRate and DefaultLookupBurst.
	LookupRate, LookupBurst int
	// Logger receives the service's log; nil discards it.
	Logger *slog.Logger
}

// Stats are counters since the service was created.
type Stats struct {
	// Fetched counts blobs fetched from peers and stored.
	Fetched int64
	// Served counts blobs sent to peers completely.
	Served int64
	// Failed counts transfers that did not end with the blob stored: a GET
	// that failed, plus announced sizes over our limit (not downloaded).
	Failed int64
	// Refused counts fetched blobs that a check refused.
	Refused int64
	// BytesIn and BytesOut count every byte received and sent on blob
	// streams, framing included.
	BytesIn, BytesOut int64
	// Busy counts GETs and streams we answered with ERROR 4 (busy): every
	// slot taken, the peer's share of them taken, or too many streams
	// open from the peer.
	Busy int64
	// Throttled counts requests whose answer waited because the peer
	// asked for more look-ups than LookupBurst and LookupRate allow.
	Throttled int64
	// Preempted counts transfers we served that were ended, slower than
	// MinServeRate, to give their slot to another GET.
	Preempted int64
}

// Service fetches wanted blobs from peers and serves the local blob store
// to them. Its methods are safe for concurrent use.
type Service struct {
	cfg     Config
	log     *slog.Logger
	retry   time.Duration
	timeout time.Duration

	fetchSlots chan struct{} // one per fetch stream open, MaxFetching
	servers    *servers      // streams and transfers being served
	lookups    *lookups      // pace of each peer's look-ups
	wake       chan struct{} // wakes Run

	mu           sync.Mutex
	pending      map[blob.ID]*want
	refused      map[blob.ID]error
	refusedOrder []blob.ID // oldest first
	inflight     map[blob.ID]chan struct{}
	peers        map[identity.PublicKey]*peerState
	prunedAt     time.Time // when prunePeersLocked last ran

	fetched, served, failed, refusals atomic.Int64
	bytesIn, bytesOut                 atomic.Int64
	busy, preempted, throttled        atomic.Int64
}

// want is a blob we want and do not hold.
type want struct {
	nextAsk time.Time     // zero: ask at the next round
	backoff time.Duration // wait after the next unsuccessful round
	added   time.Time
}

// peerState is what the service knows about one peer.
type peerState struct {
	slot       chan struct{} // held while we fetch from the peer
	users      int           // goroutines holding or waiting for slot
	fresh      bool          // just connected: ask it for every want
	freshSince time.Time
	penalty    time.Time // do not ask before this time
}

// New returns a service. It panics if Blobs, Open or Peers is missing,
// which is a programming error.
func New(cfg Config) *Service {
	if cfg.Blobs == nil || cfg.Open == nil || cfg.Peers == nil {
		panic("blobsync.New: Config.Blobs, Config.Open and Config.Peers are required")
	}
	s := &Service{
		cfg:        cfg,
		log:        cfg.Logger,
		retry:      cfg.Retry,
		timeout:    cfg.Timeout,
		fetchSlots: make(chan struct{}, MaxFetching),
		servers:    newServers(),
		wake:       make(chan struct{}, 1),
		pending:    map[blob.ID]*want{},
		refused:    map[blob.ID]error{},
		inflight:   map[blob.ID]chan struct{}{},
		peers:      map[identity.PublicKey]*peerState{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.retry <= 0 {
		s.retry = DefaultRetry
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.cfg.LookupRate <= 0 {
		s.cfg.LookupRate = DefaultLookupRate
	}
	if s.cfg.LookupBurst <= 0 {
		s.cfg.LookupBurst = DefaultLookupBurst
	}
	s.lookups = newLookups(s.cfg.LookupRate, s.cfg.LookupBurst)
	if s.cfg.MinServeRate <= 0 {
		s.cfg.MinServeRate = DefaultMinServeRate
	}
	if s.cfg.ServeGrace <= 0 {
		s.cfg.ServeGrace = DefaultServeGrace
	}
	return s
}

// Want queues blobs to fetch in the background (see Run) from any peer
// that has them. Ids already held, refused, zero or already wanted are
// skipped.
func (s *Service) Want(ids ...blob.ID) {
	added := 0
	now := time.Now()
	for _, id := range ids {
		if id.IsZero() {
			continue
		}
		if has, _, err := s.cfg.Blobs.Has(id); err == nil && has {
			continue
		}
		s.mu.Lock()
		_, refused := s.refused[id]
		_, wanted := s.pending[id]
		full := len(s.pending) >= MaxPending
		if !refused && !wanted && !full {
			s.pending[id] = &want{backoff: s.retry, added: now}
			added++
		}
		s.mu.Unlock()
		if full && !refused && !wanted {
			s.log.Warn("blob not queued: too many wanted blobs", "blob", id.String(), "limit", MaxPending)
		}
	}
	if added > 0 {
		s.poke()
	}
}

// PeerConnected tells the service that peer has connected: every pending
// want is asked of it at the next round, which starts now.
func (s *Service) PeerConnected(peer identity.PublicKey) {
	s.mu.Lock()
	ps := s.peerLocked(peer)
	ps.fresh, ps.freshSince = true, time.Now()
	s.mu.Unlock()
	s.poke()
}

// Pending returns the wanted blobs not yet fetched, in increasing order.
func (s *Service) Pending() []blob.ID {
	s.mu.Lock()
	ids := make([]blob.ID, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	slices.SortFunc(ids, func(a, b blob.ID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

// Refused returns the error that refused blob id, or nil if it was not
// refused (or has been forgotten, see MaxRefused).
func (s *Service) Refused(id blob.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[id]
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{
		Fetched:   s.fetched.Load(),
		Served:    s.served.Load(),
		Failed:    s.failed.Load(),
		Refused:   s.refusals.Load(),
		BytesIn:   s.bytesIn.Load(),
		BytesOut:  s.bytesOut.Load(),
		Busy:      s.busy.Load(),
		Preempted: s.preempted.Load(),
		Throttled: s.throttled.Load(),
	}
}

// poke wakes Run without blocking.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// peerLocked returns the state of peer, creating it. s.mu must be held.
func (s *Service) peerLocked(peer identity.PublicKey) *peerState {
	ps := s.peers[peer]
	if ps == nil {
		ps = &peerState{slot: make(chan struct{}, 1)}
		s.peers[peer] = ps
	}
	return ps
}

// prunePeersLocked forgets peers that are not connected and whose state no
// longer matters. s.mu must be held.
// It runs at most once per pruneEvery: rounds start at every new
// connection, and under a flood of fresh identities (hundreds a second,
// each marked fresh for freshGrace) pruning at each round was 10 % of the
// node's CPU.
func (s *Service) prunePeersLocked(connected []identity.PublicKey, now time.Time) {
	if now.Sub(s.prunedAt) < pruneEvery {
		return
	}
	s.prunedAt = now
	// A set, not a search of the list per peer: with hundreds of peers
	// connected (a connection flood) each round would compare every pair.
	isConnected := make(map[identity.PublicKey]struct{}, len(connected))
	for _, p := range connected {
		isConnected[p] = struct{}{}
	}
	for p, ps := range s.peers {
		if _, ok := isConnected[p]; ok || ps.users > 0 || now.Before(ps.penalty) ||
			(ps.fresh && now.Sub(ps.freshSince) < freshGrace) {
			continue
		}
		delete(s.peers, p)
	}
}

// misbehaved reports a peer's misbehaviour and keeps it from being asked
// for a while.
func (s *Service) misbehaved(peer identity.PublicKey, err error) {
	s.log.Warn("peer misbehaved on the blob protocol", "peer", peer.Device().String(), "err", err)
	s.mu.Lock()
	s.peerLocked(peer).penalty = time.Now().Add(MisbehaviourPenalty)
	s.mu.Unlock()
	if s.cfg.OnMisbehaviour != nil {
		s.cfg.OnMisbehaviour(peer, err)
	}
}

// refuse records that a check refused blob id fetched from peer.
func (s *Service) refuse(id blob.ID, peer identity.PublicKey, err error) {
	s.refusals.Add(1)
	s.log.Warn("fetched blob refused", "blob", id.String(), "peer", peer.Device().String(), "err", err)
	s.mu.Lock()
	delete(s.pending, id)
	if _, ok := s.refused[id]; !ok {
		if len(s.refusedOrder) >= MaxRefused {
			delete(s.refused, s.refusedOrder[0])
			s.refusedOrder = s.refusedOrder[1:]
		}
		s.refusedOrder = append(s.refusedOrder, id)
	}
	s.refused[id] = err
	s.mu.Unlock()
	if s.cfg.OnRefused != nil {
		s.cfg.OnRefused(id, peer, err)
	}
}

// stored records that blob id, fetched from peer, is now in the store.
func (s *Service) stored(id blob.ID, peer identity.PublicKey) {
	s.fetched.Add(1)
	s.log.Debug("blob fetched", "blob", id.String(), "peer", peer.Device().String())
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
	if s.cfg.OnFetched != nil {
		s.cfg.OnFetched(id, peer)
	}
}
