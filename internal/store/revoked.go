package store

import (
	"bytes"
	"fmt"
	"maps"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Revoked is what the revocations in effect of one device keep
// (doc/protocol/payloads.md §6.1): every entry of the device not kept is
// invalid, refused on arrival and dropped when held.
type Revoked struct {
	Device identity.PublicKey
	// Account and By name a revocation in effect, for messages: of those
	// held, the one with the smallest entry id.
	Account identity.PublicKey
	By      entry.ID
	// Logs holds, for each log of the device that keeps anything, the
	// kept position. A log not in it keeps nothing.
	Logs map[entry.LogID]KeptPos
}

// KeptPos is where a log of a revoked device stops being kept: the entries
// below Seq are kept, and the entry at Seq if it is ID (any entry at Seq
// when ID is zero, which only an intersection of revocations produces:
// see Revoked.Add).
type KeptPos struct {
	Seq uint64
	ID  entry.ID
}

// Keeps reports whether the entry id at seq of the device's log logID is
// kept.
func (r *Revoked) Keeps(logID entry.LogID, seq uint64, id entry.ID) bool {
	k, ok := r.Logs[logID]
	if !ok {
		return false
	}
	return seq < k.Seq || seq == k.Seq && (k.ID.IsZero() || k.ID == id)
}

// Reason is the message an entry the revocation does not keep is refused
// with.
func (r *Revoked) Reason() string {
	return fmt.Sprintf("device %s was revoked by account %s (entry %s); this entry is not among those the revocation keeps",
		identity.Encode(identity.KindDevice, r.Device), identity.Encode(identity.KindAccount, r.Account), r.By)
}

// Clone returns a copy that shares nothing mutable with r.
func (r *Revoked) Clone() *Revoked {
	c := *r
	c.Logs = maps.Clone(r.Logs)
	return &c
}

// RevokedBy returns what one revocation, the entry by of account, keeps
// of its device.
func RevokedBy(account identity.PublicKey, by entry.ID, rev *content.DeviceRevoke) *Revoked {
	r := &Revoked{Device: identity.PublicKey(rev.Device), Account: account, By: by, Logs: make(map[entry.LogID]KeptPos, len(rev.Keep))}
	for i, id := range rev.Keep {
		if i < len(rev.KeepAt) {
			r.Logs[rev.KeepAt[i].LogID] = KeptPos{Seq: rev.KeepAt[i].Seq, ID: id}
		}
	}
	return r
}

// Add returns what r and o, two sets of revocations of one device, keep
// together: an entry is kept only if both keep it. Per log, the lower
// kept position decides; two different kept heads at one seq keep only
// the entries below it. It is commutative and associative, so every order
// of arrival gives the same set. r and o are not changed.
func (r *Revoked) Add(o *Revoked) *Revoked {
	out := &Revoked{Device: r.Device, Account: r.Account, By: r.By, Logs: map[entry.LogID]KeptPos{}}
	if bytes.Compare(o.By[:], r.By[:]) < 0 {
		out.Account, out.By = o.Account, o.By
	}
	for log, a := range r.Logs {
		b, ok := o.Logs[log]
		if !ok {
			continue
		}
		switch {
		case a.Seq < b.Seq:
			out.Logs[log] = a
		case b.Seq < a.Seq:
			out.Logs[log] = b
		case a.ID.IsZero() || a.ID == b.ID:
			out.Logs[log] = b
		case b.ID.IsZero():
			out.Logs[log] = a
		case a.Seq > 1:
			out.Logs[log] = KeptPos{Seq: a.Seq - 1}
		}
	}
	return out
}
