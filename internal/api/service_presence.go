package api

import (
	"context"
	"errors"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// Online says who is online at this node's hubs, the hubs it is online
// at and the messages that came (doc/protocol/services.md §7).
func (s *Service) Online(ctx context.Context) (wire.Online, error) {
	if !s.n.Serving() {
		return wire.Online{}, notServing()
	}
	on, hubs := s.n.Online()
	out := wire.Online{Online: []wire.OnlinePeer{}, Hubs: []wire.HubRef{}, Signals: []wire.Signal{}}
	for _, d := range on {
		p := wire.OnlinePeer{Device: d.Device.String(), Account: d.Account.String(), Name: s.profileName(ctx, d.Account.Key()),
			DeviceName: s.deviceName(ctx, d.Device.Key()), Hubs: []wire.HubRef{}, Heads: []wire.OnlineHead{}}
		for _, h := range d.Hubs {
			p.Hubs = append(p.Hubs, s.hubRef(ctx, h))
		}
		for _, h := range d.Heads {
			p.Heads = append(p.Heads, wire.OnlineHead{Log: h.Log.String(), Seq: h.Seq, ID: h.ID.String()})
		}
		out.Online = append(out.Online, p)
	}
	for _, h := range hubs {
		r := s.hubRef(ctx, h.Hub)
		r.Session = h.Session
		out.Hubs = append(out.Hubs, r)
	}
	for _, sig := range s.n.Signals() {
		w := signalOf(sig)
		w.FromName = s.profileName(ctx, sig.FromAccount.Key())
		out.Signals = append(out.Signals, w)
	}
	return out, nil
}

// SendSignal sends a short message to a device through a hub.
func (s *Service) SendSignal(ctx context.Context, req wire.SendSignalRequest) (wire.SentSignal, error) {
	dev, err := identity.ParseDevice(strings.TrimSpace(req.To))
	if err != nil {
		return wire.SentSignal{}, apiError(wire.CodeBadRequest, "to %q: %v: give the recipient's device, dev_… (kith online lists who is online)", shortText(req.To), err)
	}
	if len(req.Text) < 1 || len(req.Text) > wire.MaxSignalText {
		return wire.SentSignal{}, apiError(wire.CodeBadRequest, "text is %d bytes: write 1 to %d bytes", len(req.Text), wire.MaxSignalText)
	}
	if !s.n.Serving() {
		return wire.SentSignal{}, notServing()
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	hub, err := s.n.SendSignal(ctx, dev.Key(), req.Text)
	var refused *node.SignalRefusedError
	switch {
	case errors.As(err, &refused):
		return wire.SentSignal{}, withCode(wire.CodeHubRefused, err)
	case errors.Is(err, node.ErrNoPresenceHub):
		return wire.SentSignal{}, withCode(wire.CodeUnreachable, err)
	case err != nil:
		return wire.SentSignal{}, err
	}
	return wire.SentSignal{Hub: s.hubRef(ctx, hub)}, nil
}

// hubRef names a hub: its account's profile name, else its device's (from
// the certificate stored, or else the one it sent when it connected).
func (s *Service) hubRef(ctx context.Context, hub identity.DeviceID) wire.HubRef {
	r := wire.HubRef{Device: hub.String()}
	if d, err := s.n.Store().AccountOf(ctx, hub.Key()); err == nil {
		r.Name = s.profileName(ctx, d.Account)
		if r.Name == "" {
			r.Name = d.Name
		}
	} else if name, account, ok := s.n.PeerCertName(hub.Key()); ok {
		r.Name = s.profileName(ctx, account)
		if r.Name == "" {
			r.Name = name
		}
	}
	return r
}

// deviceName is the name a device's certificate gives it, if held.
func (s *Service) deviceName(ctx context.Context, dev identity.PublicKey) string {
	if d, err := s.n.Store().AccountOf(ctx, dev); err == nil {
		return d.Name
	}
	return ""
}

// signalOf converts a message that came, without names.
func signalOf(sig node.Signal) wire.Signal {
	return wire.Signal{From: sig.From.String(), FromAccount: sig.FromAccount.String(), Hub: sig.Hub.String(), Text: sig.Text, Received: sig.Received}
}
