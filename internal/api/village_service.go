package api

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// villageErr gives the node's village errors their codes: not_found for
// a village not held, conflict when the village's rules refuse the entry,
// bad_request for an invalid payload.
func villageErr(err error) error {
	var ve *village.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, node.ErrNoVillage):
		return withCode(wire.CodeNotFound, err)
	case errors.Is(err, node.ErrVillageRule), errors.Is(err, node.ErrRequestVetoed), errors.Is(err, node.ErrRequestRefused), errors.Is(err, node.ErrRequestBusy):
		return withCode(wire.CodeConflict, err)
	case errors.As(err, &ve):
		return withCode(wire.CodeBadRequest, err)
	}
	return err
}

func parseVillageID(s string) (entry.ID, error) {
	id, err := entry.ParseID(s)
	if err != nil {
		return entry.ID{}, apiError(wire.CodeBadRequest, "village: %v", err)
	}
	return id, nil
}

// parseAccountKey parses an account id (acc_…): villages name accounts
// (village.md §1).
func parseAccountKey(what, s string) (identity.PublicKey, error) {
	a, err := identity.ParseAccount(s)
	if err != nil {
		return identity.PublicKey{}, apiError(wire.CodeBadRequest, "%s: %v (a village names people by their account id, acc_…, which 'kith id' prints)", what, err)
	}
	return identity.PublicKey(a), nil
}

// parseRule reads a charter rule (village.md §3) and checks it as the
// found payload will be checked, so a bad one is refused with what to
// change and nothing is written.
func parseRule(what, method string, params []uint64, expr string) (village.Rule, error) {
	r := village.Rule{Method: village.Method(method), Params: params, Expr: expr}
	if r.Method == "" && expr != "" {
		r.Method = village.CEL
	}
	if len(r.Params) == 0 {
		r.Params = nil
	}
	if _, err := r.Compile(); err != nil {
		return village.Rule{}, apiError(wire.CodeBadRequest, "%s: %v", what, err)
	}
	return r, nil
}

func optBlob(what, s string) ([32]byte, error) {
	if s == "" {
		return [32]byte{}, nil
	}
	id, err := blob.ParseID(s)
	if err != nil {
		return [32]byte{}, apiError(wire.CodeBadRequest, "%s: %v", what, err)
	}
	return id, nil
}

func hex32(b [32]byte) string {
	if b == ([32]byte{}) {
		return ""
	}
	return hex.EncodeToString(b[:])
}

func accText(k identity.PublicKey) string { return k.Account().String() }

func accTexts(ks []identity.PublicKey) []string {
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		out = append(out, accText(k))
	}
	return out
}

// Villages lists the villages this device takes part in.
func (s *Service) Villages(ctx context.Context) (wire.VillageList, error) {
	vs, err := s.n.Villages(ctx)
	if err != nil {
		return wire.VillageList{}, err
	}
	out := wire.VillageList{Villages: make([]wire.VillageSummary, 0, len(vs))}
	for _, v := range vs {
		ws := wire.VillageSummary{
			ID: v.ID.String(), Known: v.Known, Name: v.Name, Founded: v.Founded,
			Role: string(v.Role), Mode: string(v.Mode), Locals: v.Locals,
		}
		// The inbox is the locals' to answer: counted for a local only.
		if v.Known && v.Role == node.RoleLocal {
			st, err := s.n.Village(ctx, v.ID)
			if err != nil {
				return wire.VillageList{}, villageErr(err)
			}
			for _, sg := range st.Strangers {
				if sg.Pending() {
					ws.Inbox++
				}
			}
		}
		out.Villages = append(out.Villages, ws)
	}
	return out, nil
}

