package api

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/space"
	"github.com/kithnet/kith/internal/village"
)

// The limits of GET /api/v1/spaces/{id}/messages?limit=.
const (
	defaultSpaceMessages = 200
	maxSpaceMessages     = 1000
)

// spaceErr gives the node's space errors their codes: not_found for a
// space (or the village to create one from) not held, conflict when the
// space's rules refuse the entry, space_waiting when this device may not
// seal yet, bad_request for an invalid payload.
func spaceErr(id entry.ID, err error) error {
	var se *space.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, node.ErrNoSpace):
		return apiError(wire.CodeNotFound, "no space %s is held here: check the id with GET /api/v1/spaces ('kith space list'), or wait until its entries arrive from a member's device", id)
	case errors.Is(err, node.ErrNoVillage):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrSpaceRule):
		return withCode(wire.CodeConflict, err)
	case errors.Is(err, node.ErrSpaceWaiting):
		return withCode(wire.CodeSpaceWaiting, err)
	case errors.As(err, &se):
		return withCode(wire.CodeBadRequest, err)
	}
	return err
}

func parseSpaceID(s string) (entry.ID, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return entry.ID{}, apiError(wire.CodeBadRequest, "space: %v", err)
	}
	return id, nil
}

// parseSpaceAccount parses an account id (acc_…): spaces name people by
// account (space-membership.md §1).
func parseSpaceAccount(what, s string) (identity.PublicKey, error) {
	a, err := identity.ParseAccount(s)
	if err != nil {
		return identity.PublicKey{}, apiError(wire.CodeBadRequest, "%s: %v (a space names people by their account id, acc_…, which 'kith id' prints)", what, err)
	}
	return identity.PublicKey(a), nil
}

func parseSpaceAccounts(what string, ss []string) ([]identity.PublicKey, error) {
	var out []identity.PublicKey
	for _, s := range ss {
		k, err := parseSpaceAccount(what, s)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// parseRole parses a role; "" is def.
func parseRole(s string, def space.Role) (space.Role, error) {
	switch s {
	case "":
		if def != 0 {
			return def, nil
		}
	case "member":
		return space.Member, nil
	case "admin":
		return space.Admin, nil
	}
	return 0, apiError(wire.CodeBadRequest, "role: %q is not member or admin", shortText(s))
}

// roleText is a role's name in answers: "none" for no role.
func roleText(r space.Role) string {
	if r == 0 {
		return "none"
	}
	return r.String()
}

// Spaces lists the spaces this node's account takes part in or took part
// in.
func (s *Service) Spaces(ctx context.Context) (wire.SpaceList, error) {
	ss, err := s.n.Spaces(ctx)
	if err != nil {
		return wire.SpaceList{}, err
	}
	out := wire.SpaceList{Spaces: make([]wire.SpaceSummary, 0, len(ss))}
	for _, v := range ss {
		out.Spaces = append(out.Spaces, wire.SpaceSummary{ID: v.ID.String(), Name: v.Name, Role: roleText(v.Role), Members: v.Members})
	}
	return out, nil
}

// CreateSpace creates a space among chosen accounts, or from a village.
func (s *Service) CreateSpace(ctx context.Context, req wire.SpaceCreate) (wire.SpaceEntry, error) {
	admins, err := parseSpaceAccounts("admins", req.Admins)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	members, err := parseSpaceAccounts("members", req.Members)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	var vid entry.ID
	if req.Village != "" {
		if vid, err = entry.ParseID(req.Village); err != nil {
			return wire.SpaceEntry{}, apiError(wire.CodeBadRequest, "village: %v", err)
		}
		if len(members) > 0 {
			return wire.SpaceEntry{}, apiError(wire.CodeBadRequest, "members: a space created from a village has the village's locals as members; leave members out")
		}
		if err := s.checkLocals(ctx, vid, admins); err != nil {
			return wire.SpaceEntry{}, err
		}
	}
	e, err := s.n.CreateSpaceFrom(ctx, node.NewSpace{Name: req.Name, Village: vid, Admins: admins, Members: members, History: req.History})
	if err != nil {
		return wire.SpaceEntry{}, spaceErr(entry.ID{}, err)
	}
	return wire.SpaceEntry{ID: e.ID.String(), Space: e.ID.String()}, nil
}

// checkLocals refuses a space from a village unless this node's account
// and every admin are current locals of it (space.FromVillage's rule, said
// for people).
func (s *Service) checkLocals(ctx context.Context, vid entry.ID, admins []identity.PublicKey) error {
	v, err := s.n.Village(ctx, vid)
	if err != nil {
		return villageErr(err)
	}
	local := map[identity.PublicKey]bool{}
	for _, l := range v.Locals {
		if l.Status == village.Member {
			local[l.Key] = true
		}
	}
	if me := s.n.Account().Key(); !local[me] {
		return apiError(wire.CodeConflict, "your account is not a local of the village %q: a space created from a village is made by one of its locals", v.Name)
	}
	for _, a := range admins {
		if !local[a] {
			return apiError(wire.CodeConflict, "admins: %s is not a local of the village %q", a.Account(), v.Name)
		}
	}
	return nil
}

// Space returns a space as held, its members named.
func (s *Service) Space(ctx context.Context, idText string) (wire.Space, error) {
	id, err := parseSpaceID(idText)
	if err != nil {
		return wire.Space{}, err
	}
	v, err := s.n.Space(ctx, id)
	if err != nil {
		return wire.Space{}, spaceErr(id, err)
	}
	me := s.n.Account().Key()
	out := wire.Space{
		ID: id.String(), Name: v.Name, Me: accText(me), Role: roleText(v.Role),
		CanWrite: v.CanWrite, Waiting: v.Waiting, EpochsOpened: v.EpochsOpened, History: v.History,
		Members: make([]wire.SpaceMember, 0, len(v.Members)), Ignored: []wire.SpaceIgnored{},
	}
	if !v.Village.IsZero() {
		out.Village = v.Village.String()
	}
	for _, m := range v.Members {
		out.Members = append(out.Members, wire.SpaceMember{Account: accText(m.Account), Role: m.Role.String(),
			Name: s.profileName(ctx, m.Account), Me: m.Account == me})
	}
	slices.SortFunc(out.Members, func(a, b wire.SpaceMember) int {
		if a.Role != b.Role {
			return cmp.Compare(roleRank(a.Role), roleRank(b.Role))
		}
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Account, b.Account))
	})
	for e, why := range v.Ignored {
		out.Ignored = append(out.Ignored, wire.SpaceIgnored{Entry: e.String(), Reason: why})
	}
	slices.SortFunc(out.Ignored, func(a, b wire.SpaceIgnored) int { return cmp.Compare(a.Entry, b.Entry) })
	return out, nil
}

