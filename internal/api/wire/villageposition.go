package wire

// VillagePosition is the body of PUT /api/v1/villages/{id}/positions: this
// account's position on an open invitation (Invitee, acc_…) or exclusion
// proposal (Proposal, ent_…), exactly one of them (village.md §3).
type VillagePosition struct {
	Invitee  string `json:"invitee,omitempty"`
	Proposal string `json:"proposal,omitempty"`
	Position string `json:"position"`         // agree, disagree, abstain or block
	Reason   string `json:"reason,omitempty"` // why; a block needs one
}

// VillageStance is a local's position other than agree on an invitation,
// or abstain or block on a proposal.
type VillageStance struct {
	Local    string `json:"local"` // acc_…
	Position string `json:"position"`
	Reason   string `json:"reason,omitempty"`
}