// FoundVillage founds a village with this device and the co-founders.
func (s *Service) FoundVillage(ctx context.Context, req wire.VillageFound) (wire.VillageEntry, error) {
	admit, err := parseRule("admit", req.Admit, req.AdmitParams, req.AdmitExpr)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	excl, err := parseRule("exclude", req.Exclude, req.ExcludeParams, req.ExcludeExpr)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	if len(req.Cofounders) == 0 {
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "cofounders: a village needs at least one co-founder (acc_…)")
	}
	var cos []identity.PublicKey
	for _, c := range req.Cofounders {
		k, err := parseAccountKey("cofounders", c)
		if err != nil {
			return wire.VillageEntry{}, err
		}
		cos = append(cos, k)
	}
	e, err := s.n.FoundVillageRules(ctx, req.Name, admit, excl, cos)
	if err != nil {
		return wire.VillageEntry{}, villageErr(err)
	}
	return wire.VillageEntry{ID: e.ID.String(), Village: e.ID.String()}, nil
}

// Village returns the village as reduced from the entries held.
func (s *Service) Village(ctx context.Context, idText string) (wire.Village, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.Village{}, err
	}
	st, err := s.n.Village(ctx, id)
	if err != nil {
		return wire.Village{}, villageErr(err)
	}
	v := villageOf(st, identity.PublicKey(s.n.Account()))
	s.nameStrangers(ctx, v.Strangers)
	if v.Dropped, err = s.villageDropped(id); err != nil {
		return wire.Village{}, err
	}
	if v.Waiting, err = s.villageWaiting(ctx, id); err != nil {
		return wire.Village{}, villageErr(err)
	}
	for i, l := range st.Locals {
		if v.Locals[i].About, err = s.localAbout(ctx, id, l, st.Devices(l.Key)); err != nil {
			return wire.Village{}, err
		}
		if l.Name == "" {
			v.Locals[i].ProfileName = s.profileName(ctx, l.Key)
		}
	}
	v.Problems = problemTexts(st, func(k identity.PublicKey) string { return s.profileName(ctx, k) })
	return v, nil
}

// profileName returns the name in account's latest profile held here, ""
// when there is none (a local is an account: people see its name).
func (s *Service) profileName(ctx context.Context, account identity.PublicKey) string {
	e, err := s.n.Store().LatestProfile(ctx, account)
	if err != nil || e.Payload == nil {
		return ""
	}
	if p, err := content.Decode(e.Payload); err == nil {
		if pr, ok := p.(*content.Profile); ok {
			return pr.Name
		}
	}
	return ""
}

// localAbout returns the about text of the local's latest userspec (the
// reducer keeps its name and payload hash only): the village.userspec
// entry of one of its devices whose payload hash the state names, "" when
// there is none or its payload is not held.
func (s *Service) localAbout(ctx context.Context, id entry.ID, l *village.Local, devices []identity.PublicKey) (string, error) {
	if l.Userspec == ([32]byte{}) || len(devices) == 0 {
		return "", nil
	}
	lid := entry.LogID(id)
	q := store.Query{Type: village.TypeUserspec, LogID: &lid, Authors: devices, Desc: true, Limit: 100}
	for {
		es, err := s.n.Store().Find(ctx, q)
		if err != nil {
			return "", err
		}
		for _, e := range es {
			if e.Header.PayloadHash != l.Userspec {
				continue
			}
			if p, err := village.Decode(e.Payload); err == nil {
				if us, ok := p.(*village.Userspec); ok {
					return us.About, nil
				}
			}
		}
		if len(es) < q.Limit {
			return "", nil
		}
		q.Before = es[len(es)-1].Cursor
	}
}

