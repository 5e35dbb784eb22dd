package store

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// View is the read-only state Plan consults. A backend implements it over
// its committed state (inside the transaction that will apply the plan).
type View interface {
	// Head returns a log's head; ok is false for an unknown log.
	Head(log LogKey) (h Head, ok bool, err error)
	// IDAt returns the id of the entry at seq in a log.
	IDAt(log LogKey, seq uint64) (id entry.ID, ok bool, err error)
	// Meta returns facts about a stored entry.
	Meta(id entry.ID) (m Meta, ok bool, err error)
	// Tombstone returns the delete by author that named target, if one was
	// stored. Deletes by other authors may name the same target (they never
	// apply), so the author is part of the key.
	Tombstone(target entry.ID, author identity.PublicKey) (t Tombstone, ok bool, err error)
	// ForkSeqs returns the seqs of log at which fork evidence is held, as
	// a set (nil or empty when there is none; an unknown log has none).
	// The map belongs to the caller. Plan asks once per log it finds a
	// conflict in, and only then, so a backend may answer with one query.
	ForkSeqs(log LogKey) (map[uint64]bool, error)
	// Revoked returns what the revocations in effect of device keep, or
	// nil when none is (payloads.md §6.1). Plan asks it for the author of
	// every entry it stores, so a backend answers from memory.
	Revoked(device identity.PublicKey) (*Revoked, error)
	// Revocations returns the device.revoke entries, with their payloads,
	// held in a certificate log. Plan asks only when the payload of that
	// log's certificate arrives after its header.
	Revocations(log LogKey) ([]*entry.Entry, error)
}

// Meta is what Plan needs to know about a stored entry.
type Meta struct {
	Author     identity.PublicKey
	HasPayload bool
	Deleted    bool
	// Type is the stored payload type ("" when the payload is not held or
	// is opaque); Header is the entry's header, never nil. Plan uses both
	// to apply content.CheckDelete to a delete whose target is held.
	Type   string
	Header *entry.Header
}

// Tombstone records that a delete entry named a target, which may not have
// arrived yet. It applies only if the target has the same author.
type Tombstone struct {
	Target entry.ID
	Author identity.PublicKey
	By     entry.ID
}

// ChangeKind is the kind of one change in a plan.
type ChangeKind int

// The changes a plan can ask a backend to apply, in order.
const (
	// Insert stores Entry (with Type, Thread and Deleted) and advances its
	// log's head.
	Insert ChangeKind = iota + 1
	// FillPayload stores Payload (with Type and Thread) for the held entry
	// Target, which had none.
	FillPayload
	// DropPayload deletes the payload of the held entry Target, and with
	// it its type and thread.
	DropPayload
	// AddTombstone records Tombstone.
	AddTombstone
	// AddFork stores Fork as evidence and marks its log forked. Plan
	// emits it only for a position with no evidence yet, and only while
	// the log has fewer than MaxForksPerLog positions of evidence.
	AddFork
	// AddDevice records a device certification.
	AddDevice
	// RevokeDevice marks Device.Device revoked by Device.RevokedBy.
	RevokeDevice
	// DropRevoked puts Revoked in effect for its device: from now on the
	// backend's View.Revoked answers it, and every entry of the device
	// it does not keep that the store holds, including entries of this
	// batch, is deleted with its fork evidence and the tombstones its
	// deletes recorded; the heads of the device's logs move back to
	// their last kept entries, and a log left empty is forgotten.
	DropRevoked
)

// Change is one step of a plan.
type Change struct {
	Kind  ChangeKind
	Entry *entry.Entry
	Type  string
	// Thread is, for Insert and FillPayload of a post that is a reply,
	// its thread root (content.Post.ThreadRoot); zero for anything else.
	Thread entry.ID
	// ReplyTo is, for Insert of a post that is a reply, the post it
	// answers: the entry's time is not before that post's, when held
	// (EntryTime).
	ReplyTo   entry.ID
	Deleted   bool
	Target    entry.ID
	Payload   []byte
	Tombstone Tombstone
	Fork      Fork
	Device    Device
	Revoked   *Revoked
}

// RejectError says why an entry was rejected. Index is its position in the
// batch given to Ingest.
type RejectError struct {
	ID    entry.ID
	Log   LogKey
	Seq   uint64
	Index int
	Msg   string
	// NotKept is set when the entry's device is revoked and its
	// revocations do not keep the entry (payloads.md §6.1): a peer that
	// sends it may just not hold the revocation yet.
	NotKept bool
}

