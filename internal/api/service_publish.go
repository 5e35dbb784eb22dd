package api

import (
	"context"
	"errors"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
)

// parseBlobID parses a blob id from a request; what names the field.
func parseBlobID(what, s string) (blob.ID, error) {
	id, err := blob.ParseID(s)
	if err != nil {
		return blob.ID{}, apiError(wire.CodeBadRequest, "%s: %v", what, err)
	}
	return id, nil
}

// requireBlob fails with not_found unless blob id is stored.
func (s *Service) requireBlob(what string, id blob.ID) error {
	ok, _, err := s.n.Blobs().Has(id)
	if err != nil {
		return err
	}
	if !ok {
		return apiError(wire.CodeNotFound, "%s %s is not in this node's blob store; add it first ('kith blob add', or POST /api/v1/blobs)", what, id)
	}
	return nil
}

// Post publishes a post. Its images must be stored blobs.
func (s *Service) Post(ctx context.Context, req wire.PostRequest) (wire.Posted, error) {
	var reply entry.ID
	if req.ReplyTo != "" {
		id, err := entry.ParseID(req.ReplyTo)
		if err != nil {
			return wire.Posted{}, apiError(wire.CodeBadRequest, "reply_to: %v", err)
		}
		reply = id
	}
	if len(req.Images) > content.MaxPostImages {
		return wire.Posted{}, apiError(wire.CodeBadRequest, "images: %d images, at most %d are allowed", len(req.Images), content.MaxPostImages)
	}
	images := make([]blob.ID, 0, len(req.Images))
	for _, text := range req.Images {
		id, err := parseBlobID("images", text)
		if err != nil {
			return wire.Posted{}, err
		}
		if err := s.requireBlob("image", id); err != nil {
			return wire.Posted{}, err
		}
		images = append(images, id)
	}
	e, err := s.n.Post(ctx, req.Text, images, reply)
	if err != nil {
		return wire.Posted{}, err
	}
	return wire.Posted{ID: e.ID.String(), Seq: e.Header.Seq}, nil
}

// SetProfile publishes a new profile: the fields given change, the others
// keep the value of the account's latest profile.
func (s *Service) SetProfile(ctx context.Context, req wire.ProfileUpdate) (wire.ProfileSet, error) {
	if req.Name == nil && req.About == nil && req.Image == nil {
		return wire.ProfileSet{}, apiError(wire.CodeBadRequest, "give at least one of name, about, image")
	}
	u := node.ProfileUpdate{Name: req.Name, About: req.About}
	if req.Image != nil {
		var id blob.ID
		if *req.Image != "" {
			var err error
			if id, err = parseBlobID("image", *req.Image); err != nil {
				return wire.ProfileSet{}, err
			}
			if err := s.requireBlob("image", id); err != nil {
				return wire.ProfileSet{}, err
			}
		}
		u.Image = &id
	}
	e, p, err := s.n.SetProfile(ctx, u)
	if err != nil {
		return wire.ProfileSet{}, err
	}
	out := wire.ProfileSet{ID: e.ID.String(), Name: p.Name, About: p.About}
	if !p.Image.IsZero() {
		out.Image = p.Image.String()
	}
	return out, nil
}

// Profile returns an account's latest profile.
func (s *Service) Profile(ctx context.Context, accountText string) (wire.Profile, error) {
	a, err := parseAccount("account", accountText)
	if err != nil {
		return wire.Profile{}, err
	}
	e, err := s.n.Store().LatestProfile(ctx, a.Key())
	if errors.Is(err, store.ErrNotFound) {
		return wire.Profile{}, apiError(wire.CodeNotFound, "no profile of %s is held here", a)
	}
	if err != nil {
		return wire.Profile{}, err
	}
	if e.Payload == nil {
		return wire.Profile{}, apiError(wire.CodeNotFound, "the latest profile of %s (entry %s) is held without its payload", a, e.ID)
	}
	dec, err := content.Decode(e.Payload)
	if err != nil {
		return wire.Profile{}, err
	}
	p, ok := dec.(*content.Profile)
	if !ok {
		return wire.Profile{}, apiError(wire.CodeFailed, "entry %s, the latest profile of %s, holds a %s payload", e.ID, a, dec.Type())
	}
	out := wire.Profile{
		Account:   a.String(),
		Entry:     e.ID.String(),
		Author:    authorText(e.Header.Author, a.Key()),
		Timestamp: e.Header.Timestamp,
		Name:      p.Name,
		About:     p.About,
	}
	if !p.Image.IsZero() {
		out.Image = p.Image.String()
	}
	return out, nil
}

// Follow publishes a follow of an account (following=false: unfollow).
func (s *Service) Follow(ctx context.Context, accountText string, following bool) (wire.Follow, error) {
	a, err := parseAccount("account", accountText)
	if err != nil {
		return wire.Follow{}, err
	}
	e, err := s.n.Follow(ctx, a.Key(), following)
	if err != nil {
		return wire.Follow{}, err
	}
	return wire.Follow{ID: e.ID.String(), Account: a.String(), Following: following}, nil
}

// Block publishes a block of an account (blocking=false: unblock).
func (s *Service) Block(ctx context.Context, accountText string, blocking bool) (wire.Block, error) {
	a, err := parseAccount("account", accountText)
	if err != nil {
		return wire.Block{}, err
	}
	e, err := s.n.Block(ctx, a.Key(), blocking)
	if err != nil {
		return wire.Block{}, err
	}
	return wire.Block{ID: e.ID.String(), Account: a.String(), Blocking: blocking}, nil
}
