package browserpeer

import (
	"context"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// PostWithImages appends a post with pictures (blob ids, at most
// content.MaxPostImages) to the device's public log. The page keeps the
// pictures' bytes before it calls this (doc/browser.md, "Blobs"), so that
// a post never names a picture the browser cannot serve.
func (p *Peer) PostWithImages(ctx context.Context, text string, images []blob.ID) (*entry.Entry, error) {
	payload, err := content.Encode(&content.Post{Text: text, Images: images})
	if err != nil {
		return nil, err
	}
	return p.Publish(ctx, entry.LogID{}, payload)
}
