package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/message"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// maxScanAuthors bounds the devices one store query names.
const maxScanAuthors = 500

// rangeScanFactor: keepMessages reads every entry that arrived since a
// group of devices was last read, whoever wrote it, when there are at most
// this many cursors per device in the range; else it asks for the
// devices' entries, maxScanAuthors at a time.
const rangeScanFactor = 4

// messageAuthors returns the devices whose announcement parts this node
// tries (messages.md §6): those of its own account, of the accounts it
// follows (not blocked) and of the participants of the conversations it
// holds, each with its account. ms.mu is held.
func (n *Node) messageAuthors(ctx context.Context) (map[identity.PublicKey]identity.PublicKey, error) {
	follows, blocks, blocked, err := n.followedForMessages(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[identity.PublicKey]identity.PublicKey, len(follows)+8)
	for d, a := range follows {
		out[d] = a
	}
	accounts := []identity.PublicKey{n.account}
	for _, ci := range n.msgs.convs {
		for _, a := range ci.participants {
			if !blocks[a] {
				accounts = append(accounts, a)
			}
		}
	}
	for _, a := range accounts {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			if !blocked[d.Device] {
				out[d.Device] = a
			}
		}
	}
	return out, nil
}

// followedDevices are the devices of the accounts this node's account
// follows, blocked ones left out, each with its account, as of mark.
type followedDevices struct {
	nw      *network
	mark    scope.FollowMark
	devices map[identity.PublicKey]identity.PublicKey
}

// followedForMessages returns the devices of the accounts followed (not
// blocked) with their accounts, the accounts blocked, and those with
// their devices. While the network runs it keeps the devices from the
// scope's changes (scope.FollowsSince): a follow, or a certificate of an
// account followed, adds one account's devices; anything else (an
// unfollow, a block, a certificate of an account blocked) reads them all
// again. The map returned is shared: do not modify it. ms.mu is held.
func (n *Node) followedForMessages(ctx context.Context) (follows map[identity.PublicKey]identity.PublicKey, blocks, blocked map[identity.PublicKey]bool, err error) {
	nw := n.net.Load()
	if nw == nil {
		rel, err := n.ownRelations(ctx)
		if err != nil {
			return nil, nil, nil, err
		}
		follows = map[identity.PublicKey]identity.PublicKey{}
		for a, on := range rel.follows {
			if on && !rel.blocks[a] {
				if err := n.addDevicesOf(ctx, follows, a, rel.blocked); err != nil {
					return nil, nil, nil, err
				}
			}
		}
		return follows, rel.blocks, rel.blocked, nil
	}
	own, err := n.keysOf(ctx, n.account)
	if err != nil {
		return nil, nil, nil, err
	}
	f := &n.msgs.followed
	mark := f.mark
	if f.nw != nw {
		mark = scope.FollowMark{}
	}
	added, blocks, next, all, err := nw.scope.FollowsSince(ctx, n.account, own[1:], mark)
	if err != nil {
		return nil, nil, nil, err
	}
	blocked = make(map[identity.PublicKey]bool, len(blocks))
	for a := range blocks {
		ks, err := n.keysOf(ctx, a)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, k := range ks {
			blocked[k] = true
		}
	}
	if all {
		f.devices = map[identity.PublicKey]identity.PublicKey{}
	}
	for _, a := range added {
		if blocks[a] {
			continue
		}
		if err := n.addDevicesOf(ctx, f.devices, a, blocked); err != nil {
			f.nw = nil // read them all again next time
			return nil, nil, nil, err
		}
	}
	f.nw, f.mark = nw, next
	return f.devices, blocks, blocked, nil
}