func villageOf(st *village.State, me identity.PublicKey) wire.Village {
	v := wire.Village{
		ID: st.Village.String(), Name: st.Name, Admit: string(st.Admit), Exclude: string(st.Exclude),
		AdmitParams: st.AdmitRule.Params, AdmitExpr: st.AdmitRule.Expr, ExcludeParams: st.ExcludeRule.Params, ExcludeExpr: st.ExcludeRule.Expr,
		AdmitRule: st.AdmitRule.Describe(), ExcludeRule: st.ExcludeRule.Describe(),
		Founders: accTexts(st.Founders), Founded: st.Founded, Me: accText(me),
		Locals:      []wire.VillageLocal{},
		Invitations: []wire.VillageInvitation{},
		Strangers:   []wire.VillageStranger{},
		Proposals:   []wire.VillageProposal{},
		Problems:    problemTexts(st, nil),
		Ignored:     len(st.Ignored),
	}
	for _, l := range st.Locals {
		v.Locals = append(v.Locals, wire.VillageLocal{Key: accText(l.Key), Status: l.Status.String(), Mode: string(l.Mode),
			Accepted: l.Accepted, Name: l.Name, State: hex32(l.State)})
	}
	for _, inv := range st.Invitations {
		v.Invitations = append(v.Invitations, wire.VillageInvitation{Invitee: accText(inv.Invitee),
			Endorsers: accTexts(inv.Endorsers), Admitted: inv.Admitted, Joined: inv.Joined, Needed: inv.Needed, Stances: stancesOf(inv.Stances)})
	}
	for _, sg := range st.Strangers {
		ws := wire.VillageStranger{ID: sg.ID.Hex(), Account: strangerAccount(sg.ID), UserIsAccount: userIsAccount(sg.ID),
			Listed: sg.Listed, Standing: sg.Standing.String(),
			Vetoers: accTexts(sg.Vetoers), Votes: []wire.VillageVote{}, Notes: []wire.VillageNote{}}
		for _, b := range sg.Ballots {
			wv := wire.VillageVote{Local: accText(b.Local), Vote: b.Vote.String(), Mechanical: b.Mechanical, Counted: b.Counted}
			if b.Vote == village.VoteAccept {
				wv.Proof = blob.ID(b.Proof).String()
			}
			if b.Entry != (entry.ID{}) {
				wv.Entry = b.Entry.String()
			}
			ws.Votes = append(ws.Votes, wv)
		}
		ws.Pending, ws.Requests = sg.Pending(), requestsOf(sg.Requests)
		for _, n := range sg.Notes {
			wn := wire.VillageNote{Local: accText(n.Local), Text: n.Text, Entry: n.Entry.String()}
			if n.Blob != ([32]byte{}) {
				wn.Blob = blob.ID(n.Blob).String()
			}
			ws.Notes = append(ws.Notes, wn)
		}
		v.Strangers = append(v.Strangers, ws)
	}
	for _, p := range st.Proposals {
		v.Proposals = append(v.Proposals, wire.VillageProposal{ID: p.ID.String(), Proposer: accText(p.Proposer),
			Subject: accText(p.Subject), Reason: p.Reason, Outcome: p.Outcome.String(),
			For: accTexts(p.For), Against: accTexts(p.Against), NotVoted: accTexts(p.NotVoted), Stances: stancesOf(p.Stances)})
	}
	return v
}

// villageEntry runs one publishing operation on the village idText.
func (s *Service) villageEntry(idText string, do func(id entry.ID) (*entry.Entry, error)) (wire.VillageEntry, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	e, err := do(id)
	if err != nil {
		return wire.VillageEntry{}, villageErr(err)
	}
	return wire.VillageEntry{ID: e.ID.String(), Village: id.String()}, nil
}

// AcceptVillage accepts the founding (a founder).
func (s *Service) AcceptVillage(ctx context.Context, idText string) (wire.VillageEntry, error) {
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.AcceptVillage(ctx, id) })
}

// JoinVillage accepts this account's invitation. Needed says how many
// more locals must invite it before it becomes a local.
func (s *Service) JoinVillage(ctx context.Context, idText string) (wire.VillageEntry, error) {
	out, err := s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.JoinVillage(ctx, id) })
	if err != nil {
		return out, err
	}
	id, _ := parseVillageID(idText)
	st, err := s.n.Village(ctx, id)
	if err != nil {
		return out, villageErr(err)
	}
	me := identity.PublicKey(s.n.Account())
	for _, inv := range st.Invitations {
		if inv.Invitee == me {
			out.Needed = inv.Needed
		}
	}
	return out, nil
}

// LeaveVillage leaves the village for good.
func (s *Service) LeaveVillage(ctx context.Context, idText string) (wire.VillageEntry, error) {
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.LeaveVillage(ctx, id) })
}