// Is makes errors.Is(err, ErrNotKept) true for a RejectError with NotKept.
func (e *RejectError) Is(target error) bool { return target == ErrNotKept && e.NotKept }

// ErrNotKept matches (errors.Is) the rejection of an entry of a revoked
// device that its revocations do not keep.
var ErrNotKept = errors.New("store: entry of a revoked device not kept by its revocation")

func (e *RejectError) Error() string {
	return fmt.Sprintf("entry %s (seq %d of log %s): %s", e.ID, e.Seq, e.Log, e.Msg)
}

// Verifier checks signatures for a batch of entries; entry.VerifyBatch is the
// production verifier.
type Verifier func([]*entry.Entry) []bool

// Plan validates a batch against view and returns a result for every entry
// and the changes that store the valid ones. It writes nothing. Entries may
// depend on earlier entries of the same batch. Signatures are verified with
// verify, once, for the entries that are not already held (an entry whose id
// the view holds at its position is Known whatever its signature: it was
// verified when it was stored).
func Plan(view View, es []*entry.Entry, verify Verifier) ([]Result, []Change, error) {
	p := planner{
		view:  view,
		heads: map[LogKey]Head{},
		// Every entry's position ends up in ids: a held one's in pass 1,
		// a new one's in pass 2.
		ids:   make(map[seqKey]entry.ID, len(es)),
		tombs: map[tombKey]Tombstone{},
	}
	results := make([]Result, len(es))
	// Pass 1: checks that need no signature, so known entries and garbage
	// never cost a verification. The view has not been changed yet, so what
	// it says here is the committed state.
	needSig := make([]*entry.Entry, 0, len(es))
	needIdx := make([]int, 0, len(es))
	for i, e := range es {
		results[i].ID = e.ID
		if err := wellFormed(e); err != nil {
			results[i] = reject(e, i, err.Error())
			continue
		}
		held, err := p.heldAlready(e)
		if err != nil {
			return nil, nil, err
		}
		if held {
			continue
		}
		needSig = append(needSig, e)
		needIdx = append(needIdx, i)
	}
	sigOK := make([]bool, len(es))
	if len(needSig) > 0 {
		ok := verify(needSig)
		if len(ok) != len(needSig) {
			return nil, nil, fmt.Errorf("store: verifier returned %d results for %d entries", len(ok), len(needSig))
		}
		for j, i := range needIdx {
			sigOK[i] = ok[j]
		}
	}
	// Pass 2. Most entries that need a signature are new: each adds
	// itself to inBatch and one change or more.
	p.inBatch = make(map[entry.ID]Meta, len(needSig))
	p.changes = make([]Change, 0, len(needSig))
	for i, e := range es {
		if results[i].Outcome == Rejected {
			continue
		}
		r, err := p.one(e, i, sigOK[i])
		if err != nil {
			return nil, nil, err
		}
		results[i] = r
	}
	RejectUnkept(es, results, p.revoked)
	return results, p.changes, nil
}

// RejectUnkept marks rejected the results of entries of es that a
// revocation put in effect later in the same batch does not keep: they
// were planned as stored, and DropRevoked deletes them again. revoked is
// what each device's revocations keep at the end of the batch.
func RejectUnkept(es []*entry.Entry, results []Result, revoked map[identity.PublicKey]*Revoked) {
	if len(revoked) == 0 {
		return
	}
	for i, e := range es {
		if results[i].Outcome != Added && results[i].Outcome != Forked {
			continue
		}
		h := &e.Header
		if r := revoked[h.Author]; r != nil && !r.Keeps(h.LogID, h.Seq, e.ID) {
			results[i] = rejectNotKept(e, i, r)
		}
	}
}

type seqKey struct {
	log LogKey
	seq uint64
}

type tombKey struct {
	target entry.ID
	author identity.PublicKey
}

