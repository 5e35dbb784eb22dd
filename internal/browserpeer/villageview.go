package browserpeer

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// Person is an account as the page shows it: by its name in the village
// (its userspec), else its profile name, else (Name "") by its id.
type Person struct {
	Account string `json:"account"` // acc_…
	Key     string `json:"key"`     // the account key, hex
	Name    string `json:"name,omitempty"`
	You     bool   `json:"you,omitempty"`
}

// VillageView is a village this browser's account takes part in, reduced
// here by internal/village from the entries the browser holds.
type VillageView struct {
	ID    string `json:"id"`    // hex
	Known bool   `json:"known"` // the found entry is held; the fields below need it
	// Unreadable says why the village, whose found entry is held, cannot
	// be reduced here (a charter with a CEL expression, which the
	// WebAssembly build leaves out, or an invalid found entry).
	Unreadable string `json:"unreadable,omitempty"`
	Name       string `json:"name,omitempty"`
	// Role: founder (not accepted yet or not founded), local, invitee,
	// left, excluded.
	Role        string           `json:"role"`
	Accepted    bool             `json:"accepted,omitempty"` // a founder who accepted
	Founded     bool             `json:"founded"`
	AdmitRule   string           `json:"admit_rule,omitempty"`
	ExcludeRule string           `json:"exclude_rule,omitempty"`
	Locals      []LocalView      `json:"locals"`
	Invitations []InvitationView `json:"invitations"`
	Proposals   []ProposalView   `json:"proposals"`
	Strangers   []StrangerView   `json:"strangers"`
	Problems    []string         `json:"problems"`
	Waiting     []Person         `json:"waiting"` // founders who have not accepted
}

// LocalView is a current local.
type LocalView struct {
	Person
	Mode string `json:"mode"`
}

// InvitationView is an open invitation, with this account's position.
type InvitationView struct {
	Invitee   Person   `json:"invitee"`
	Endorsers []Person `json:"endorsers"`
	Stances   []Stance `json:"stances"`
	Admitted  bool     `json:"admitted"`
	Joined    bool     `json:"joined"`
	Needed    int      `json:"needed"`
	Mine      string   `json:"mine,omitempty"` // agree, disagree, abstain, block; "" none
}

// Stance is a local's position other than agree.
type Stance struct {
	Local    Person `json:"local"`
	Position string `json:"position"`
	Reason   string `json:"reason,omitempty"`
}

// ProposalView is an exclusion proposal.
type ProposalView struct {
	ID       string   `json:"id"` // hex
	Proposer Person   `json:"proposer"`
	Subject  Person   `json:"subject"`
	Reason   string   `json:"reason"`
	For      []Person `json:"for"`
	Against  []Person `json:"against"`
	Outcome  string   `json:"outcome"` // open, passed, moot
	Mine     string   `json:"mine,omitempty"`
}

// StrangerView is a stranger the village hears of, with every local's
// vote and note.
type StrangerView struct {
	ID       string         `json:"id"`      // 128 hex digits
	Account  string         `json:"account"` // acc_… of the individual half
	Name     string         `json:"name,omitempty"`
	Standing string         `json:"standing"`
	Listed   bool           `json:"listed"`
	Requests []string       `json:"requests"`
	Votes    []StrangerVote `json:"votes"`
	Notes    []StrangerNote `json:"notes"`
	MyVote   string         `json:"my_vote,omitempty"`
	MyNote   string         `json:"my_note,omitempty"`
}

// StrangerVote is a local's counted vote on a stranger.
type StrangerVote struct {
	Local Person `json:"local"`
	Vote  string `json:"vote"`
}

// StrangerNote is a local's note on a stranger.
type StrangerNote struct {
	Local Person `json:"local"`
	Text  string `json:"text"`
}

