package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/dropbox"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/store"
)

// LetterSent says where a letter was left.
type LetterSent struct {
	ID  string            `json:"id"`
	Hub identity.DeviceID `json:"hub"`
	// Followed: the recipient follows this account, so the letter was
	// signed with this device's key and the hub keeps it as a followed
	// sender's (services.md §8.4); else with a throwaway key.
	Followed bool `json:"followed"`
}

var (
	// ErrNoDropbox: the recipient names no dropbox, or none of its
	// devices can be written to, as far as this node knows.
	ErrNoDropbox = errors.New("no dropbox of the recipient is known here")
	// ErrDropboxRefused: every dropbox of the recipient refused the
	// letter or could not be reached.
	ErrDropboxRefused = errors.New("no dropbox took the letter")
)

// SendLetter leaves a letter with text for the account to at one of its
// dropboxes (services.md §8): sealed to its current devices, with this
// device's certificate and answer key inside. It tries the dropboxes in
// the order of their keys until one takes it; the refusals of all are the
// error otherwise.
func (n *Node) SendLetter(ctx context.Context, to identity.PublicKey, text string) (*LetterSent, error) {
	nw := n.net.Load()
	if nw == nil {
		return nil, ErrNotServing
	}
	if to == n.account {
		return nil, fmt.Errorf("%w: that is your own account", ErrNoDropbox)
	}
	who := n.nameOf(ctx, to)
	hubs, err := n.AccountHubs(ctx, to)
	if err != nil {
		return nil, err
	}
	var boxes []dropbox.Hub
	for _, h := range hubs {
		if h.Dropbox {
			boxes = append(boxes, h)
		}
	}
	if len(boxes) == 0 {
		return nil, fmt.Errorf("%w: %s names no dropbox here; follow them (their node publishes its hubs) and let your node sync first, or write to them once they follow you", ErrNoDropbox, who)
	}
	ds, err := n.store.Devices(ctx, to)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	var rs []dropbox.Recipient
	for _, d := range ds {
		if d.Revoked {
			continue
		}
		k, ok, err := n.sealKeyOf(ctx, d.Device)
		if err != nil {
			return nil, err
		}
		if ok {
			rs = append(rs, dropbox.Recipient{Device: seal.ID(d.Device), Key: k.Key})
		}
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("%w: no device of %s has published an encryption key here yet; let your node sync with theirs (or with someone who follows them) and try again", ErrNoDropbox, who)
	}
	if _, err := n.ownDecryptionKey(ctx); err != nil { // publishes it if need be
		return nil, err
	}
	replyKey, err := n.ownSealKeyPayload(ctx)
	if err != nil {
		return nil, err
	}
	cert, err := n.ownCert(ctx)
	if err != nil {
		return nil, fmt.Errorf("this device's certificate: %w", err)
	}
	rel, err := n.AccountRelation(ctx, to)
	if err != nil {
		return nil, err
	}
	key := n.device
	if !rel.FollowsMe {
		if key, err = identity.GenerateKey(nil); err != nil {
			return nil, err
		}
	}
	in := &dropbox.Inner{Account: [32]byte(n.account), Cert: cert.Raw, CertPayload: cert.Payload, ReplyKey: replyKey, Text: text}
	letter, err := dropbox.SealLetter([32]byte(to), key, n.device, rs, n.now(), in)
	if err != nil {
		return nil, err
	}
	id := dropbox.ID(letter)
	var refusals []string
	for _, h := range boxes {
		hub := identity.PublicKey(h.Device)
		if err := nw.host.ConnectKey(ctx, hub, h.Addrs); err != nil {
			refusals = append(refusals, fmt.Sprintf("hub %s: cannot be reached: %v", hub.Device(), err))
			continue
		}
		_, err := n.dropboxExchange(ctx, nw, hub, &dropbox.Request{Recipient: [32]byte(to), Letter: letter})
		if err != nil {
			refusals = append(refusals, err.Error())
			continue
		}
		return &LetterSent{ID: hex.EncodeToString(id[:]), Hub: hub.Device(), Followed: rel.FollowsMe}, nil
	}
	return nil, fmt.Errorf("%w: %s: %s", ErrDropboxRefused, who, strings.Join(refusals, "; "))
}

// ownSealKeyPayload is this device's current seal.key payload: the key a
// letter's recipient answers to.
func (n *Node) ownSealKeyPayload(ctx context.Context) ([]byte, error) {
	cur, ok, err := n.sealKeyOf(ctx, n.device.Public())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("this device has published no encryption key yet")
	}
	return seal.EncodeDeviceKey(cur)
}