type planner struct {
	view    View
	heads   map[LogKey]Head // heads as the batch so far leaves them; Seq 0: log not held
	inBatch map[entry.ID]Meta
	ids     map[seqKey]entry.ID        // ids at positions, from the view or the batch
	tombs   map[tombKey]Tombstone      // tombstones added by this batch
	forks   map[LogKey]map[uint64]bool // seqs with fork evidence, from the view and the batch
	changes []Change                   // the plan so far, in the order of the batch
	// replyTo is the post the entry being planned answers, when it is
	// a reply (set by payloadRules).
	replyTo entry.ID
	// revoked holds the devices whose revocations this batch put in
	// effect, with what they keep now; batchRevs the revocations this
	// batch stored, by certificate log.
	revoked   map[identity.PublicKey]*Revoked
	batchRevs map[LogKey][]*entry.Entry
}

// rejectNotKept is the rejection of e, which the revocations r of its
// device do not keep.
func rejectNotKept(e *entry.Entry, i int, r *Revoked) Result {
	res := reject(e, i, r.Reason())
	res.Err.(*RejectError).NotKept = true
	return res
}

func reject(e *entry.Entry, i int, msg string) Result {
	return Result{ID: e.ID, Outcome: Rejected, Err: &RejectError{
		ID: e.ID, Log: LogKey{e.Header.Author, e.Header.LogID}, Seq: e.Header.Seq, Index: i, Msg: msg,
	}}
}

// wellFormed checks that the entry is internally consistent: its header is
// exactly its raw bytes, its id is their hash, and a held payload matches.
func wellFormed(e *entry.Entry) error {
	h, err := entry.DecodeHeader(e.Raw)
	if err != nil {
		return err
	}
	if h != e.Header {
		return errors.New("header fields do not match the encoded header")
	}
	if sha256.Sum256(e.Raw) != e.ID {
		return errors.New("id is not the SHA-256 of the encoded header")
	}
	if e.Payload != nil {
		if err := entry.CheckPayload(&e.Header, e.Payload); err != nil {
			return err
		}
	}
	return nil
}

// heldAlready reports whether the view holds e at its position. It is only
// meaningful before the batch changes anything (pass 1).
func (p *planner) heldAlready(e *entry.Entry) (bool, error) {
	log := LogKey{e.Header.Author, e.Header.LogID}
	head, exists, err := p.head(log)
	if err != nil || !exists || e.Header.Seq > head.Seq {
		return false, err
	}
	id, ok, err := p.idAt(log, e.Header.Seq)
	return ok && id == e.ID, err
}

// head returns a log's head as the batch so far leaves it. Unknown logs are
// remembered too, so a batch asks the view once per log.
func (p *planner) head(log LogKey) (Head, bool, error) {
	if h, ok := p.heads[log]; ok {
		return h, h.Seq > 0, nil
	}
	h, ok, err := p.view.Head(log)
	if err != nil {
		return Head{}, false, err
	}
	if !ok || h.Seq == 0 {
		h, ok = Head{Log: log}, false
	}
	p.heads[log] = h
	return h, ok, nil
}

func (p *planner) idAt(log LogKey, seq uint64) (entry.ID, bool, error) {
	k := seqKey{log, seq}
	if id, ok := p.ids[k]; ok {
		return id, true, nil
	}
	id, ok, err := p.view.IDAt(log, seq)
	if err == nil && ok {
		p.ids[k] = id
	}
	return id, ok, err
}

// forkSeqs returns the seqs of log that hold fork evidence, in the view or
// added by the batch so far. The view is asked once per log; the caller
// adds to the set the evidence the batch keeps.
func (p *planner) forkSeqs(log LogKey) (map[uint64]bool, error) {
	if seqs, ok := p.forks[log]; ok {
		return seqs, nil
	}
	seqs, err := p.view.ForkSeqs(log)
	if err != nil {
		return nil, err
	}
	if seqs == nil {
		seqs = map[uint64]bool{}
	}
	if p.forks == nil {
		p.forks = map[LogKey]map[uint64]bool{}
	}
	p.forks[log] = seqs
	return seqs, nil
}

func (p *planner) meta(id entry.ID) (Meta, bool, error) {
	if m, ok := p.inBatch[id]; ok {
		return m, true, nil
	}
	return p.view.Meta(id)
}

// revokedOf returns what the revocations in effect of device keep, as the
// batch so far leaves them; nil when it is not revoked.
func (p *planner) revokedOf(device identity.PublicKey) (*Revoked, error) {
	if r, ok := p.revoked[device]; ok {
		return r, nil
	}
	return p.view.Revoked(device)
}