// InviteToVillage invites (or endorses the invitation of) a device.
func (s *Service) InviteToVillage(ctx context.Context, idText string, req wire.VillageInvite) (wire.VillageEntry, error) {
	k, err := parseAccountKey("invitee", req.Invitee)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.InviteToVillage(ctx, id, k) })
}

// SetVillageUserspec sets this device's userspec (mode, name, about).
func (s *Service) SetVillageUserspec(ctx context.Context, idText string, req wire.VillageUserspec) (wire.VillageEntry, error) {
	m := village.Mode(req.Mode)
	if m != village.Active && m != village.Passive {
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "mode: %q is not active or passive", shortText(req.Mode))
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) {
		return s.n.SetVillageUserspec(ctx, id, m, req.Name, req.About)
	})
}

// VoteStranger casts this device's vote on a stranger.
func (s *Service) VoteStranger(ctx context.Context, idText, strangerText string, req wire.StrangerVote) (wire.VillageEntry, error) {
	sid, err := s.resolveStranger(ctx, idText, strangerText)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	var vote village.VoteKind
	switch req.Vote {
	case "deferred":
		vote = village.VoteDeferred
	case "veto":
		vote = village.VoteVeto
	case "accept":
		vote = village.VoteAccept
		if req.Proof == "" {
			return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "proof: an accept needs the proof's blob id (blob_…; upload it with POST /api/v1/blobs)")
		}
	default:
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "vote: %q is not deferred, veto or accept", shortText(req.Vote))
	}
	proof, err := optBlob("proof", req.Proof)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.VoteStranger(ctx, id, sid, vote, proof) })
}

// NoteStranger writes this device's note on a stranger.
func (s *Service) NoteStranger(ctx context.Context, idText, strangerText string, req wire.StrangerNote) (wire.VillageEntry, error) {
	sid, err := s.resolveStranger(ctx, idText, strangerText)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	b, err := optBlob("blob", req.Blob)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.NoteStranger(ctx, id, sid, req.Text, b) })
}

// ProposeExclusion proposes to exclude a local.
func (s *Service) ProposeExclusion(ctx context.Context, idText string, req wire.ExclusionProposal) (wire.VillageEntry, error) {
	k, err := parseAccountKey("subject", req.Subject)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) { return s.n.ProposeExclusion(ctx, id, k, req.Reason) })
}

// VoteExclusion votes on an exclusion proposal.
func (s *Service) VoteExclusion(ctx context.Context, idText, proposalText string, req wire.ExclusionVote) (wire.VillageEntry, error) {
	pid, err := entry.ParseID(proposalText)
	if err != nil {
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "proposal: %v", err)
	}
	if req.Vote != "for" && req.Vote != "against" {
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "vote: %q is not for or against", shortText(req.Vote))
	}
	return s.villageEntry(idText, func(id entry.ID) (*entry.Entry, error) {
		return s.n.VoteExclusion(ctx, id, pid, req.Vote == "for")
	})
}

func stateOf(e *entry.Entry, p *village.StatePayload) wire.VillageState {
	c := p.Components
	h := func(b [32]byte) string { return hex.EncodeToString(b[:]) }
	cm := p.Commitment()
	return wire.VillageState{ID: e.ID.String(), Seq: e.Header.Seq, Commitment: h(cm), Seen: len(p.Seen), SeenList: blob.ID(p.SeenList).String(),
		Components: wire.VillageComponents{Previous: h(c.Previous), Userspec: h(c.Userspec), Locals: h(c.Locals),
			LocalsState: h(c.LocalsState), Strangers: h(c.Strangers), StrangersState: h(c.StrangersState)}}
}

// PublishVillageState appends this device's state.
func (s *Service) PublishVillageState(ctx context.Context, idText string) (wire.VillageStatePublished, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.VillageStatePublished{}, err
	}
	e, p, err := s.n.PublishState(ctx, id)
	if err != nil {
		return wire.VillageStatePublished{}, villageErr(err)
	}
	return wire.VillageStatePublished{Village: id.String(), State: stateOf(e, p)}, nil
}

