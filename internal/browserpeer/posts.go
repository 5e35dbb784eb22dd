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
	return p.LastPosts(ctx, -1)
}

// LastPosts returns the last n posts of Posts, in its order (all of them
// when n < 0), reading the logs from their ends and decoding only what it
// returns: the page shows the newest 200 while a first sync brings 10,000,
// and decoding every post at each of its renders was most of their time
// (BENCHMARKS.md, issue 19, "The first sync, profiled").
func (p *Peer) LastPosts(ctx context.Context, n int) ([]PostView, error) {
	heads, err := p.store.Heads(ctx)
	if err != nil {
		return nil, err
	}
	var chunks [][]PostView // from the end: the last chunk first
	count := 0
	nm := p.names()
	for hi := len(heads) - 1; hi >= 0 && (n < 0 || count < n); hi-- {
		h := heads[hi]
		if h.Log.LogID != (entry.LogID{}) {
			continue
		}
		var account identity.PublicKey
		var accountName, deviceName string
		if d, err := p.store.AccountOf(ctx, h.Log.Author); err == nil {
			account, deviceName = d.Account, d.Name
			accountName = nm.account(ctx, d.Account)
		}
		// Chunks of 1,024 seqs from the head down; a log held with gaps
		// gives fewer entries a chunk, and only those of its seqs.
		for end := h.Seq; end >= 1 && (n < 0 || count < n); {
			from := uint64(1)
			if end > 1024 {
				from = end - 1023
			}
			rs, err := p.store.Log(ctx, h.Log, from, int(end-from+1))
			if err != nil {
				return nil, err
			}
			var chunk []PostView
			for _, r := range rs {
				if r.Entry.Header.Seq > end || r.Entry.Payload == nil {
					continue
				}
				pl, err := content.Decode(r.Entry.Payload)
				if err != nil {
					continue
				}
				if post, ok := pl.(*content.Post); ok {
					chunk = append(chunk, PostView{ID: r.Entry.ID, Device: h.Log.Author, Account: account, Seq: r.Entry.Header.Seq, Timestamp: r.Entry.Header.Timestamp, Text: post.Text, Images: post.Images, AccountName: accountName, DeviceName: deviceName})
				}
			}
			chunks = append(chunks, chunk)
			count += len(chunk)
			end = from - 1
		}
	}
	out := make([]PostView, 0, count)
	for i := len(chunks) - 1; i >= 0; i-- {
		out = append(out, chunks[i]...)
	}
	if n >= 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out, nil
}