// Villages returns the villages this browser's account takes part in, each
// reduced from the entries held.
func (p *Peer) Villages(ctx context.Context) ([]VillageView, error) {
	acc, ok := p.Account()
	if !ok {
		return []VillageView{}, nil
	}
	ids, err := p.villageIDs(ctx, acc)
	if err != nil {
		return nil, err
	}
	out := make([]VillageView, 0, len(ids))
	nm := p.names()
	for _, id := range ids {
		v := VillageView{ID: hex.EncodeToString(id[:]), Role: "invitee", Locals: []LocalView{}, Invitations: []InvitationView{},
			Proposals: []ProposalView{}, Strangers: []StrangerView{}, Problems: []string{}, Waiting: []Person{}}
		found, es, err := p.villageEntries(ctx, id)
		if err != nil {
			return nil, err
		}
		if found == nil {
			out = append(out, v)
			continue
		}
		st, err := village.Reduce(id, es)
		if err != nil {
			v.Known, v.Unreadable = true, unreadable(id, err)
			out = append(out, v)
			continue
		}
		person := func(k identity.PublicKey) Person {
			pr := Person{Account: k.Account().String(), Key: hex.EncodeToString(k[:]), You: k == acc}
			if l := st.Local(k); l != nil && l.Name != "" {
				pr.Name = l.Name
			} else {
				pr.Name = nm.account(ctx, k)
			}
			return pr
		}
		people := func(ks []identity.PublicKey) []Person {
			out := make([]Person, 0, len(ks))
			for _, k := range ks {
				out = append(out, person(k))
			}
			return out
		}
		v.Known, v.Name, v.Founded = true, st.Name, st.Founded
		v.AdmitRule, v.ExcludeRule = st.AdmitRule.Describe(), st.ExcludeRule.Describe()
		v.Problems = append([]string{}, st.Problems...)
		if l := st.Local(acc); l != nil {
			v.Role = l.Status.String()
			v.Accepted = l.Accepted
		}
		for _, l := range st.Locals {
			switch {
			case l.Status == village.Member:
				v.Locals = append(v.Locals, LocalView{Person: person(l.Key), Mode: string(l.Mode)})
			case l.Status == village.Founder && !l.Accepted:
				v.Waiting = append(v.Waiting, person(l.Key))
			}
		}
		for _, inv := range st.Invitations {
			iv := InvitationView{Invitee: person(inv.Invitee), Endorsers: people(inv.Endorsers), Admitted: inv.Admitted, Joined: inv.Joined, Needed: inv.Needed, Stances: []Stance{}}
			if slices.Contains(inv.Endorsers, acc) {
				iv.Mine = conversation.Agree.String()
			}
			for _, s := range inv.Stances {
				iv.Stances = append(iv.Stances, Stance{Local: person(s.Local), Position: s.Position.String(), Reason: s.Reason})
				if s.Local == acc {
					iv.Mine = s.Position.String()
				}
			}
			v.Invitations = append(v.Invitations, iv)
		}
		for _, pr := range st.Proposals {
			pv := ProposalView{ID: hex.EncodeToString(pr.ID[:]), Proposer: person(pr.Proposer), Subject: person(pr.Subject), Reason: pr.Reason,
				For: people(pr.For), Against: people(pr.Against), Outcome: pr.Outcome.String()}
			switch {
			case slices.Contains(pr.For, acc):
				pv.Mine = conversation.Agree.String()
			case slices.Contains(pr.Against, acc):
				pv.Mine = conversation.Disagree.String()
			}
			for _, s := range pr.Stances {
				if s.Local == acc {
					pv.Mine = s.Position.String()
				}
			}
			v.Proposals = append(v.Proposals, pv)
		}
		for _, sg := range st.Strangers {
			if !sg.Listed && len(sg.Requests) == 0 {
				continue
			}
			sacc := identity.PublicKey(sg.ID[:32])
			sv := StrangerView{ID: sg.ID.Hex(), Account: sacc.Account().String(), Name: nm.account(ctx, sacc), Standing: sg.Standing.String(), Listed: sg.Listed,
				Requests: []string{}, Votes: []StrangerVote{}, Notes: []StrangerNote{}}
			for _, r := range sg.Requests {
				sv.Requests = append(sv.Requests, r.Text)
			}
			for _, b := range sg.Ballots {
				if b.Local == acc && b.Entry != (entry.ID{}) {
					sv.MyVote = b.Explicit.String()
				}
				if !b.Counted || (b.Entry == entry.ID{} && !b.Mechanical) {
					continue
				}
				sv.Votes = append(sv.Votes, StrangerVote{Local: person(b.Local), Vote: b.Vote.String()})
			}
			for _, n := range sg.Notes {
				sv.Notes = append(sv.Notes, StrangerNote{Local: person(n.Local), Text: n.Text})
				if n.Local == acc {
					sv.MyNote = n.Text
				}
			}
			v.Strangers = append(v.Strangers, sv)
		}
		out = append(out, v)
	}
	return out, nil
}

// unreadable says, for the person, why a village whose found entry is
// held cannot be reduced here.
func unreadable(id entry.ID, err error) string {
	if strings.Contains(err.Error(), "does not evaluate CEL expressions") {
		return "its charter decides by a CEL expression, which this browser does not evaluate (CEL is left out of its WebAssembly build to keep it small); read and answer it on a node: kith village show " + id.String()
	}
	return err.Error() + " (village " + id.String() + ")"
}