// certified reports whether the certificate log holds, at seq 1, a
// certificate with its payload: only then do its revocations take effect.
func (p *planner) certified(log LogKey) (bool, error) {
	id, ok, err := p.idAt(log, 1)
	if err != nil || !ok {
		return false, err
	}
	m, ok, err := p.meta(id)
	return ok && m.Type == content.TypeDeviceAdd, err
}

// revoke puts the revocation rev, entry by of account, in effect for the
// rest of the batch and returns the DropRevoked change that applies it.
func (p *planner) revoke(account identity.PublicKey, by entry.ID, rev *content.DeviceRevoke) (Change, error) {
	r := RevokedBy(account, by, rev)
	old, err := p.revokedOf(r.Device)
	if err != nil {
		return Change{}, err
	}
	if old != nil {
		r = old.Add(r)
	}
	if p.revoked == nil {
		p.revoked = map[identity.PublicKey]*Revoked{}
	}
	p.revoked[r.Device] = r
	return Change{Kind: DropRevoked, Revoked: r.Clone()}, nil
}

func (p *planner) tombstone(target entry.ID, author identity.PublicKey) (Tombstone, bool, error) {
	if t, ok := p.tombs[tombKey{target, author}]; ok {
		return t, true, nil
	}
	return p.view.Tombstone(target, author)
}

// one plans entry i of the batch, e, whose signature is valid if sigOK,
// appending its changes to p.changes.
func (p *planner) one(e *entry.Entry, i int, sigOK bool) (Result, error) {
	h := &e.Header
	log := LogKey{h.Author, h.LogID}
	head, exists, err := p.head(log)
	if err != nil {
		return Result{}, err
	}
	// Already held, or a fork?
	if exists && h.Seq <= head.Seq {
		held, ok, err := p.idAt(log, h.Seq)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			return Result{}, fmt.Errorf("store: log %s has head %d but no entry at seq %d", log, head.Seq, h.Seq)
		}
		if held == e.ID {
			return p.known(e)
		}
		if !sigOK {
			return reject(e, i, "invalid signature (ZIP-215), and it conflicts with the entry held at this seq"), nil
		}
		if r, err := p.revokedOf(h.Author); err != nil {
			return Result{}, err
		} else if r != nil && !r.Keeps(h.LogID, h.Seq, e.ID) {
			return rejectNotKept(e, i, r), nil
		}
		head.Forked = true
		p.heads[log] = head
		seqs, err := p.forkSeqs(log)
		if err != nil {
			return Result{}, err
		}
		// One conflicting entry per position proves the fork there, and
		// a few positions prove it beyond doubt. Anything more (the same
		// evidence again, another conflict at a position that has
		// evidence, positions beyond MaxForksPerLog) is not kept, so no
		// one can make a store hold unbounded evidence. The log is
		// already marked forked: evidence of it is held.
		if seqs[h.Seq] || len(seqs) >= MaxForksPerLog {
			return Result{ID: e.ID, Outcome: Forked}, nil
		}
		seqs[h.Seq] = true
		// Evidence is the signed header; its payload was never checked
		// and is not kept.
		evidence := *e
		evidence.Payload = nil
		p.changes = append(p.changes, Change{Kind: AddFork, Fork: Fork{Log: log, Seq: h.Seq, Kept: held, Conflict: &evidence}})
		return Result{ID: e.ID, Outcome: Forked}, nil
	}
	if !sigOK {
		return reject(e, i, "invalid signature (ZIP-215)"), nil
	}
	if r, err := p.revokedOf(h.Author); err != nil {
		return Result{}, err
	} else if r != nil && !r.Keeps(h.LogID, h.Seq, e.ID) {
		return rejectNotKept(e, i, r), nil
	}
	if !exists {
		if h.Seq != 1 {
			return reject(e, i, "log not held here; "+missing(1, h.Seq-1)+" must come first"), nil
		}
	} else {
		if head.Forked {
			return reject(e, i, "log is forked: it is kept as evidence and no longer extended"), nil
		}
		if head.Ended {
			return reject(e, i, fmt.Sprintf("log ended at seq %d: nothing may follow an end-of-log entry", head.Seq)), nil
		}
		if h.Seq > head.Seq+1 {
			return reject(e, i, missing(head.Seq+1, h.Seq-1)+isAre(head.Seq+1, h.Seq-1)+" missing before it"), nil
		}
		prev := entry.Header{Author: h.Author, LogID: h.LogID, Seq: head.Seq}
		if err := entry.CheckNext(&prev, head.ID, h); err != nil {
			return reject(e, i, err.Error()), nil
		}
	}
	var effects []Change
	typ := ""
	var thread entry.ID
	res := Result{ID: e.ID, Outcome: Added}
	p.replyTo = entry.ID{}
	if e.Payload != nil {
		cs, t, th, msg, err := p.payloadRules(e)
		if err != nil {
			return Result{}, err
		}
		if msg != "" {
			// The entry is valid; its payload is not. Keep the header
			// alone, exactly as if the payload had not come with it, so
			// the log's validity never depends on how the payload
			// travelled.
			res.PayloadErr = reject(e, i, msg).Err
			headerOnly := *e
			headerOnly.Payload = nil
			e = &headerOnly
		} else {
			typ, thread = t, th
			effects = cs
		}
	}
	// A delete by the same author that arrived first applies now, unless
	// the entry is of a type that cannot be deleted (content.CheckDelete).
	// Without a payload the type is unknown: the entry counts as deleted
	// until its payload shows a type that cannot be (see known).
	deleted := false
	if t, ok, err := p.tombstone(e.ID, h.Author); err != nil {
		return Result{}, err
	} else if ok && t.Author == h.Author && deletable(typ) {
		deleted = true
	}
	ins := Change{Kind: Insert, Entry: e, Type: typ, Thread: thread, Deleted: deleted}
	if res.PayloadErr == nil && !deleted {
		ins.ReplyTo = p.replyTo
	}
	if deleted {
		// The payload is not held, so neither are its type and thread.
		ins.Type, ins.Thread = "", entry.ID{}
	}
	p.changes = append(p.changes, ins)
	p.changes = append(p.changes, effects...)
	p.heads[log] = Head{Log: log, Seq: h.Seq, ID: e.ID, Ended: h.Flags&entry.FlagEndOfLog != 0}
	p.ids[seqKey{log, h.Seq}] = e.ID
	p.inBatch[e.ID] = Meta{Author: h.Author, HasPayload: e.Payload != nil && !deleted, Deleted: deleted, Type: ins.Type, Header: &e.Header}
	return res, nil
}

