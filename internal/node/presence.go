package node

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/services"
)

// OnlineDevice is a device a hub told this node is online
// (doc/protocol/services.md §7).
type OnlineDevice struct {
	Device  identity.DeviceID
	Account identity.AccountID
	// Hubs are the hubs that say it is online, ascending.
	Hubs []identity.DeviceID
	// Heads are the device's heads as its hubs told them: per log, the
	// greatest seq told.
	Heads []OnlineHead
}

// OnlineHead is the head of one of an online device's logs.
type OnlineHead struct {
	Log entry.LogID
	Seq uint64
	ID  entry.ID
}

// Signal is a short message that came through a hub.
type Signal struct {
	From        identity.DeviceID
	FromAccount identity.AccountID
	Hub         identity.DeviceID
	Text        string
	// Received is when this node took it: shown, never used to order.
	Received time.Time
}

// PresenceHub is a hub this node says it is online at.
type PresenceHub struct {
	Hub identity.DeviceID
	// Session is the hub's number for this node's session; 0 while the
	// hub has not welcomed it.
	Session uint64
}

// Online returns the devices this node's hubs say are online, ordered by
// device, and the hubs this node is online at. Nothing when the network
// is not running.
func (n *Node) Online() ([]OnlineDevice, []PresenceHub) {
	nw := n.net.Load()
	if nw == nil || nw.links == nil {
		return []OnlineDevice{}, []PresenceHub{}
	}
	nw.links.mu.Lock()
	defer nw.links.mu.Unlock()
	byDevice := map[identity.PublicKey]*OnlineDevice{}
	hubs := []PresenceHub{}
	for hub, l := range nw.links.links {
		if l.session != 0 {
			hubs = append(hubs, PresenceHub{Hub: hub.Device(), Session: l.session})
		}
		for _, p := range l.view.Online() {
			dev := identity.PublicKey(p.Device)
			d := byDevice[dev]
			if d == nil {
				d = &OnlineDevice{Device: dev.Device(), Account: identity.PublicKey(p.Account).Account()}
				byDevice[dev] = d
			}
			d.Hubs = append(d.Hubs, hub.Device())
			for _, h := range p.Heads {
				i := slices.IndexFunc(d.Heads, func(x OnlineHead) bool { return x.Log == entry.LogID(h.LogID) })
				switch {
				case i < 0:
					d.Heads = append(d.Heads, OnlineHead{Log: entry.LogID(h.LogID), Seq: h.Seq, ID: entry.ID(h.ID)})
				case h.Seq > d.Heads[i].Seq:
					d.Heads[i] = OnlineHead{Log: entry.LogID(h.LogID), Seq: h.Seq, ID: entry.ID(h.ID)}
				}
			}
		}
	}
	out := make([]OnlineDevice, 0, len(byDevice))
	for _, d := range byDevice {
		slices.SortFunc(d.Hubs, func(a, b identity.DeviceID) int { return strings.Compare(a.String(), b.String()) })
		slices.SortFunc(d.Heads, func(a, b OnlineHead) int { return strings.Compare(a.Log.String(), b.Log.String()) })
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b OnlineDevice) int { return strings.Compare(a.Device.String(), b.Device.String()) })
	slices.SortFunc(hubs, func(a, b PresenceHub) int { return strings.Compare(a.Hub.String(), b.Hub.String()) })
	return out, hubs
}

// Signals returns the last messages that came through hubs (at most 64),
// oldest first.
func (n *Node) Signals() []Signal {
	nw := n.net.Load()
	if nw == nil || nw.links == nil {
		return []Signal{}
	}
	nw.links.mu.Lock()
	defer nw.links.mu.Unlock()
	return slices.Clone(nw.links.signals)
}

// SignalRefusedError is a hub's refusal to hand on a message.
type SignalRefusedError struct {
	Hub    identity.DeviceID
	Code   uint64
	Reason string
}

func (e *SignalRefusedError) Error() string {
	return fmt.Sprintf("hub %s did not hand the message on (code %d): %s", e.Hub, e.Code, e.Reason)
}

// ErrNoPresenceHub: this node is online at no hub, so it cannot send a
// message through one.
var ErrNoPresenceHub = fmt.Errorf("this node is online at no hub: add a hub that offers presence (hubs in config.toml, or kith peers add)")

// SendSignal sends text (1…1,024 bytes) to the device to through a hub
// both are connected to: first the hubs that say to is online, then the
// others. It returns the hub that handed it on, or the last refusal (a
// *SignalRefusedError).
func (n *Node) SendSignal(ctx context.Context, to identity.PublicKey, text string) (identity.DeviceID, error) {
	if len(text) < 1 || len(text) > services.MaxMessageText {
		return identity.DeviceID{}, fmt.Errorf("a message of %d bytes: write 1 to %d bytes", len(text), services.MaxMessageText)
	}
	nw := n.net.Load()
	if nw == nil || nw.links == nil {
		return identity.DeviceID{}, ErrNotServing
	}
	nw.links.mu.Lock()
	var first, rest []*hubLink
	for _, l := range nw.links.links {
		if l.session == 0 {
			continue
		}
		if p, ok := l.view.Get(key32(to)); ok && p.Online {
			first = append(first, l)
		} else {
			rest = append(rest, l)
		}
	}
	nw.links.mu.Unlock()
	var last error = ErrNoPresenceHub
	for _, l := range append(first, rest...) {
		nw.links.mu.Lock()
		nw.links.nextMsg++
		id := nw.links.nextMsg
		ch := make(chan services.SendResult, 1)
		nw.links.waiting[id] = ch
		nw.links.mu.Unlock()
		err := l.write(services.ClientMessage{Send: &services.PresenceSend{MsgID: id, To: key32(to), Text: text}})
		if err == nil {
			select {
			case res := <-ch:
				if res.Code == 0 {
					return l.hub.Device(), nil
				}
				err = &SignalRefusedError{Hub: l.hub.Device(), Code: res.Code, Reason: res.Reason}
			case <-time.After(presenceWriteTimeout):
				err = fmt.Errorf("%w: hub %s did not answer within %v", ErrUnreachable, l.hub.Device(), presenceWriteTimeout)
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		nw.links.mu.Lock()
		delete(nw.links.waiting, id)
		nw.links.mu.Unlock()
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return identity.DeviceID{}, last
}
