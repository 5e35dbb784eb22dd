package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// dropboxErr gives the dropbox's errors their codes.
func dropboxErr(err error) error {
	var r *node.DropboxRefusedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, node.ErrNoRequest):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrNoDropbox):
		return withCode(wire.CodeConflict, err)
	case errors.As(err, &r), errors.Is(err, node.ErrDropboxRefused):
		return withCode(wire.CodeHubRefused, err)
	}
	return messageErr(err)
}

func requestWire(r node.Request) wire.Request {
	return wire.Request{ID: r.ID, From: r.From.String(), FromName: r.FromName, Device: r.Device.String(), Text: r.Text,
		SentMs: r.SentMs, CollectedMs: r.CollectedMs, Hub: r.Hub, Answered: r.Answered, Accepted: r.Accepted, Following: r.Following}
}

// Requests lists the letters collected from this account's dropboxes.
func (s *Service) Requests(ctx context.Context) (wire.Requests, error) {
	rs, err := s.n.Requests(ctx)
	if err != nil {
		return wire.Requests{}, dropboxErr(err)
	}
	out := wire.Requests{Requests: make([]wire.Request, 0, len(rs))}
	for _, r := range rs {
		out.Requests = append(out.Requests, requestWire(r))
	}
	return out, nil
}

func (s *Service) requestID(text string) ([32]byte, error) {
	id, err := s.n.ParseRequestID(text)
	return id, dropboxErr(err)
}

// Request returns one request.
func (s *Service) Request(ctx context.Context, idText string) (wire.Request, error) {
	id, err := s.requestID(idText)
	if err != nil {
		return wire.Request{}, err
	}
	r, err := s.n.GetRequest(ctx, id)
	if err != nil {
		return wire.Request{}, dropboxErr(err)
	}
	return requestWire(*r), nil
}

// AnswerRequest answers a request with a private message.
func (s *Service) AnswerRequest(ctx context.Context, idText string, req wire.RequestAnswer) (wire.RequestAnswered, error) {
	id, err := s.requestID(idText)
	if err != nil {
		return wire.RequestAnswered{}, err
	}
	conv, err := s.n.AnswerRequest(ctx, id, req.Text)
	if err != nil {
		return wire.RequestAnswered{}, dropboxErr(err)
	}
	return wire.RequestAnswered{Conversation: hexOf(conv[:])}, nil
}

// AcceptRequest follows a request's sender.
func (s *Service) AcceptRequest(ctx context.Context, idText string) (wire.Request, error) {
	id, err := s.requestID(idText)
	if err != nil {
		return wire.Request{}, err
	}
	if err := s.n.AcceptRequest(ctx, id); err != nil {
		return wire.Request{}, dropboxErr(err)
	}
	return s.Request(ctx, idText)
}

// IgnoreRequest forgets a request.
func (s *Service) IgnoreRequest(ctx context.Context, idText string) (wire.RequestIgnored, error) {
	id, err := s.requestID(idText)
	if err != nil {
		return wire.RequestIgnored{}, err
	}
	if err := s.n.IgnoreRequest(ctx, id); err != nil {
		return wire.RequestIgnored{}, dropboxErr(err)
	}
	return wire.RequestIgnored{ID: hexOf(id[:]), Ignored: true}, nil
}

// SendLetter leaves a letter at the recipient's dropbox.
func (s *Service) SendLetter(ctx context.Context, req wire.LetterSend) (wire.LetterSent, error) {
	if len(req.Text) < 1 || len(req.Text) > wire.MaxLetterText {
		return wire.LetterSent{}, apiError(wire.CodeBadRequest, "a letter's text is %d bytes; give 1 to %d", len(req.Text), wire.MaxLetterText)
	}
	to, err := s.person(ctx, req.To)
	if err != nil {
		return wire.LetterSent{}, err
	}
	if !s.n.Serving() {
		return wire.LetterSent{}, notServing()
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	l, err := s.n.SendLetter(ctx, to, req.Text)
	if err != nil {
		return wire.LetterSent{}, dropboxErr(err)
	}
	return wire.LetterSent{ID: l.ID, Hub: l.Hub.String(), Followed: l.Followed}, nil
}

// SetHubs publishes this account's hubs and dropboxes.
func (s *Service) SetHubs(ctx context.Context, req wire.Hubs) (wire.Hubs, error) {
	hs := make([]node.HubAddr, 0, len(req.Hubs))
	for _, h := range req.Hubs {
		hs = append(hs, node.HubAddr{Addr: h.Addr, Dropbox: h.Dropbox})
	}
	if _, err := s.n.PublishHubs(ctx, hs); err != nil {
		return wire.Hubs{}, dropboxErr(err)
	}
	return s.Hubs(ctx, s.n.Account().String())
}

// Hubs returns the hubs an account names (payloads.md §10).
func (s *Service) Hubs(ctx context.Context, accountText string) (wire.Hubs, error) {
	a := s.n.Account()
	if accountText != "" {
		var err error
		if a, err = parseAccount("account", accountText); err != nil {
			return wire.Hubs{}, err
		}
	}
	hs, err := s.n.AccountHubs(ctx, a.Key())
	if err != nil {
		return wire.Hubs{}, err
	}
	out := wire.Hubs{Hubs: []wire.HubAddr{}}
	for _, h := range hs {
		dev := identity.PublicKey(h.Device).Device().String()
		if len(h.Addrs) == 0 {
			out.Hubs = append(out.Hubs, wire.HubAddr{Hub: dev, Dropbox: h.Dropbox})
		}
		for _, addr := range h.Addrs {
			out.Hubs = append(out.Hubs, wire.HubAddr{Addr: addr, Hub: dev, Dropbox: h.Dropbox})
		}
	}
	return out, nil
}

// CollectDropbox collects from a dropbox now.
func (s *Service) CollectDropbox(ctx context.Context, req wire.DropboxCollect) (wire.DropboxCollected, error) {
	dev, err := identity.ParseDevice(req.Hub)
	if err != nil {
		return wire.DropboxCollected{}, apiError(wire.CodeBadRequest, "hub %q: %v: give the hub's device, dev_… (kith peers lists it)", req.Hub, err)
	}
	if !s.n.Serving() {
		return wire.DropboxCollected{}, notServing()
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	n, err := s.n.CollectDropbox(ctx, dev.Key())
	return wire.DropboxCollected{Kept: n}, dropboxErr(err)
}
