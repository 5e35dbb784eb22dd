package browserpeer

import (
	"context"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// PostView is one post as the page shows it.
type PostView struct {
	ID      entry.ID
	Device  identity.PublicKey
	Account identity.PublicKey // zero when the device's certificate is not held
	// AccountName is the account's profile name, DeviceName the name its
	// certificate gives the device; "" when not held.
	AccountName, DeviceName string
	Seq                     uint64
	Timestamp               uint64 // the author's claim
	Text                    string
	// Images are the blob ids of the post's pictures, in display order;
	// the page fetches and keeps them (doc/browser.md, "Blobs").
	Images []blob.ID
}

// Posts returns the posts of every public log held, log by log in seq
// order (the order within a log is its seq; across logs there is none).
func (p *Peer) Posts(ctx context.Context) ([]PostView, error) {
	heads, err := p.store.Heads(ctx)
	if err != nil {
		return nil, err
	}
	var out []PostView
	nm := p.names()
	for _, h := range heads {
		if h.Log.LogID != (entry.LogID{}) {
			continue
		}
		var account identity.PublicKey
		var accountName, deviceName string
		if d, err := p.store.AccountOf(ctx, h.Log.Author); err == nil {
			account, deviceName = d.Account, d.Name
			accountName = nm.account(ctx, d.Account)
		}
		for from := uint64(1); from <= h.Seq; {
			rs, err := p.store.Log(ctx, h.Log, from, 1024)
			if err != nil {
				return nil, err
			}
			if len(rs) == 0 {
				break
			}
			for _, r := range rs {
				from = r.Entry.Header.Seq + 1
				if r.Entry.Payload == nil {
					continue
				}
				pl, err := content.Decode(r.Entry.Payload)
				if err != nil {
					continue
				}
				if post, ok := pl.(*content.Post); ok {
					out = append(out, PostView{ID: r.Entry.ID, Device: h.Log.Author, Account: account, Seq: r.Entry.Header.Seq, Timestamp: r.Entry.Header.Timestamp, Text: post.Text, Images: post.Images, AccountName: accountName, DeviceName: deviceName})
				}
			}
		}
	}
	return out, nil
}
