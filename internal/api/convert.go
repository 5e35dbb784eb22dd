package api

import (
	"encoding/hex"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/store"
)

// authorText names an author: the account when it is the account key, else
// the device.
func authorText(author, account identity.PublicKey) string {
	if author == account {
		return author.Account().String()
	}
	return author.Device().String()
}

// entryOf converts a stored entry; account is the account key its author
// belongs to (or the author itself when it is an account).
func entryOf(e *store.Stored, account identity.PublicKey) wire.Entry {
	h := &e.Header
	j := wire.Entry{
		ID:          e.ID.String(),
		Author:      authorText(h.Author, account),
		LogID:       h.LogID.String(),
		Seq:         h.Seq,
		Timestamp:   h.Timestamp,
		Flags:       uint64(h.Flags),
		PayloadSize: h.PayloadSize,
		Deleted:     e.Deleted,
		Withheld:    e.Payload == nil && !e.Deleted,
	}
	if h.Seq > 1 {
		s := h.Backlink.String()
		j.Backlink = &s
	}
	if e.Type != "" {
		t := e.Type
		j.Type = &t
	}
	if e.Payload != nil {
		if p, err := content.Decode(e.Payload); err == nil {
			j.Payload = content.ToJSON(p)
		} else {
			j.Payload = map[string]any{"opaque_hex": hex.EncodeToString(e.Payload)}
		}
	}
	return j
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
