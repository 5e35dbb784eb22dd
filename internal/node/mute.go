package node

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// Mutes (payloads.md §11.4): the account's list of muted accounts, sealed
// to its own devices in each device's mute log, which nobody else can
// find or read.

// muteTail is how many entries at the end of a log are read to find its
// latest sealed list and the announcement parts before it.
const muteTail = 16

// muteCache is the current mute list as last read, with the store's
// arrival cursor it was read at: it is read again only when something
// arrived since.
type muteCache struct {
	mu     sync.Mutex
	valid  bool
	cursor int64
	state  muteState
}

// muteState is what the mute logs of the account's devices hold for this
// device.
type muteState struct {
	list  *content.Mute       // the list that counts; nil when none is readable
	stmts []content.Statement // the readable latest list of each mute log
	// unreadable counts the logs of the account's devices whose latest
	// sealed entry this device could not open (not a mute log, or one
	// sealed before this device existed).
	unreadable int
}

// muteSpace is the mute space id of an account: SHA-256("kith-mute-v1" ‖
// 0x00 ‖ account).
func muteSpace(account identity.PublicKey) seal.ID {
	h := sha256.New()
	h.Write([]byte("kith-mute-v1\x00"))
	h.Write(account[:])
	var id seal.ID
	h.Sum(id[:0])
	return id
}

// muteLog is this device's mute log: HMAC-SHA256 keyed with the device's
// seed over "kith-mute-log-v1" ‖ 0x00 ‖ account.
func (n *Node) muteLog() entry.LogID {
	m := hmac.New(sha256.New, n.device.Seed())
	m.Write([]byte("kith-mute-log-v1\x00"))
	m.Write(n.account[:])
	var id entry.LogID
	m.Sum(id[:0])
	return id
}

// Muted returns the accounts this account mutes, sorted: none when no
// list is readable here. When the list it reads was not sealed to every
// current device of the account whose encryption key is held, it seals the
// list again to all of them (payloads.md §11.4), so a device certified
// later reads it too.
func (n *Node) Muted(ctx context.Context) ([]identity.PublicKey, error) {
	st, err := n.readMutes(ctx)
	if err != nil {
		return nil, err
	}
	if st.list == nil {
		return nil, nil
	}
	if missing, err := n.muteRecipientsMissing(ctx, st.list); err == nil && missing {
		if _, err := n.writeMuteList(ctx, st, st.list.Accounts); err != nil && !errors.Is(err, ErrDeviceRevoked) {
			return nil, fmt.Errorf("seal the mute list again for a new device: %w", err)
		}
	}
	out := make([]identity.PublicKey, len(st.list.Accounts))
	for i, a := range st.list.Accounts {
		out[i] = identity.PublicKey(a)
	}
	return out, nil
}

// Mute adds account to the mute list (on) or takes it off, and seals the
// new list to this account's devices. Muting this node's own account is
// refused.
func (n *Node) Mute(ctx context.Context, account identity.PublicKey, on bool) (*entry.Entry, error) {
	if account == n.account {
		return nil, errors.New("you cannot mute your own account")
	}
	if err := n.checkNotRevoked(ctx); err != nil {
		return nil, err
	}
	st, err := n.readMutes(ctx)
	if err != nil {
		return nil, err
	}
	var list []identity.AccountID
	if st.list != nil {
		list = slices.Clone(st.list.Accounts)
	}
	a := account.Account()
	i, found := slices.BinarySearchFunc(list, a, func(x, y identity.AccountID) int { return bytes.Compare(x[:], y[:]) })
	switch {
	case on && !found:
		if len(list) >= content.MaxMuted {
			return nil, fmt.Errorf("you already mute %d accounts, the most one list holds; unmute one first, or block it", content.MaxMuted)
		}
		list = slices.Insert(list, i, a)
	case !on && found:
		list = slices.Delete(list, i, i+1)
	}
	return n.writeMuteList(ctx, st, list)
}