// deletable reports whether an entry whose payload has type typ ("" when
// not held or opaque) may be deleted; it mirrors the type rule of
// content.CheckDelete for a target that arrives after its delete.
func deletable(typ string) bool {
	switch typ {
	case content.TypeDelete, content.TypeDeviceAdd, content.TypeDeviceRevoke:
		return false
	}
	return true
}

// known handles an entry already held: it fills in a missing payload,
// appending the changes to p.changes.
func (p *planner) known(e *entry.Entry) (Result, error) {
	r := Result{ID: e.ID, Outcome: Known}
	if e.Payload == nil {
		return r, nil
	}
	m, ok, err := p.meta(e.ID)
	if err != nil || !ok || m.HasPayload {
		return r, err
	}
	// A payload that arrives after its header gets the same checks and
	// effects as one that arrived with it; one that fails them is not kept.
	effects, typ, thread, msg, err := p.payloadRules(e)
	if err != nil {
		return r, err
	}
	if msg != "" {
		r.PayloadErr = reject(e, -1, msg).Err
		return r, nil
	}
	// A deleted entry stays deleted if its type may be deleted. An entry
	// deleted while its type was unknown (header only) whose payload now
	// shows a type that cannot be deleted is restored, as if the payload
	// had come first.
	if m.Deleted && deletable(typ) {
		return r, nil
	}
	m.Deleted = false
	m.HasPayload = true
	m.Type = typ
	p.inBatch[e.ID] = m
	p.changes = append(p.changes, Change{Kind: FillPayload, Target: e.ID, Payload: e.Payload, Type: typ, Thread: thread})
	p.changes = append(p.changes, effects...)
	if typ == content.TypeDeviceAdd {
		// The revocations that arrived before this certificate's payload
		// take effect now.
		log := LogKey{e.Header.Author, e.Header.LogID}
		revs, err := p.view.Revocations(log)
		if err != nil {
			return r, err
		}
		for _, re := range append(revs, p.batchRevs[log]...) {
			if pl, err := content.Decode(re.Payload); err == nil {
				if rev, ok := pl.(*content.DeviceRevoke); ok {
					c, err := p.revoke(re.Header.Author, re.ID, rev)
					if err != nil {
						return r, err
					}
					p.changes = append(p.changes, c)
				}
			}
		}
	}
	return r, nil
}

