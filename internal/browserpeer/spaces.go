package browserpeer

import (
	"context"
	"errors"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/seal"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/store"
)

// The outcomes of a space message for its reader (spaces.md §5), as the
// node's API names them.
const (
	SpaceReadable     = "readable"
	SpaceUnknownEpoch = "sealed"
	SpaceNotDecrypted = "not-decrypted"
	SpaceNotMember    = "not-member"
	SpaceOutdated     = "outdated-epoch"
	SpaceMalformed    = "malformed"
)

// SpaceView is one space as the page shows it.
type SpaceView struct {
	ID   entry.ID
	Name string
	// Role is this account's role; 0 when it left or was removed.
	Role    space.Role
	Members []SpaceMember
	// Note says why nothing can be read yet, "" when a key is held.
	Note  string
	Posts []SpacePost
}

// SpaceMember is a member and its role, with its name when held.
type SpaceMember struct {
	Account identity.PublicKey
	Name    string
	Role    space.Role
}

// SpacePost is one content entry of a space as this browser reads it.
// Text and TimeMs are set only when Status is SpaceReadable; Detail says
// why otherwise.
type SpacePost struct {
	ID                      entry.ID
	Device                  identity.PublicKey
	Account                 identity.PublicKey // zero when the device speaks for no account
	AccountName, DeviceName string
	Seq                     uint64
	Status                  string
	Detail                  string
	Text                    string
	Reply                   entry.ID
	TimeMs                  uint64 // the author's time, from inside the ciphertext
	Removed                 bool   // the author's account is no longer a member
	cursor                  int64
}

// maxSpacePosts bounds the messages a view opens, the latest in arrival
// order.
const maxSpacePosts = 1000