// writeMuteList seals accounts (sorted) as this account's new mute list
// and appends it to this device's mute log: a fresh epoch's announcement
// parts, then the sealed list.
func (n *Node) writeMuteList(ctx context.Context, st muteState, accounts []identity.AccountID) (*entry.Entry, error) {
	if _, err := n.ownDecryptionKey(ctx); err != nil { // this device must be able to read its own list
		return nil, err
	}
	rs, err := n.muteRecipients(ctx)
	if err != nil {
		return nil, err
	}
	if len(rs) > content.MaxMuteDevices {
		return nil, fmt.Errorf("the account has %d devices with an encryption key; a mute list is sealed to at most %d", len(rs), content.MaxMuteDevices)
	}
	list := &content.Mute{Accounts: accounts, Replaces: content.Heads(st.stmts)}
	for _, r := range rs {
		list.Devices = append(list.Devices, identity.PublicKey(r.Device))
	}
	slices.SortFunc(list.Devices, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	body, err := content.Encode(list)
	if err != nil {
		return nil, err
	}
	space := muteSpace(n.account)
	ep, parts, err := seal.NewEpoch(space, seal.ID(n.device.Public()), nil, [32]byte{}, rs)
	if err != nil {
		return nil, err
	}
	log := n.muteLog()
	es, err := n.appendSeqStampedMany(ctx, log, len(parts)+1, func(i int, seq uint64) ([]byte, error) {
		if i < len(parts) {
			return parts[i], nil
		}
		pos := seal.Position{Author: seal.ID(n.device.Public()), LogID: seal.ID(log), Seq: seq}
		return seal.Seal(space, ep, pos, n.now(), body)
	})
	if err != nil {
		return nil, err
	}
	n.mutes.mu.Lock()
	n.mutes.valid = false
	n.mutes.mu.Unlock()
	return es[len(es)-1], nil
}

// muteRecipients are the account's current devices whose encryption key
// this node holds, this device first.
func (n *Node) muteRecipients(ctx context.Context) ([]seal.Recipient, error) {
	rs, err := n.appendRecipient(ctx, nil, n.device.Public())
	if err != nil {
		return nil, err
	}
	devs, err := n.store.Devices(ctx, n.account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	for _, d := range devs {
		if d.Revoked || d.Device == n.device.Public() {
			continue
		}
		if rs, err = n.appendRecipient(ctx, rs, d.Device); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// muteRecipientsMissing reports whether a current device of the account
// with a held encryption key is not among the devices list was sealed to.
func (n *Node) muteRecipientsMissing(ctx context.Context, list *content.Mute) (bool, error) {
	if n.checkNotRevoked(ctx) != nil {
		return false, nil
	}
	rs, err := n.muteRecipients(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range rs {
		if !slices.Contains(list.Devices, identity.PublicKey(r.Device)) {
			return true, nil
		}
	}
	return false, nil
}

// readMutes reads the latest sealed list of each log of the account's
// devices that this device can open, and decides which counts.
func (n *Node) readMutes(ctx context.Context) (muteState, error) {
	cur, err := n.lastCursor(ctx)
	if err != nil {
		return muteState{}, err
	}
	n.mutes.mu.Lock()
	defer n.mutes.mu.Unlock()
	if n.mutes.valid && n.mutes.cursor == cur {
		return n.mutes.state, nil
	}
	st, err := n.scanMutes(ctx)
	if err != nil {
		return muteState{}, err
	}
	n.mutes.valid, n.mutes.cursor, n.mutes.state = true, cur, st
	return st, nil
}

func (n *Node) scanMutes(ctx context.Context) (muteState, error) {
	var st muteState
	dk, err := n.publishedDecryptionKey(ctx)
	if err != nil || dk == nil {
		return st, err
	}
	devs, err := n.store.Devices(ctx, n.account)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return st, err
	}
	own := map[identity.PublicKey]bool{}
	for _, d := range devs {
		own[d.Device] = true
	}
	heads, err := n.store.Heads(ctx)
	if err != nil {
		return st, err
	}
	space := muteSpace(n.account)
	lists := map[entry.ID]*content.Mute{}
	for _, h := range heads {
		if !own[h.Log.Author] || h.Log.LogID == entry.PublicLog || h.Log.LogID == content.DeviceCertLog([32]byte(h.Log.Author)) {
			continue
		}
		e, list, ok, err := n.openMuteTail(ctx, space, dk, h)
		if err != nil {
			return st, err
		}
		if !ok {
			st.unreadable++
			continue
		}
		st.stmts = append(st.stmts, statementOf(e, list.Replaces))
		lists[e.ID] = list
	}
	if i := content.Current(st.stmts); i >= 0 {
		st.list = lists[st.stmts[i].ID]
	}
	return st, nil
}

// openMuteTail opens the latest sealed entry of one log as a mute list,
// with the announcement parts right before it; ok is false when the log
// does not end that way or this device cannot open it.
func (n *Node) openMuteTail(ctx context.Context, space seal.ID, dk *seal.DecryptionKey, h store.Head) (*store.Stored, *content.Mute, bool, error) {
	from := uint64(1)
	if h.Seq > muteTail {
		from = h.Seq - muteTail + 1
	}
	es, err := n.store.Log(ctx, h.Log, from, muteTail)
	if err != nil || len(es) < 2 {
		return nil, nil, false, err
	}
	last := es[len(es)-1]
	if last.Payload == nil {
		return nil, nil, false, nil
	}
	epochID, err := seal.SealedEpoch(last.Payload)
	if err != nil {
		return nil, nil, false, nil
	}
	ring := seal.NewKeyring()
	me := seal.ID(n.device.Public())
	for i := len(es) - 2; i >= 0; i-- {
		if es[i].Payload == nil {
			break
		}
		a, err := seal.DecodeAnnouncement(es[i].Payload)
		if err != nil || a.Epoch != epochID || a.Creator != seal.ID(h.Log.Author) {
			break
		}
		if ep, err := seal.OpenEpoch(space, me, dk, a); err == nil {
			ring.Add(ep)
			break
		}
	}
	if ring.Get(epochID) == nil {
		return nil, nil, false, nil
	}
	pos := seal.Position{Author: seal.ID(h.Log.Author), LogID: seal.ID(h.Log.LogID), Seq: last.Header.Seq}
	o, err := seal.Open(space, ring, pos, last.Payload)
	if err != nil {
		return nil, nil, false, nil
	}
	p, err := content.Decode(o.Body)
	if err != nil {
		return nil, nil, false, nil
	}
	list, ok := p.(*content.Mute)
	if !ok {
		return nil, nil, false, nil
	}
	return last, list, true, nil
}