// roleRank orders admins before members.
func roleRank(r string) int {
	if r == "admin" {
		return 0
	}
	return 1
}

// SpaceMessages returns a page of the messages of a space held here: the
// latest p.Limit (0: the default) before p.Before, oldest first, each
// opened if this device can.
func (s *Service) SpaceMessages(ctx context.Context, idText string, p wire.Page) (wire.SpaceMessages, error) {
	id, err := parseSpaceID(idText)
	if err != nil {
		return wire.SpaceMessages{}, err
	}
	limit, err := pageLimit(p.Limit, defaultSpaceMessages, maxSpaceMessages)
	if err != nil {
		return wire.SpaceMessages{}, err
	}
	before, err := parseSpaceCursor(p.Before)
	if err != nil {
		return wire.SpaceMessages{}, err
	}
	page, err := s.n.SpacePage(ctx, id, node.SpaceQuery{Limit: limit, Before: before})
	if err != nil {
		return wire.SpaceMessages{}, spaceErr(id, err)
	}
	ms := page.Messages
	out := wire.SpaceMessages{Space: id.String(), Messages: []wire.SpaceMessage{}, Earlier: page.Earlier, Older: spaceCursorText(page.Older)}
	me := s.n.Account().Key()
	names := map[identity.PublicKey]string{}
	for _, m := range ms {
		w := wire.SpaceMessage{ID: m.ID.String(), Device: m.Device.Device().String(), Seq: m.Seq, Status: string(m.Status),
			Detail: m.Detail, Text: m.Text, Time: m.TimeMs, Removed: m.Removed}
		if m.Account != (identity.PublicKey{}) {
			w.Account = accText(m.Account)
			name, ok := names[m.Account]
			if !ok {
				name = s.profileName(ctx, m.Account)
				names[m.Account] = name
			}
			w.Name, w.Mine = name, m.Account == me
		}
		if !m.Reply.IsZero() {
			w.Reply = m.Reply.String()
		}
		out.Messages = append(out.Messages, w)
	}
	return out, nil
}

// spaceEntry runs one operation that appends an entry to the space idText.
func (s *Service) spaceEntry(idText string, do func(id entry.ID) (*entry.Entry, error)) (wire.SpaceEntry, error) {
	id, err := parseSpaceID(idText)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	e, err := do(id)
	if err != nil {
		return wire.SpaceEntry{}, spaceErr(id, err)
	}
	return wire.SpaceEntry{ID: e.ID.String(), Space: id.String()}, nil
}

// PostToSpace seals a message to the space under its current key.
func (s *Service) PostToSpace(ctx context.Context, idText string, req wire.SpacePost) (wire.SpaceEntry, error) {
	var reply entry.ID
	if req.Reply != "" {
		var err error
		if reply, err = entry.ParseID(req.Reply); err != nil {
			return wire.SpaceEntry{}, apiError(wire.CodeBadRequest, "reply: %v", err)
		}
	}
	if req.Text == "" || len(req.Text) > space.MaxPostText {
		return wire.SpaceEntry{}, apiError(wire.CodeBadRequest, "text: %d bytes, want 1 to %d", len(req.Text), space.MaxPostText)
	}
	return s.spaceEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.PostToSpace(ctx, id, req.Text, reply) })
}

// AddToSpace adds an account to the space (an admin).
func (s *Service) AddToSpace(ctx context.Context, idText string, req wire.SpaceMemberAdd) (wire.SpaceEntry, error) {
	k, err := parseSpaceAccount("account", req.Account)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	role, err := parseRole(req.Role, space.Member)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	return s.spaceEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.AddToSpace(ctx, id, k, role) })
}

// RemoveFromSpace removes an account from the space (an admin); a new key
// epoch starts.
func (s *Service) RemoveFromSpace(ctx context.Context, idText, accountText string) (wire.SpaceEntry, error) {
	k, err := parseSpaceAccount("account", accountText)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	return s.spaceEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.RemoveFromSpace(ctx, id, k) })
}

// SetSpaceRole changes a member's role (an admin).
func (s *Service) SetSpaceRole(ctx context.Context, idText, accountText string, req wire.SpaceRole) (wire.SpaceEntry, error) {
	k, err := parseSpaceAccount("account", accountText)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	role, err := parseRole(req.Role, 0)
	if err != nil {
		return wire.SpaceEntry{}, err
	}
	return s.spaceEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.SetSpaceRole(ctx, id, k, role) })
}

// LeaveSpace makes this node's account leave the space.
func (s *Service) LeaveSpace(ctx context.Context, idText string) (wire.SpaceEntry, error) {
	return s.spaceEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.LeaveSpace(ctx, id) })
}