// Spaces returns the spaces this browser's account takes or took part in,
// by id, each with its members and its messages opened with the keys this
// device was given, in the order they arrived here (each author's in seq
// order). Nothing decrypted is kept: the page shows it and drops it.
func (p *Peer) Spaces(ctx context.Context) ([]SpaceView, error) {
	var out []SpaceView
	nm := p.names()
	err := p.eachSpace(ctx, func(sr *spaceRead) error {
		v := SpaceView{ID: sr.st.Space, Name: sr.st.Name, Role: sr.st.Members[sr.own]}
		for _, a := range sr.st.Accounts() {
			v.Members = append(v.Members, SpaceMember{Account: a, Name: nm.account(ctx, a), Role: sr.st.Members[a]})
		}
		logKey, haveKey := sr.ring.logKey()
		if !haveKey {
			v.Note = p.noKeyWhy(ctx, sr)
			out = append(out, v)
			return nil
		}
		for _, a := range sr.st.Named() {
			ds, err := p.store.Devices(ctx, a)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			for _, d := range ds {
				ps, err := p.readContentLog(ctx, sr, logKey, d.Device)
				if err != nil {
					return err
				}
				for i := range ps {
					ps[i].AccountName, ps[i].DeviceName = nm.account(ctx, a), d.Name
				}
				v.Posts = append(v.Posts, ps...)
			}
		}
		slices.SortFunc(v.Posts, func(a, b SpacePost) int {
			switch {
			case a.cursor < b.cursor:
				return -1
			case a.cursor > b.cursor:
				return 1
			}
			return 0
		})
		if len(v.Posts) > maxSpacePosts {
			v.Posts = v.Posts[len(v.Posts)-maxSpacePosts:]
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// noKeyWhy says why a space's key is not held here.
func (p *Peer) noKeyWhy(ctx context.Context, sr *spaceRead) string {
	switch {
	case sr.key == nil:
		return "This browser holds no key to read spaces with, so it cannot read this one."
	case sr.st.Members[sr.own] == 0:
		return "Your account is no longer a member, and this browser was never given the space's key."
	}
	if cur, ok, err := p.currentSealKey(ctx, p.cfg.Device); err == nil && (!ok || !slices.Equal(cur.Key.Key, sr.key.Public().Key)) {
		return "This browser has not published its encryption key yet; it does when it connects to a node."
	}
	return "The space's key has not reached this browser yet: an admin's device gives it to this browser once it has this browser's encryption key (is one online and connected?)."
}

// readContentLog opens device's content log of the space (spaces.md §5),
// in seq order.
func (p *Peer) readContentLog(ctx context.Context, sr *spaceRead, logKey [32]byte, device identity.PublicKey) ([]SpacePost, error) {
	log := store.LogKey{Author: device, LogID: entry.LogID(seal.LogID(logKey, seal.ID(device)))}
	first := map[seal.ID]uint64{} // each epoch named at a lower seq, its first seq
	account, speaks := sr.st.AccountOf(device)
	var out []SpacePost
	for from := uint64(1); ; {
		rs, err := p.store.Log(ctx, log, from, 256)
		if err != nil {
			return nil, err
		}
		if len(rs) == 0 {
			return out, nil
		}
		for _, r := range rs {
			e := r.Entry
			from = e.Header.Seq + 1
			m := SpacePost{ID: e.ID, Device: device, Seq: e.Header.Seq, cursor: r.Cursor}
			if speaks {
				m.Account = account
				m.Removed = sr.st.Members[account] == 0
			}
			p.openSpacePost(sr, e, &m, speaks, first)
			if ep, err := seal.SealedEpoch(e.Payload); e.Payload != nil && err == nil {
				if s, ok := first[ep]; !ok || e.Header.Seq < s {
					first[ep] = e.Header.Seq
				}
			}
			out = append(out, m)
		}
	}
}

// openSpacePost opens one content entry into m, with the outcomes of
// spaces.md §5; first holds the epochs its log used at lower seqs.
func (p *Peer) openSpacePost(sr *spaceRead, e *entry.Entry, m *SpacePost, speaks bool, first map[seal.ID]uint64) {
	r := sr.ring.ring
	if e.Payload == nil {
		m.Status, m.Detail = SpaceUnknownEpoch, "Its payload has not reached this browser."
		return
	}
	if ep, err := seal.SealedEpoch(e.Payload); err == nil {
		for earlier, s := range first {
			if s < e.Header.Seq && r.CheckOrder(earlier, ep) != nil {
				m.Status, m.Detail = SpaceOutdated, "Sealed under a key its author had already moved past: not counted."
				return
			}
		}
	}
	pos := seal.Position{Author: seal.ID(e.Header.Author), LogID: seal.ID(e.Header.LogID), Seq: e.Header.Seq}
	o, err := seal.Open(sr.st.Space, r, pos, e.Payload)
	switch {
	case errors.Is(err, seal.ErrUnknownEpoch):
		m.Status, m.Detail = SpaceUnknownEpoch, p.unheldWhy(sr, e.Payload)
		return
	case errors.Is(err, seal.ErrNotDecrypted):
		m.Status, m.Detail = SpaceNotDecrypted, "It does not decrypt with the space's key: it was changed, or copied here from elsewhere."
		return
	case err != nil:
		m.Status, m.Detail = SpaceMalformed, "It is damaged: "+err.Error()
		return
	}
	c, err := space.DecodeContent(o.Body)
	if err != nil {
		m.Status, m.Detail = SpaceMalformed, "It decrypts but is damaged: "+err.Error()
		return
	}
	post, ok := c.(*space.Post)
	if !ok {
		m.Status, m.Detail = SpaceMalformed, "It is a "+space.TypeEpoch+", which does not belong in a message log."
		return
	}
	if !speaks || !sr.st.MayWrite(m.Account, post.Refs) {
		m.Status, m.Detail = SpaceNotMember, "Its author was not a member where they wrote it: not counted."
		return
	}
	m.Status, m.Text, m.Reply, m.TimeMs = SpaceReadable, post.Text, post.Reply, o.TimeMs
}

// unheldWhy says why this browser holds no key of the epoch a payload is
// sealed under, as far as it can tell.
func (p *Peer) unheldWhy(sr *spaceRead, payload []byte) string {
	ep, _ := seal.SealedEpoch(payload)
	cur, _ := sr.ring.ring.Current()
	switch {
	case sr.st.Members[sr.own] == 0:
		return "Sealed after your account left or was removed: you read what was sealed while it was a member."
	case cur != nil && sr.ring.ring.Follows(cur.ID, ep) && !sr.st.History:
		return "Written before this browser was given the space's key: people and devices added later do not read what was written before."
	}
	return "Sealed under a key this browser does not hold (yet)."
}
