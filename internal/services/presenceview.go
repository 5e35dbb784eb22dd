package services

import (
	"bytes"
	"errors"
	"slices"
)

// MaxViewPeers bounds the devices a PresenceView keeps of one hub, those
// gone included: as many as a hub holds sessions (doc/protocol/
// services.md §7).
const MaxViewPeers = 4096

// ErrViewFull is returned by PresenceView.Apply when a hub tells of more
// than MaxViewPeers devices online at once: a breach of the hub.
var ErrViewFull = errors.New("the hub told of more devices online than a hub may hold")

// PresenceView is what one hub told a node of the devices it watches: for
// each device, the event of greatest (Session, Update). It is a pure
// reducer: the same events in any order give the same view, so no event
// needs a clock, and a late "gone" of an older session never hides a
// newer one. A zero PresenceView is empty and ready.
type PresenceView struct {
	peers map[Key32]PeerEvent
}

// newer reports whether a orders after b.
func newer(a, b PeerEvent) bool {
	if a.Session != b.Session {
		return a.Session > b.Session
	}
	return a.Update > b.Update
}

// Apply takes ev into the view and reports whether the view changed. An
// event no newer than the one held changes nothing. When the view holds
// MaxViewPeers devices, the gone device of the oldest event is forgotten
// to make room; if all are online, ev is refused with ErrViewFull.
func (v *PresenceView) Apply(ev PeerEvent) (bool, error) {
	if v.peers == nil {
		v.peers = make(map[Key32]PeerEvent)
	}
	cur, ok := v.peers[ev.Device]
	if ok && !newer(ev, cur) {
		return false, nil
	}
	if !ok && len(v.peers) >= MaxViewPeers {
		var oldest *PeerEvent
		for _, p := range v.peers {
			if !p.Online && (oldest == nil || newer(*oldest, p)) {
				p := p
				oldest = &p
			}
		}
		if oldest == nil {
			return false, ErrViewFull
		}
		delete(v.peers, oldest.Device)
	}
	ev.Heads = slices.Clone(ev.Heads)
	v.peers[ev.Device] = ev
	return true, nil
}

// Get returns what the view holds of device.
func (v *PresenceView) Get(device Key32) (PeerEvent, bool) {
	p, ok := v.peers[device]
	return p, ok
}

// Online returns the devices online, ordered by device key.
func (v *PresenceView) Online() []PeerEvent {
	out := make([]PeerEvent, 0, len(v.peers))
	for _, p := range v.peers {
		if p.Online {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b PeerEvent) int { return bytes.Compare(a.Device[:], b.Device[:]) })
	return out
}

// Len returns how many devices the view holds, gone ones included.
func (v *PresenceView) Len() int { return len(v.peers) }