// addDevicesOf adds the account's devices, those in blocked left out, to
// m with the account.
func (n *Node) addDevicesOf(ctx context.Context, m map[identity.PublicKey]identity.PublicKey, account identity.PublicKey, blocked map[identity.PublicKey]bool) error {
	ds, err := n.store.Devices(ctx, account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for _, d := range ds {
		if !blocked[d.Device] {
			m[d.Device] = account
		}
	}
	return nil
}

// lastCursor is the store's newest arrival cursor (0: empty).
func (n *Node) lastCursor(ctx context.Context) (int64, error) {
	es, err := n.store.Find(ctx, store.Query{Desc: true, Limit: 1})
	if err != nil || len(es) == 0 {
		return 0, err
	}
	return es[0].Cursor, nil
}

// keepMessages brings this device's conversations up to date
// (messages.md §6): it reads the entries that arrived from the devices it
// tries announcements of, opens the announcement parts addressed to it
// (after the checks that cost nothing, and only of epochs it does not
// hold), reads the start of every conversation whose participants it
// does not know yet, re-announces to new devices, and reports messages
// that arrived since the node opened as events.
func (n *Node) keepMessages(ctx context.Context, publish bool) error {
	ms := &n.msgs
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if err := n.loadConversations(); err != nil {
		n.warn("read the conversations", err)
	}
	hi, err := n.lastCursor(ctx)
	if err != nil {
		return err
	}
	if !ms.sinceSet {
		ms.since, ms.sinceSet = hi, true
	}
	authors, err := n.messageAuthors(ctx)
	if err != nil {
		return err
	}
	// This device's key. publish: a person reads or writes messages, so
	// the key is published if it is not yet (a device that reads messages
	// can be written to); else (the background loop) only a key published
	// already is used. A revoked device that never published one reads
	// what it holds and can be written to no more.
	dk, err := n.messageKey(ctx, publish)
	if err != nil && !errors.Is(err, ErrDeviceRevoked) {
		return err
	}
	getKey := func() (*seal.DecryptionKey, error) { return dk, nil }
	// Devices grouped by how far they were read. Without a key and a
	// conversation there is nothing to find yet.
	groups := map[int64][]identity.PublicKey{}
	for d := range authors {
		if dk == nil && len(ms.convs) == 0 {
			break
		}
		if d == n.device.Public() {
			// This device's own entries hold nothing to find (it knows
			// what it wrote); reading them cost a node that had sealed
			// 100,000 space posts 3 s of CPU at every start.
			continue
		}
		if from := ms.scanned[d]; from < hi {
			groups[from] = append(groups[from], d)
		}
	}
	changed := false
	tried := false // announcement parts were read: remember how far
	// Messages that did not open: perhaps under a generation whose
	// renewal is read below (keepGenerations).
	var late []lateReport
	var fresh []*convInfo
	isFresh := map[message.ID]bool{} // reported by reportHeld below
	me := n.device.Public()
	// scan reads the entries q finds (of the authors in only, when set).
	scan := func(q store.Query, only map[identity.PublicKey]bool) error {
		for {
			es, err := n.store.Find(ctx, q)
			if err != nil {
				return err
			}
			for _, e := range es {
				q.After = e.Cursor
				if only != nil && !only[e.Header.Author] {
					continue
				}
				if e.Payload == nil || e.Header.LogID == entry.PublicLog || e.Header.Author == me {
					continue
				}
				pos := seal.Position{Author: seal.ID(e.Header.Author), LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
				switch message.KindOf(e.Payload) {
				case message.KindAnnouncement:
					tried = true
					c, err := n.tryAnnouncement(pos, e.Payload, getKey)
					if err != nil {
						return err
					}
					if c != nil && ms.convs[c.ID()] == nil {
						ci := n.addConversation(c)
						if err := n.noteOwnDevices(ctx, ci); err != nil {
							return err
						}
						fresh = append(fresh, ci)
						isFresh[c.ID()] = true
						changed = true
					}
				case message.KindMessage:
					if c := ms.book.Find(pos.Author, pos.LogID); c != nil && !isFresh[c.ID()] {
						if !n.reportMessage(c, e, pos) && len(late) < maxLateReports {
							late = append(late, lateReport{c, e, pos})
						}
					}
				}
			}
			if len(es) < q.Limit {
				break
			}
		}
		return nil
	}
	for from, devs := range groups {
		if hi-from <= int64(len(devs))*rangeScanFactor {
			// Few entries arrived since, from many devices' point of view
			// (the usual case: one new entry, thousands of devices
			// followed): one pass over them, whoever wrote them, instead
			// of a query per maxScanAuthors devices.
			only := make(map[identity.PublicKey]bool, len(devs))
			for _, d := range devs {
				only[d] = true
			}
			if err := scan(store.Query{After: from, Before: hi + 1, Limit: 1000}, only); err != nil {
				return err
			}
			for _, d := range devs {
				ms.scanned[d] = hi
			}
			continue
		}
		for len(devs) > 0 {
			batch := devs[:min(len(devs), maxScanAuthors)]
			devs = devs[len(batch):]
			if err := scan(store.Query{Authors: batch, After: from, Before: hi + 1, Limit: 1000}, nil); err != nil {
				return err
			}
			for _, d := range batch {
				ms.scanned[d] = hi
			}
		}
	}
	wantsChanged := changed
	for _, ci := range ms.convs {
		if ci.participants == nil {
			if err := n.readStart(ctx, ci); err != nil {
				return err
			}
			if ci.participants != nil {
				wantsChanged = true
			}
		}
	}
	// Renewals of the key (messages.md §11), read and made.
	did, err := n.keepGenerations(ctx, dk)
	if err != nil {
		return err
	}
	changed = changed || did
	for _, l := range late {
		n.reportMessage(l.c, l.e, l.pos)
	}
	// The messages a newly opened conversation already had here.
	for _, ci := range fresh {
		if err := n.reportHeld(ctx, ci); err != nil {
			return err
		}
	}
	for _, ci := range ms.convs {
		did, err := n.reannounce(ctx, ci)
		if err != nil {
			n.warn("re-announce a conversation to new devices", err)
		}
		changed = changed || did
	}
	if changed || tried {
		if err := n.saveConversations(); err != nil {
			return fmt.Errorf("save the conversations: %w", err)
		}
	}
	if wantsChanged {
		n.publishWants()
		go n.spacesChanged()
	}
	return nil
}

// messageKey returns this device's decryption key; unless publish, nil
// when its encryption key is not published yet.
func (n *Node) messageKey(ctx context.Context, publish bool) (*seal.DecryptionKey, error) {
	if !publish {
		if _, ok, err := n.sealKeyOf(ctx, n.device.Public()); err != nil || !ok {
			return nil, err
		}
	}
	return n.ownDecryptionKey(ctx)
}

// tryAnnouncement opens an announcement part unless a check that costs
// no decapsulation refuses it or its epoch is one of a conversation held.
// It returns nil when the part is not for this device.
func (n *Node) tryAnnouncement(pos seal.Position, payload []byte, getKey func() (*seal.DecryptionKey, error)) (*message.Conversation, error) {
	ms := &n.msgs
	a, err := message.CheckAnnouncement(pos, payload)
	if err != nil {
		return nil, nil
	}
	if ms.epochs[a.Epoch] || ms.book.Find(pos.Author, pos.LogID) != nil {
		// An epoch held, or a part in a log of a conversation held: a
		// re-announcement or a renewal, read with the conversation
		// (keepRenewals).
		return nil, nil
	}
	for _, ci := range ms.convs {
		// A re-announcement of a conversation held: one hash each.
		if ci.conv.AnnouncedEpoch(pos.Author) == a.Epoch {
			ms.epochs[a.Epoch] = true
			return nil, nil
		}
	}
	dk, err := getKey()
	if err != nil || dk == nil {
		return nil, err
	}
	c, err := message.OpenAnnouncement(seal.ID(n.device.Public()), dk, pos, payload)
	if err != nil {
		return nil, nil // not for this device, or refused: stored and carried, nothing more
	}
	ms.epochs[a.Epoch] = true
	return c, nil
}

// noteOwnDevices records this account's devices as they are when this
// device opens a conversation: it re-announces to devices added later.
func (n *Node) noteOwnDevices(ctx context.Context, ci *convInfo) error {
	ds, err := n.store.Devices(ctx, n.account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for _, d := range ds {
		ci.ownAtOpen[d.Device] = true
	}
	return nil
}

// readStart looks for the conversation's start in its creator's log and
// sets its participants (messages.md §5 step 1).
func (n *Node) readStart(ctx context.Context, ci *convInfo) error {
	c := ci.conv
	key := store.LogKey{Author: identity.PublicKey(c.Creator), LogID: entry.LogID(c.LogID(c.Creator))}
	acc, err := n.store.AccountOf(ctx, key.Author)
	if errors.Is(err, store.ErrNotFound) {
		return nil // the creator's certificate is not held yet
	} else if err != nil {
		return err
	}
	es, err := n.store.Log(ctx, key, 1, message.MaxParts+8)
	if err != nil {
		return err
	}
	for _, e := range es {
		if e.Payload == nil || message.KindOf(e.Payload) != message.KindMessage {
			continue
		}
		o, err := message.Open(c, seal.Position{Author: c.Creator, LogID: seal.ID(key.LogID), Seq: e.Header.Seq}, e.Payload)
		if err != nil || !o.Msg.IsStart() {
			continue
		}
		for _, p := range o.Msg.Participants {
			if p == acc.Account {
				ci.participants = o.Msg.Participants
				return nil
			}
		}
	}
	return nil
}

// reportMessage emits EventMessage for a message of c that arrived while
// this process runs and opens. It reports false for one that does not
// open (yet).
func (n *Node) reportMessage(c *message.Conversation, e *store.Stored, pos seal.Position) bool {
	if e.Cursor <= n.msgs.since {
		return true
	}
	if _, err := message.OpenIn(c, n.generationsOf(c.ID()), pos, e.Payload); err != nil {
		return false
	}
	n.events.emit(Event{Kind: EventMessage, Entry: e.Entry, Conversation: c.ID(), Local: e.Header.Author == n.device.Public()})
	return true
}

// lateReport is a message to report once the renewals are read.
type lateReport struct {
	c   *message.Conversation
	e   *store.Stored
	pos seal.Position
}

// maxLateReports bounds the messages kept for a second try at reporting
// in one pass (each holds its payload, up to 16 KiB).
const maxLateReports = 256

// reportHeld reports the messages a conversation just opened had here.
func (n *Node) reportHeld(ctx context.Context, ci *convInfo) error {
	devs, err := n.convDevices(ctx, ci)
	if err != nil {
		return err
	}
	for _, d := range devs {
		key := store.LogKey{Author: d, LogID: entry.LogID(ci.conv.LogID(seal.ID(d)))}
		err := n.eachOfConvLog(ctx, key, func(e *store.Stored) {
			if e.Payload != nil && message.KindOf(e.Payload) == message.KindMessage {
				n.reportMessage(ci.conv, e, seal.Position{Author: seal.ID(d), LogID: seal.ID(key.LogID), Seq: e.Header.Seq})
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// eachOfConvLog calls fn with every entry of one log held, in seq order.
func (n *Node) eachOfConvLog(ctx context.Context, key store.LogKey, fn func(*store.Stored)) error {
	for from := uint64(1); ; {
		es, err := n.store.Log(ctx, key, from, 1000)
		if err != nil {
			return err
		}
		for _, e := range es {
			from = e.Header.Seq + 1
			fn(e)
		}
		if len(es) < 1000 {
			return nil
		}
	}
}

// convDevices returns the devices whose logs of the conversation this
// node reads: the creator and every device of every participant account
// and of its own account; of an unverified conversation (start not held),
// those of the devices it tries announcements of too.
func (n *Node) convDevices(ctx context.Context, ci *convInfo) ([]identity.PublicKey, error) {
	seen := map[identity.PublicKey]bool{identity.PublicKey(ci.conv.Creator): true}
	out := []identity.PublicKey{identity.PublicKey(ci.conv.Creator)}
	add := func(d identity.PublicKey) {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	accounts := append([]identity.PublicKey{n.account}, ci.participants...)
	for _, a := range accounts {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		for _, d := range ds {
			add(d.Device)
		}
	}
	if ci.participants == nil {
		authors, err := n.messageAuthors(ctx)
		if err != nil {
			return nil, err
		}
		for d := range authors {
			add(d)
		}
	}
	return out, nil
}

// reannounce gives the conversation's secret to devices that have none
// (messages.md §2): the creator to every new current device of every
// participant account, any other participant device to its own account's
// devices added since it opened the conversation. It reports whether it
// announced anything.
func (n *Node) reannounce(ctx context.Context, ci *convInfo) (bool, error) {
	me := n.device.Public()
	creator := identity.PublicKey(ci.conv.Creator) == me
	var accounts []identity.PublicKey
	switch {
	case ci.participants == nil:
		return false, nil
	case creator:
		accounts = ci.participants
	default:
		accounts = []identity.PublicKey{n.account}
	}
	var rs []seal.Recipient
	for _, a := range accounts {
		ds, err := n.store.Devices(ctx, a)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		for _, d := range ds {
			if d.Revoked || d.Device == me || ci.announced[d.Device] || (!creator && ci.ownAtOpen[d.Device]) {
				continue
			}
			// A device that wrote in the conversation holds it.
			if _, err := n.store.Head(ctx, store.LogKey{Author: d.Device, LogID: entry.LogID(ci.conv.LogID(seal.ID(d.Device)))}); err == nil {
				ci.announced[d.Device] = true
				continue
			} else if !errors.Is(err, store.ErrNotFound) {
				return false, err
			}
			if rs, err = n.appendRecipient(ctx, rs, d.Device); err != nil {
				return false, err
			}
		}
	}
	if len(rs) == 0 {
		return false, nil
	}
	if len(rs) > message.MaxRecipients {
		rs = rs[:message.MaxRecipients]
	}
	parts, err := ci.conv.Reannounce(seal.ID(me), rs)
	if err != nil {
		return false, err
	}
	gparts, err := reannounceGenerations(ci, me, rs)
	if err != nil {
		return false, err
	}
	parts = append(parts, gparts...)
	log := entry.LogID(ci.conv.LogID(seal.ID(me)))
	if _, err := n.appendSeqStampedMany(ctx, log, len(parts), func(i int, _ uint64) ([]byte, error) { return parts[i], nil }); err != nil {
		return false, err
	}
	for _, r := range rs {
		ci.announced[identity.PublicKey(r.Device)] = true
	}
	return true, nil
}
