package wire

// Villages (doc/api.md, "Villages"). Village, proposal and entry ids are
// ent_…, locals and invitees dev_…, proofs and note blobs blob_…. A
// stranger id (64 bytes: individual id ‖ user id) has no text kind: it is
// 128 lowercase hexadecimal digits; commitments are 64.

// VillageFound is the body of POST /api/v1/villages.
type VillageFound struct {
	Name string `json:"name"`
	// Admit and Exclude name the charter's consensus methods (village.md
	// §3): unanimous, majority, consent, majority-of-voters, qualified,
	// qualified-of-voters, quorum or cel; the params and expr fields carry
	// what the method takes (qualified [p, q], quorum [k], cel an
	// expression), left out otherwise.
	Admit         string   `json:"admit"`
	Exclude       string   `json:"exclude"`
	AdmitParams   []uint64 `json:"admit_params,omitempty"`
	AdmitExpr     string   `json:"admit_expr,omitempty"`
	ExcludeParams []uint64 `json:"exclude_params,omitempty"`
	ExcludeExpr   string   `json:"exclude_expr,omitempty"`
	Cofounders    []string `json:"cofounders"` // acc_…, at least one
}

// VillageSummary is one village this node's device takes part in.
type VillageSummary struct {
	ID      string `json:"id"`
	Known   bool   `json:"known"` // the found entry is held; the fields below need it
	Name    string `json:"name,omitempty"`
	Founded bool   `json:"founded"`
	Role    string `json:"role"`           // founder, local, invitee, left, excluded
	Mode    string `json:"mode,omitempty"` // active or passive, for a local
	Locals  int    `json:"locals"`
	// Inbox counts the pending strangers (village.md §6): those with
	// requests that no current local lists yet.
	Inbox int `json:"inbox,omitempty"`
}

// VillageList answers GET /api/v1/villages.
type VillageList struct {
	Villages []VillageSummary `json:"villages"`
}

// VillageEntry answers the endpoints that append a village entry.
type VillageEntry struct {
	ID      string `json:"id"`      // the entry appended
	Village string `json:"village"` // the village id
	// Needed, after a join: how many more active locals must invite this
	// account before it becomes a local (left out when none).
	Needed int `json:"needed,omitempty"`
}

// Village answers GET /api/v1/villages/{id}: the village as reduced from
// the entries this node holds.
type Village struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Admit   string `json:"admit"`
	Exclude string `json:"exclude"`
	// The rules' parameters and expressions (left out when none), and
	// the rules in plain words ("more than half of the active locals
	// agree").
	AdmitParams   []uint64            `json:"admit_params,omitempty"`
	AdmitExpr     string              `json:"admit_expr,omitempty"`
	ExcludeParams []uint64            `json:"exclude_params,omitempty"`
	ExcludeExpr   string              `json:"exclude_expr,omitempty"`
	AdmitRule     string              `json:"admit_rule"`
	ExcludeRule   string              `json:"exclude_rule"`
	Founders      []string            `json:"founders"`
	Founded       bool                `json:"founded"`
	Me            string              `json:"me"` // this device
	Locals        []VillageLocal      `json:"locals"`
	Invitations   []VillageInvitation `json:"invitations"`
	Strangers     []VillageStranger   `json:"strangers"`
	Proposals     []VillageProposal   `json:"proposals"`
	Problems      []string            `json:"problems"`
	Ignored       int                 `json:"ignored"` // entries the reducer did not apply
	// Dropped: what this node deleted of unlisted strangers' requests to
	// stay within its bounds (village.md §6).
	Dropped VillageDropped `json:"dropped"`
	// Waiting: the founders who have not accepted (before the founding)
	// and the invitees who have not joined, other than this account.
	Waiting []VillageWaiting `json:"waiting"`
}

// VillageWaiting is someone a village waits on: whether this node reached
// one of their devices with the founding (doc/protocol/village.md §6a)
// and, in a sentence, why they may not have answered and what to do.
type VillageWaiting struct {
	Account string `json:"account"`
	As      string `json:"as"` // "founder" or "invitee"
	Reached bool   `json:"reached"`
	Device  string `json:"device,omitempty"` // the device reached
	At      string `json:"at,omitempty"`     // when, RFC 3339
	Tries   int    `json:"tries"`
	LastErr string `json:"last_error,omitempty"`
	Hint    string `json:"hint"`
}

// VillageDropped is what a local's node deleted of a village's unlisted
// strangers (no local's vote names them) to keep within its bounds, the
// oldest first (doc/protocol/village.md §6).
type VillageDropped struct {
	Requests  int `json:"requests"`
	Strangers int `json:"strangers"`
	// Message says it for people when Requests > 0: "N older requests
	// from unlisted strangers were dropped".
	Message string `json:"message,omitempty"`
}

