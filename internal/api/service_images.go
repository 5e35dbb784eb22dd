package api

import (
	"context"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
)

// PublishImage publishes a picture or an album of stored pictures.
func (s *Service) PublishImage(ctx context.Context, req wire.ImageRequest) (wire.Posted, error) {
	if len(req.Images) == 0 {
		return wire.Posted{}, apiError(wire.CodeBadRequest, "images: give at least one picture (a blob id from POST /api/v1/blobs?publish=true)")
	}
	if len(req.Images) > content.MaxAlbumImages {
		return wire.Posted{}, apiError(wire.CodeBadRequest, "images: %d pictures, at most %d in one album", len(req.Images), content.MaxAlbumImages)
	}
	ids := make([]blob.ID, len(req.Images))
	for i, t := range req.Images {
		id, err := parseBlobID("images", t)
		if err != nil {
			return wire.Posted{}, err
		}
		if err := s.requireBlob("image", id); err != nil {
			return wire.Posted{}, err
		}
		ids[i] = id
	}
	e, err := s.n.PublishImage(ctx, req.Title, ids, req.Captions)
	if err != nil {
		return wire.Posted{}, err
	}
	return wire.Posted{ID: e.ID.String(), Seq: e.Header.Seq}, nil
}

// Albums returns a page of image entries: of one account (acc_…), or of
// the timeline's accounts when account is "".
func (s *Service) Albums(ctx context.Context, account string, q wire.FeedQuery) (wire.AlbumPage, error) {
	var who identity.PublicKey
	if account != "" {
		a, err := parseAccount("account", account)
		if err != nil {
			return wire.AlbumPage{}, err
		}
		who = a.Key()
	}
	before, err := parseSpaceCursor(q.Cursor)
	if err != nil {
		return wire.AlbumPage{}, err
	}
	limit, err := pageLimit(q.Limit, wire.DefaultFeedLimit, wire.MaxFeedLimit)
	if err != nil {
		return wire.AlbumPage{}, err
	}
	p, err := s.n.Albums(ctx, who, before, limit)
	if err != nil {
		return wire.AlbumPage{}, err
	}
	out := wire.AlbumPage{Albums: make([]wire.Album, 0, len(p.Albums))}
	for _, a := range p.Albums {
		acc := a.Account.Device().String()
		if a.AccountKnown {
			acc = a.Account.Account().String()
		}
		w := wire.Album{ID: a.Entry.ID.String(), Account: acc, AuthorName: a.AuthorName, Timestamp: a.Entry.Header.Timestamp, Title: a.Image.Title, Mine: a.Mine, Images: make([]wire.AlbumImage, len(a.Image.Images))}
		for i, id := range a.Image.Images {
			w.Images[i] = wire.AlbumImage{Blob: id.String(), Caption: a.Image.Caption(i)}
		}
		out.Albums = append(out.Albums, w)
	}
	if p.Next > 0 {
		out.NextCursor = spaceCursorText(p.Next)
	}
	return out, nil
}