// VillageChain returns a local's state chain with the audit's findings.
func (s *Service) VillageChain(ctx context.Context, idText, localText string) (wire.VillageChain, error) {
	id, err := parseVillageID(idText)
	if err != nil {
		return wire.VillageChain{}, err
	}
	k, err := parseAccountKey("local", localText)
	if err != nil {
		return wire.VillageChain{}, err
	}
	links, findings, err := s.n.Chain(ctx, id, k)
	if err != nil {
		return wire.VillageChain{}, villageErr(err)
	}
	out := wire.VillageChain{Village: id.String(), Local: accText(k), States: []wire.VillageState{}, Findings: []wire.VillageFinding{}, OK: len(findings) == 0}
	for _, l := range links {
		out.States = append(out.States, stateOf(l.Entry, l.State))
	}
	for _, f := range findings {
		out.Findings = append(out.Findings, wire.VillageFinding{Entry: f.State.String(), Seq: f.Seq, Kind: f.Kind, Message: f.Msg})
	}
	return out, nil
}

func requestsOf(rs []village.StrangerRequest) []wire.VillageRequest {
	out := make([]wire.VillageRequest, 0, len(rs))
	for _, r := range rs {
		wr := wire.VillageRequest{Entry: r.Entry.String(), Timestamp: r.Timestamp, Text: r.Text}
		if r.Blob != ([32]byte{}) {
			wr.Blob = blob.ID(r.Blob).String()
		}
		out = append(out, wr)
	}
	return out
}

// RequestVillage sends this device's request, as a stranger, to a local of
// the village.
func (s *Service) RequestVillage(ctx context.Context, req wire.VillageRequestSend) (wire.VillageEntry, error) {
	b, err := optBlob("blob", req.Blob)
	if err != nil {
		return wire.VillageEntry{}, err
	}
	if req.To == "" {
		return wire.VillageEntry{}, apiError(wire.CodeBadRequest, "to: the local's device (dev_… or a multiaddr with /p2p/) is required")
	}
	return s.villageEntry(req.Village, func(id entry.ID) (*entry.Entry, error) { return s.n.RequestVillage(ctx, id, req.To, req.Text, b) })
}

// SentVillageRequests returns the requests this device sent as a stranger
// (its village.request entries, in every village or in the village
// villageText when it is not empty), newest first. A request a local
// refused is here too: it stays in this device's log.
func (s *Service) SentVillageRequests(ctx context.Context, villageText string) (wire.VillageRequestsSent, error) {
	q := store.Query{Type: village.TypeRequest, Authors: []identity.PublicKey{s.n.Device().Key()}, Limit: 1000}
	if villageText != "" {
		id, err := parseVillageID(villageText)
		if err != nil {
			return wire.VillageRequestsSent{}, err
		}
		lid := entry.LogID(id)
		q.LogID = &lid
	}
	out := wire.VillageRequestsSent{Requests: []wire.VillageRequestSent{}}
	for {
		es, err := s.n.Store().Find(ctx, q)
		if err != nil {
			return wire.VillageRequestsSent{}, err
		}
		for _, e := range es {
			p, err := village.Decode(e.Payload)
			if err != nil {
				continue
			}
			r, ok := p.(*village.Request)
			if !ok || entry.LogID(r.Village) != e.Header.LogID {
				continue
			}
			out.Requests = append(out.Requests, wire.VillageRequestSent{Village: r.Village.String(), Seq: e.Header.Seq,
				VillageRequest: requestsOf([]village.StrangerRequest{{Entry: e.ID, Timestamp: e.Header.Timestamp, Text: r.Text, Blob: r.Blob}})[0]})
		}
		if len(es) < q.Limit {
			break
		}
		q.After = es[len(es)-1].Cursor
	}
	slices.SortFunc(out.Requests, func(a, b wire.VillageRequestSent) int {
		if c := cmp.Compare(b.Timestamp, a.Timestamp); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Village, b.Village); c != 0 {
			return c
		}
		return cmp.Compare(b.Seq, a.Seq)
	})
	return out, nil
}