// VillageLocal is one key the village knows as a (former or would-be) local.
type VillageLocal struct {
	Key      string `json:"key"`
	Status   string `json:"status"` // founder (not accepted yet), local, left, excluded
	Mode     string `json:"mode"`   // active or passive
	Accepted bool   `json:"accepted"`
	Name     string `json:"name,omitempty"`
	// ProfileName is the name in the account's latest profile held here,
	// for a local with no name in the village (left out when none).
	ProfileName string `json:"profile_name,omitempty"`
	About       string `json:"about,omitempty"` // the about text of its latest userspec
	State       string `json:"state,omitempty"` // commitment of its latest state
}

// VillageInvitation is an invitation with its endorsers.
type VillageInvitation struct {
	Invitee   string   `json:"invitee"`
	Endorsers []string `json:"endorsers"`
	Admitted  bool     `json:"admitted"`
	Joined    bool     `json:"joined"`
	// Needed is how many more active locals must invite the invitee before
	// it is admitted (0 once admitted; -1 when more invitations alone
	// cannot admit it under the charter, a block standing in the way); it
	// becomes a local once admitted and joined.
	Needed int `json:"needed"`
	// Stances: locals whose latest position on it is disagree, abstain
	// or block (left out when none).
	Stances []VillageStance `json:"stances,omitempty"`
}

// VillageStranger is a stranger with the village's standing and every
// local's vote and note.
type VillageStranger struct {
	ID string `json:"id"`
	// Account is the stranger's individual id as an account (acc_…), the
	// short id a person types or pastes to name it (doc/api.md, "Naming a
	// stranger"); Name is that account's profile name, when held here.
	// UserIsAccount: the user half of the id is the account too (the
	// default a kith node writes), so Account names it alone.
	Account       string        `json:"account"`
	Name          string        `json:"name,omitempty"`
	UserIsAccount bool          `json:"user_is_account"`
	Listed        bool          `json:"listed"`
	Standing      string        `json:"standing"` // acknowledged, vetoed, accepted
	Vetoers       []string      `json:"vetoers"`
	Votes         []VillageVote `json:"votes"`
	Notes         []VillageNote `json:"notes"`
	// Pending: the stranger sent requests and no current local lists it
	// (the inbox, village.md §6).
	Pending  bool             `json:"pending"`
	Requests []VillageRequest `json:"requests"`
}

// VillageRequest is one request a stranger sent to the village.
type VillageRequest struct {
	Entry     string `json:"entry"`
	Timestamp uint64 `json:"timestamp"` // the stranger's claim, milliseconds since 1970
	Text      string `json:"text"`
	Blob      string `json:"blob,omitempty"` // blob_…
}

// VillageRequestSend is the body of POST /api/v1/village-requests: a
// stranger's request, sent to a local's device.
type VillageRequestSend struct {
	Village string `json:"village"` // ent_…
	To      string `json:"to"`      // the local's device: dev_… or a multiaddr with /p2p/
	Text    string `json:"text"`
	Blob    string `json:"blob,omitempty"` // blob_…
}

// VillageRequestSent is one request this device sent as a stranger (GET
// /api/v1/village-requests).
type VillageRequestSent struct {
	Village string `json:"village"` // ent_…
	Seq     uint64 `json:"seq"`     // in this device's village log: at most 32 are taken
	VillageRequest
}

// VillageRequestsSent answers GET /api/v1/village-requests: the requests
// this device sent as a stranger, newest first.
type VillageRequestsSent struct {
	Requests []VillageRequestSent `json:"requests"`
}

// VillageInboxRequest is one request of GET /api/v1/villages/{id}/requests.
type VillageInboxRequest struct {
	Stranger string `json:"stranger"` // 128 hex digits
	Account  string `json:"account"`  // acc_…, the individual half
	Standing string `json:"standing"`
	Pending  bool   `json:"pending"`
	VillageRequest
}

// VillageInbox answers GET /api/v1/villages/{id}/requests: one page of the
// held requests, by stranger id, each stranger's in entry order. Next,
// when set, is the after= of the next page.
type VillageInbox struct {
	Village  string                `json:"village"`
	Requests []VillageInboxRequest `json:"requests"`
	Next     string                `json:"next,omitempty"`
	Dropped  VillageDropped        `json:"dropped"`
}

// VillageInboxQuery pages GET /api/v1/villages/{id}/requests: after= a
// page's Next, limit= 1 to MaxInboxLimit requests (DefaultInboxLimit).
type VillageInboxQuery struct {
	After string
	Limit int
}

