package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// ErrKeyNotRenewable is returned by Reply when the conversation's key
// would need a renewal past the limit (messages.md §11).
var ErrKeyNotRenewable = errors.New("this conversation's key cannot be renewed any more")

// maxRenewalRecords bounds the renewals whose outcome a device remembers
// per conversation (for what it shows); past it, renewals are still
// tried, once each, and their outcome is not kept.
const maxRenewalRecords = 64

// Outcomes of a renewal as a device read it (messages.md §11).
const (
	renewalOpened    = "opened"
	renewalNotForMe  = "not for this device"
	renewalNotActive = "by a device that is not a participant's: not opened"
	renewalPending   = "opened; not used until its maker's own announcement of it is held"
)

// convRenewals is what a device holds of a conversation's renewals.
type convRenewals struct {
	// held: the generations held (held.Gens), those kept aside, and the
	// announcement parts seen.
	held *message.Held
	// scanned: up to which seq each device's log of the conversation was
	// read for renewals.
	scanned map[identity.PublicKey]uint64
	// startCovered: for a conversation this device created, the digest
	// of the revoked devices it knew at the start (generation 0 is safe
	// while they are all there are).
	startCovered *message.Covered
	records      []*renewalRecord
	// blocked: a renewal was due past the limit.
	blocked bool
}

// renewalRecord is one renewal announcement (all its parts share the
// epoch id) and what came of it here.
type renewalRecord struct {
	epoch     message.ID
	announcer identity.PublicKey
	seq       uint64 // of its first part read
	parts     int
	tried     int
	gen       message.ID // zero unless opened
	outcome   string     // empty while parts are missing
}

func newConvRenewals(c *message.Conversation) convRenewals {
	return convRenewals{held: message.NewHeld(c), scanned: map[identity.PublicKey]uint64{}}
}

// storedRenewals is a conversation's renewals in the conversations file
// (encrypted like the rest of it, messages.md §11).
type storedRenewals struct {
	Generations  []string          `json:"generations,omitempty"` // hex of message.Conversation.MarshalGeneration
	RenewScanned map[string]uint64 `json:"renew_scanned,omitempty"`
	StartCovered string            `json:"start_covered,omitempty"`
	Renewals     []storedRenewal   `json:"renewals,omitempty"`
	Seen         []string          `json:"seen_epochs,omitempty"`
	Pending      []string          `json:"pending,omitempty"` // as Generations
}