// payloadRules applies the rules of known payload types. It returns a
// rejection message, or the changes the payload implies, its type and, for
// a post that is a reply, its thread root.
func (p *planner) payloadRules(e *entry.Entry) (cs []Change, typ string, thread entry.ID, msg string, err error) {
	// Decode reports what PeekType would, with the same errors, first.
	pl, err := content.Decode(e.Payload)
	if errors.Is(err, content.ErrNotCBORMap) {
		return nil, "", entry.ID{}, "", nil // opaque payload (e.g. ciphertext): stored as is
	}
	if err != nil {
		return nil, "", entry.ID{}, "payload: " + err.Error(), nil
	}
	typ = pl.Type()
	if err := content.Validate(&e.Header, pl); err != nil {
		return nil, "", entry.ID{}, "payload: " + err.Error(), nil
	}
	author := e.Header.Author
	switch v := pl.(type) {
	case *content.Delete:
		target := entry.ID(v.Target)
		m, ok, err := p.meta(target)
		if err != nil {
			return nil, "", entry.ID{}, "", err
		}
		// A delete that may not apply (another author's entry, or a type
		// that cannot be deleted) is stored but has no effect. Rejecting it
		// would make its validity depend on whether the target arrived
		// first, and replicas would disagree about the author's log.
		applies := true
		if ok {
			applies = m.Author == author && content.CheckDelete(&e.Header, v, m.Header, m.Type) == nil
		}
		t := Tombstone{Target: target, Author: author, By: e.ID}
		cs = []Change{}
		k := tombKey{target, author}
		if _, dup, err := p.tombstone(target, author); err != nil {
			return nil, "", entry.ID{}, "", err
		} else if !dup {
			p.tombs[k] = t
			cs = append(cs, Change{Kind: AddTombstone, Tombstone: t})
		}
		if ok && applies && !m.Deleted {
			cs = append(cs, Change{Kind: DropPayload, Target: target})
			m.Deleted, m.HasPayload, m.Type = true, false, ""
			p.inBatch[target] = m
		}
		return cs, typ, entry.ID{}, "", nil
	case *content.Post:
		p.replyTo = v.ReplyTo
		return nil, typ, v.ThreadRoot(), "", nil
	case *content.DeviceAdd:
		return []Change{{Kind: AddDevice, Device: Device{
			Account: author, Device: identity.PublicKey(v.Device), Name: v.Name, Cert: e.ID,
		}}}, typ, entry.ID{}, "", nil
	case *content.DeviceRevoke:
		// The revocation takes effect only in a log whose certificate
		// is held (payloads.md §6.1); otherwise when it arrives.
		log := LogKey{author, e.Header.LogID}
		ok, err := p.certified(log)
		if err != nil {
			return nil, "", entry.ID{}, "", err
		}
		cs = []Change{{Kind: RevokeDevice, Device: Device{
			Account: author, Device: identity.PublicKey(v.Device), Revoked: true, RevokedBy: e.ID,
		}}}
		if !ok {
			if p.batchRevs == nil {
				p.batchRevs = map[LogKey][]*entry.Entry{}
			}
			p.batchRevs[log] = append(p.batchRevs[log], e)
			return cs, typ, entry.ID{}, "", nil
		}
		// The change goes with the revocation's other effects, after
		// its own Insert.
		c, err := p.revoke(author, e.ID, v)
		if err != nil {
			return nil, "", entry.ID{}, "", err
		}
		return append(cs, c), typ, entry.ID{}, "", nil
	}
	return nil, typ, entry.ID{}, "", nil
}

// missing names the seqs from..to of a log: "entry 3", "entries 3..9".
func missing(from, to uint64) string {
	if from == to {
		return fmt.Sprintf("entry %d", from)
	}
	return fmt.Sprintf("entries %d..%d", from, to)
}

// isAre is the verb that agrees with missing(from, to).
func isAre(from, to uint64) string {
	if from == to {
		return " is"
	}
	return " are"
}