// The page sizes of the inbox.
const (
	DefaultInboxLimit = 100
	MaxInboxLimit     = 500
)

// VillageRequestFile answers POST
// /api/v1/villages/{id}/requests/{entry}/file: the file the request names,
// now held (fetched if it was not), to read at /api/v1/blobs/{blob}.
type VillageRequestFile struct {
	Blob string `json:"blob"`
	Size int64  `json:"size"`
}

// VillageVote is one local's vote on a stranger.
type VillageVote struct {
	Local      string `json:"local"`
	Vote       string `json:"vote"`            // deferred, veto, accept
	Proof      string `json:"proof,omitempty"` // blob_…, with accept
	Mechanical bool   `json:"mechanical"`      // a passive local's derived vote
	Counted    bool   `json:"counted"`         // false for a former local
	Entry      string `json:"entry,omitempty"` // the local's latest vote entry
}

// VillageNote is one local's note on a stranger.
type VillageNote struct {
	Local string `json:"local"`
	Text  string `json:"text"`
	Blob  string `json:"blob,omitempty"`
	Entry string `json:"entry"`
}

// VillageProposal is an exclusion proposal.
type VillageProposal struct {
	ID       string   `json:"id"`
	Proposer string   `json:"proposer"`
	Subject  string   `json:"subject"`
	Reason   string   `json:"reason"`
	Outcome  string   `json:"outcome"` // open, passed, moot
	For      []string `json:"for"`
	Against  []string `json:"against"` // voted against
	// NotVoted: eligible locals who have not voted (not counted for).
	NotVoted []string `json:"not_voted"`
	// Stances: eligible locals whose position is abstain or block.
	Stances []VillageStance `json:"stances,omitempty"`
}

// VillageInvite is the body of POST /api/v1/villages/{id}/invites.
type VillageInvite struct {
	Invitee string `json:"invitee"` // dev_…
}

// VillageUserspec is the body of PUT /api/v1/villages/{id}/userspec.
type VillageUserspec struct {
	Mode  string `json:"mode"` // active or passive
	Name  string `json:"name"`
	About string `json:"about"`
}

// StrangerVote is the body of PUT /api/v1/villages/{id}/strangers/{stranger}/vote.
type StrangerVote struct {
	Vote  string `json:"vote"`            // deferred, veto, accept
	Proof string `json:"proof,omitempty"` // blob_…, required with accept only
}

// StrangerNote is the body of POST /api/v1/villages/{id}/strangers/{stranger}/notes.
type StrangerNote struct {
	Text string `json:"text"`
	Blob string `json:"blob,omitempty"` // blob_…
}

// ExclusionProposal is the body of POST /api/v1/villages/{id}/exclusions.
type ExclusionProposal struct {
	Subject string `json:"subject"` // dev_…
	Reason  string `json:"reason"`
}

// ExclusionVote is the body of PUT /api/v1/villages/{id}/exclusions/{proposal}/vote.
type ExclusionVote struct {
	Vote string `json:"vote"` // "for" or "against"
}

// VillageComponents are a state's six content addresses (hex).
type VillageComponents struct {
	Previous       string `json:"previous"`
	Userspec       string `json:"userspec"`
	Locals         string `json:"locals"`
	LocalsState    string `json:"locals_state"`
	Strangers      string `json:"strangers"`
	StrangersState string `json:"strangers_state"`
}

// VillageState is one village.state entry.
type VillageState struct {
	ID         string            `json:"id"`
	Seq        uint64            `json:"seq"`
	Commitment string            `json:"commitment"`
	Components VillageComponents `json:"components"`
	Seen       int               `json:"seen"`      // logs the state names (0 while its seen list is not held)
	SeenList   string            `json:"seen_list"` // blob_…: the seen list (village.md §4)
}

// VillageStatePublished answers POST /api/v1/villages/{id}/state.
type VillageStatePublished struct {
	Village string       `json:"village"`
	State   VillageState `json:"state"`
}

// VillageFinding is one thing wrong with a state chain.
type VillageFinding struct {
	Entry   string `json:"entry"`
	Seq     uint64 `json:"seq"`
	Kind    string `json:"kind"` // signature, payload, link, fork, seen, component, vote
	Message string `json:"message"`
}

// VillageChain answers GET /api/v1/villages/{id}/locals/{key}/chain.
type VillageChain struct {
	Village  string           `json:"village"`
	Local    string           `json:"local"`
	States   []VillageState   `json:"states"`
	Findings []VillageFinding `json:"findings"`
	OK       bool             `json:"ok"` // no findings
}