type storedRenewal struct {
	Epoch     string `json:"epoch"`
	Announcer string `json:"announcer"`
	Seq       uint64 `json:"seq"`
	Parts     int    `json:"parts"`
	Tried     int    `json:"tried"`
	Gen       string `json:"gen,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
}

func (r *convRenewals) load(c *message.Conversation, s storedRenewals) {
	parse := func(g string) *message.Generation {
		b, err := hex.DecodeString(g)
		if err != nil {
			return nil
		}
		gen, err := c.ParseGeneration(b)
		if err != nil {
			return nil
		}
		return gen
	}
	for _, g := range s.Generations {
		if gen := parse(g); gen != nil {
			r.held.Gens.Add(gen)
		}
	}
	for _, e := range s.Seen {
		if k, ok := unhex32(e); ok {
			r.held.See(k)
		}
	}
	for _, g := range s.Pending {
		if gen := parse(g); gen != nil {
			r.held.Offer(gen)
		}
	}
	for d, seq := range s.RenewScanned {
		if k, ok := unhex32(d); ok {
			r.scanned[identity.PublicKey(k)] = seq
		}
	}
	if b, err := hex.DecodeString(s.StartCovered); err == nil && len(b) == message.CoveredSize {
		cov := message.Covered(b)
		r.startCovered = &cov
	}
	for _, x := range s.Renewals {
		e, ok1 := unhex32(x.Epoch)
		a, ok2 := unhex32(x.Announcer)
		if !ok1 || !ok2 {
			continue
		}
		rec := &renewalRecord{epoch: e, announcer: identity.PublicKey(a), seq: x.Seq, parts: x.Parts, tried: x.Tried, outcome: x.Outcome}
		if g, ok := unhex32(x.Gen); ok {
			rec.gen = g
		}
		r.records = append(r.records, rec)
	}
}

func (r *convRenewals) stored(c *message.Conversation) storedRenewals {
	var s storedRenewals
	for _, g := range r.held.Gens.Trial() {
		s.Generations = append(s.Generations, hex.EncodeToString(c.MarshalGeneration(g)))
	}
	slices.Sort(s.Generations)
	for _, g := range r.held.Pending() {
		s.Pending = append(s.Pending, hex.EncodeToString(c.MarshalGeneration(g)))
	}
	for _, e := range r.held.Seen() {
		s.Seen = append(s.Seen, hex32(e))
	}
	slices.Sort(s.Seen)
	if len(r.scanned) > 0 {
		s.RenewScanned = map[string]uint64{}
		for d, seq := range r.scanned {
			s.RenewScanned[hex32(d)] = seq
		}
	}
	if r.startCovered != nil {
		s.StartCovered = hex.EncodeToString(r.startCovered[:])
	}
	for _, x := range r.records {
		sr := storedRenewal{Epoch: hex32(x.epoch), Announcer: hex32(x.announcer), Seq: x.seq, Parts: x.parts, Tried: x.tried, Outcome: x.outcome}
		if x.gen != (message.ID{}) {
			sr.Gen = hex32(x.gen)
		}
		s.Renewals = append(s.Renewals, sr)
	}
	return s
}

// record returns the record of a renewal's epoch, a new one when there
// is room.
func (r *convRenewals) record(epoch message.ID, announcer identity.PublicKey, seq uint64, parts int) *renewalRecord {
	for _, x := range r.records {
		if x.epoch == epoch {
			return x
		}
	}
	x := &renewalRecord{epoch: epoch, announcer: announcer, seq: seq, parts: parts}
	if len(r.records) < maxRenewalRecords {
		r.records = append(r.records, x)
	}
	return x
}

// accountDevices is the devices of accounts as the store holds them,
// each account looked up once: one pass over the conversations asks for
// the same few accounts many times.
type accountDevices struct {
	n  *Node
	by map[identity.PublicKey][]store.Device
	// heads: every log's head, by author then log id (the store keeps
	// them between writes), read once per pass.
	heads    []store.Head
	hasHeads bool
}

// headSeq is a log's head seq, 0 when the log is not held.
func (c *accountDevices) headSeq(ctx context.Context, key store.LogKey) (uint64, error) {
	if !c.hasHeads {
		hs, err := c.n.store.Heads(ctx)
		if err != nil {
			return 0, err
		}
		c.heads, c.hasHeads = hs, true
	}
	i, ok := slices.BinarySearchFunc(c.heads, key, func(h store.Head, k store.LogKey) int {
		if x := bytes.Compare(h.Log.Author[:], k.Author[:]); x != 0 {
			return x
		}
		return bytes.Compare(h.Log.LogID[:], k.LogID[:])
	})
	if !ok {
		return 0, nil
	}
	return c.heads[i].Seq, nil
}

func (n *Node) newAccountDevices() *accountDevices {
	return &accountDevices{n: n, by: map[identity.PublicKey][]store.Device{}}
}

func (c *accountDevices) of(ctx context.Context, a identity.PublicKey) ([]store.Device, error) {
	if ds, ok := c.by[a]; ok {
		return ds, nil
	}
	ds, err := c.n.store.Devices(ctx, a)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	c.by[a] = ds
	return ds, nil
}

// logDevices is convDevices for a conversation whose participants are
// known: the creator and every device of every participant account and
// of this one.
func (c *accountDevices) logDevices(ctx context.Context, ci *convInfo) ([]identity.PublicKey, error) {
	seen := map[identity.PublicKey]bool{identity.PublicKey(ci.conv.Creator): true}
	out := []identity.PublicKey{identity.PublicKey(ci.conv.Creator)}
	for _, a := range append([]identity.PublicKey{c.n.account}, ci.participants...) {
		ds, err := c.of(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if !seen[d.Device] {
				seen[d.Device] = true
				out = append(out, d.Device)
			}
		}
	}
	return out, nil
}

// participantDevices returns the current devices of the conversation's
// participant accounts and the revoked ones (messages.md §11's R).
func (c *accountDevices) participantDevices(ctx context.Context, ci *convInfo) (current []store.Device, revoked []message.ID, err error) {
	for _, a := range ci.participants {
		ds, err := c.of(ctx, a)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range ds {
			if d.Revoked {
				revoked = append(revoked, message.ID(d.Device))
			} else {
				current = append(current, d)
			}
		}
	}
	return current, revoked, nil
}

// keepGenerations reads the renewals of every conversation held whose
// participants are known and renews the key of those that hold no safe
// generation (messages.md §11). ms.mu is held. It reports whether
// anything changed.
func (n *Node) keepGenerations(ctx context.Context, dk *seal.DecryptionKey) (bool, error) {
	changed := false
	revoked, err := n.OwnRevocation(ctx)
	if err != nil {
		return false, err
	}
	devs := n.newAccountDevices()
	for _, ci := range n.msgs.convs {
		if ci.participants == nil {
			continue
		}
		did, err := n.keepRenewals(ctx, ci, dk, devs)
		if err != nil {
			return changed, err
		}
		changed = changed || did
		if revoked != nil {
			continue // a revoked device writes nothing
		}
		did, err = n.renewIfDue(ctx, ci, devs)
		if err != nil {
			n.warn("renew a conversation's key", err)
		}
		changed = changed || did
	}
	return changed, nil
}

// keepRenewals reads the logs of the conversation's devices from where
// it last read them and opens the renewals addressed to this device.
// Each part is tried once.
func (n *Node) keepRenewals(ctx context.Context, ci *convInfo, dk *seal.DecryptionKey, accounts *accountDevices) (bool, error) {
	c := ci.conv
	me := n.device.Public()
	devs, err := accounts.logDevices(ctx, ci)
	if err != nil {
		return false, err
	}
	// Renewals count from every device of a participant account, revoked
	// ones included: the store keeps a revoked device's entries only up
	// to its revocation (payloads.md §6.1), so what is held of one was
	// written before, and its generations name it in no covered set.
	current, revoked, err := accounts.participantDevices(ctx, ci)
	if err != nil {
		return false, err
	}
	active := map[identity.PublicKey]bool{}
	var makers []message.ID
	for _, d := range current {
		active[d.Device] = true
		makers = append(makers, message.ID(d.Device))
	}
	for _, d := range revoked {
		active[identity.PublicKey(d)] = true
		makers = append(makers, d)
	}
	changed := false
	for _, d := range devs {
		if d == me {
			continue
		}
		key := store.LogKey{Author: d, LogID: entry.LogID(c.LogID(seal.ID(d)))}
		from := ci.renew.scanned[d] + 1
		if head, err := accounts.headSeq(ctx, key); err != nil {
			return changed, err
		} else if head < from {
			continue // nothing new
		}
	read:
		for {
			es, err := n.store.Log(ctx, key, from, 1000)
			if err != nil {
				return changed, err
			}
			for _, e := range es {
				if e.Header.Seq != from || e.Payload == nil {
					break read // a gap: read on when it is filled
				}
				if message.KindOf(e.Payload) == message.KindAnnouncement {
					if dk == nil && active[d] {
						break read // no key yet: try it when there is one
					}
					n.readRenewal(ci, seal.Position{Author: seal.ID(d), LogID: seal.ID(key.LogID), Seq: e.Header.Seq}, e.Payload, dk, active[d], makers)
				}
				from++
				ci.renew.scanned[d] = e.Header.Seq
				changed = true
			}
			if len(es) < 1000 {
				break
			}
		}
	}
	return changed, nil
}

// readRenewal tries one announcement part of a conversation's log as a
// renewal (messages.md §11), unless it is a re-announcement of the
// conversation or of a generation held, or its author is not a device
// of a participant account.
func (n *Node) readRenewal(ci *convInfo, pos seal.Position, payload []byte, dk *seal.DecryptionKey, active bool, makers []message.ID) {
	c := ci.conv
	a, err := message.CheckAnnouncement(pos, payload)
	if err != nil {
		return // neither a renewal nor a re-announcement
	}
	if active {
		ci.renew.held.See(a.Epoch)
	}
	if a.Epoch == c.AnnouncedEpoch(pos.Author) {
		return
	}
	for _, g := range ci.renew.held.Gens.Trial() {
		if c.RenewalEpoch(pos.Author, g) == a.Epoch {
			return
		}
	}
	rec := ci.renew.record(a.Epoch, identity.PublicKey(pos.Author), pos.Seq, a.Parts)
	if rec.outcome != "" {
		return // opened or refused already: the other parts need no trying
	}
	if !active {
		rec.outcome = renewalNotActive
		return
	}
	rec.tried++
	g, err := c.OpenRenewal(seal.ID(n.device.Public()), dk, pos, payload, makers)
	switch {
	case err == nil:
		rec.gen, rec.outcome = g.ID(), renewalOpened
		if !ci.renew.held.Offer(g) {
			rec.outcome = renewalPending
		}
	case errors.Is(err, message.ErrNotForMe):
		if rec.tried >= rec.parts {
			rec.outcome = renewalNotForMe
		}
	default:
		rec.outcome = err.Error()
	}
}

// safety is what a writer knows of a conversation's revoked devices:
// their digest and whether generation 0 is safe.
func (n *Node) safety(ctx context.Context, ci *convInfo, accounts *accountDevices) (cov message.Covered, gen0Safe bool, current []store.Device, err error) {
	current, revoked, err := accounts.participantDevices(ctx, ci)
	if err != nil {
		return cov, false, nil, err
	}
	cov = message.CoveredOf(revoked)
	gen0Safe = len(revoked) == 0 || ci.renew.startCovered != nil && *ci.renew.startCovered == cov
	return cov, gen0Safe, current, nil
}

// renewIfDue renews the conversation's key when this device holds no
// generation safe for the revoked devices it knows (messages.md §11):
// a new generation wrapped to every current device of every participant
// account, in this device's log of the conversation.
func (n *Node) renewIfDue(ctx context.Context, ci *convInfo, accounts *accountDevices) (bool, error) {
	cov, gen0Safe, current, err := n.safety(ctx, ci, accounts)
	if err != nil {
		return false, err
	}
	if _, ok := ci.renew.held.Gens.Current(cov, gen0Safe); ok {
		ci.renew.blocked = false
		return false, nil
	}
	num := ci.renew.held.Gens.Highest() + 1
	if num > message.MaxGeneration {
		ci.renew.blocked = true
		return false, nil
	}
	me := n.device.Public()
	var rs []seal.Recipient
	for _, d := range current {
		if d.Device == me {
			continue
		}
		if rs, err = n.appendRecipient(ctx, rs, d.Device); err != nil {
			return false, err
		}
	}
	if len(rs) == 0 {
		return false, nil // no one else to read it: nothing to renew for
	}
	if len(rs) > message.MaxRecipients {
		rs = rs[:message.MaxRecipients]
	}
	c := ci.conv
	g, err := c.NewGeneration(seal.ID(me), num, cov)
	if err != nil {
		return false, err
	}
	parts, err := c.Renew(seal.ID(me), g, rs)
	if err != nil {
		return false, err
	}
	log := entry.LogID(c.LogID(seal.ID(me)))
	es, err := n.appendSeqStampedMany(ctx, log, len(parts), func(i int, _ uint64) ([]byte, error) { return parts[i], nil })
	if err != nil {
		return false, err
	}
	ci.renew.held.Gens.Add(g)
	rec := ci.renew.record(c.RenewalEpoch(seal.ID(me), g), me, es[0].Header.Seq, len(parts))
	rec.gen, rec.outcome, rec.tried = g.ID(), renewalOpened, len(parts)
	return true, nil
}

// sealingGeneration is the generation this device seals under in the
// conversation (nil: generation 0), or an error when it holds none that
// is safe (messages.md §11). ms.mu is held.
func (n *Node) sealingGeneration(ctx context.Context, ci *convInfo) (*message.Generation, error) {
	if ci.participants == nil {
		return nil, nil
	}
	cov, gen0Safe, _, err := n.safety(ctx, ci, n.newAccountDevices())
	if err != nil {
		return nil, err
	}
	if g, ok := ci.renew.held.Gens.Current(cov, gen0Safe); ok {
		return g, nil
	}
	if ci.renew.blocked {
		return nil, fmt.Errorf("%w: it was renewed %d times, the most a conversation allows; start a new conversation with the same people (their revoked devices are left out of it)", ErrKeyNotRenewable, message.MaxGeneration)
	}
	return nil, fmt.Errorf("%w: a device of a participant was revoked and no other device of the conversation has an encryption key here to renew the key for; let your node sync and try again", ErrKeyNotRenewable)
}

// generationsOf is the trial order of the generations held of the
// conversation id. ms.mu is held.
func (n *Node) generationsOf(id message.ID) []*message.Generation {
	if ci := n.msgs.convs[id]; ci != nil {
		return ci.renew.held.Gens.Trial()
	}
	return nil
}

// reannounceGenerations wraps every generation held to rs, the devices
// the conversation's secret is re-announced to (messages.md §11, new
// devices read older generations).
func reannounceGenerations(ci *convInfo, me identity.PublicKey, rs []seal.Recipient) ([][]byte, error) {
	var out [][]byte
	for _, g := range ci.renew.held.Gens.Trial() {
		parts, err := ci.conv.Renew(seal.ID(me), g, rs)
		if err != nil {
			return nil, err
		}
		out = append(out, parts...)
	}
	return out, nil
}

// noteStartRevoked records, for a conversation this device starts, the
// revoked devices of its participants it knows: it wrapped to none of
// them, so generation 0 stays safe for it while they are all there are.
func (n *Node) noteStartRevoked(ctx context.Context, ci *convInfo) error {
	_, revoked, err := n.newAccountDevices().participantDevices(ctx, ci)
	if err != nil {
		return err
	}
	cov := message.CoveredOf(revoked)
	ci.renew.startCovered = &cov
	return nil
}

// notGivenDetail is what a device says of a message sealed under a
// generation it was not given (messages.md §11: a revoked device).
const notGivenDetail = "sealed under a renewed key this device was not given (the conversation's key was renewed after a device was revoked)"

// KeyRenewal is one renewal of a conversation's key (messages.md §11) as
// this device knows it.
type KeyRenewal struct {
	By     Person // the account of the device that made (or announced) it
	Device string // that device's name ("" when its certificate is not held)
	// Revoked names the revoked devices it leaves out, when they are
	// those this device knows of; nil when it cannot tell.
	Revoked []string
	Given   bool // this device holds the new key
	Current bool // this device seals under it
}

// renewalsView is a copy of a conversation's renewals for its views.
type renewalsView struct {
	gens     []*message.Generation
	records  []renewalRecord
	notGiven bool // a renewal was not for this device
}

// snapshotRenewals copies ci's renewals. ms.mu is held.
func snapshotRenewals(ci *convInfo) renewalsView {
	v := renewalsView{gens: ci.renew.held.Gens.Trial()}
	for _, r := range ci.renew.records {
		v.records = append(v.records, *r)
		v.notGiven = v.notGiven || leftOut(ci.conv, r, v.gens)
	}
	return v
}

// leftOut reports whether a renewal read was not for this device and
// gave it no generation it holds by another way (a re-announcement).
func leftOut(c *message.Conversation, r *renewalRecord, held []*message.Generation) bool {
	return r.outcome == renewalNotForMe && !slices.ContainsFunc(held, func(g *message.Generation) bool {
		return c.RenewalEpoch(message.ID(r.announcer), g) == r.epoch
	})
}

// keyRenewals is what a conversation's view says of its renewals: one
// per generation held (by its maker), in the order they were made, then
// those this device was not given.
func (n *Node) keyRenewals(ctx context.Context, sk *convSkeleton, res *people) []KeyRenewal {
	rn := sk.renewals
	if len(rn.gens) == 0 && !rn.notGiven {
		return nil
	}
	info := convInfo{conv: sk.conv, participants: sk.participants}
	cov, gen0Safe, _, err := n.safety(ctx, &info, n.newAccountDevices())
	var revokedNames []string
	var cur *message.Generation
	if err == nil {
		gens := message.NewGenerations()
		for _, g := range rn.gens {
			gens.Add(g)
		}
		cur, _ = gens.Current(cov, gen0Safe)
		for _, a := range sk.participants {
			ds, _ := n.store.Devices(ctx, a)
			for _, d := range ds {
				if d.Revoked {
					revokedNames = append(revokedNames, deviceLabel(d))
				}
			}
		}
	}
	who := func(d identity.PublicKey) (Person, string) {
		dv, err := n.store.AccountOf(ctx, d)
		if err != nil {
			return Person{}, ""
		}
		return res.of(dv.Account), deviceLabel(dv)
	}
	var out []KeyRenewal
	gens := slices.Clone(rn.gens)
	slices.Reverse(gens) // lowest number first
	for _, g := range gens {
		r := KeyRenewal{Given: true, Current: g == cur}
		r.By, r.Device = who(identity.PublicKey(g.Maker))
		if g.Covered == cov {
			r.Revoked = revokedNames
		}
		out = append(out, r)
	}
	for _, x := range rn.records {
		if leftOut(sk.conv, &x, rn.gens) {
			r := KeyRenewal{}
			r.By, r.Device = who(x.announcer)
			out = append(out, r)
		}
	}
	return out
}

// deviceLabel is a device's name, or its id when it has none.
func deviceLabel(d store.Device) string {
	if d.Name != "" {
		return d.Name
	}
	return d.Device.Device().String()
}

// appendRecipient appends device, by its current encryption key, to rs;
// a device with no key held is left out.
func (n *Node) appendRecipient(ctx context.Context, rs []seal.Recipient, device identity.PublicKey) ([]seal.Recipient, error) {
	k, ok, err := n.sealKeyOf(ctx, device)
	if err != nil || !ok {
		return rs, err
	}
	return append(rs, seal.Recipient{Device: seal.ID(device), Key: k.Key}), nil
}
