package wire

// Conversations that end in a decision (doc/api.md, "Conversations";
// doc/protocol/conversation.md).

// ConversationStart is the body of POST /api/v1/decisions: where the
// conversation lives (a village, a space, or chosen people: exactly one)
// and its start.
type ConversationStart struct {
	Village string   `json:"village,omitempty"` // ent_…: among its locals
	Space   string   `json:"space,omitempty"`   // ent_…: among its members
	People  []string `json:"people,omitempty"`  // acc_… or names of accounts you follow
	Topic   string   `json:"topic"`
	Pattern string   `json:"pattern"` // discussion, proposal, poll, …
	Method  string   `json:"method"`  // consent, majority, …, cel
	Params  []uint64 `json:"params,omitempty"`
	Expr    string   `json:"expr,omitempty"`    // the cel expression
	Text    string   `json:"text,omitempty"`    // a proposal's text
	Options []string `json:"options,omitempty"` // a poll's options
	Ballot  string   `json:"ballot,omitempty"`  // approval, ranked or score
	After   uint64   `json:"after,omitempty"`   // the deadline: after this many messages
	Speaker string   `json:"speaker,omitempty"` // an announcement's speaker: acc_… or a name (default: you)
	Places  uint64   `json:"places,omitempty"`  // an invitation's limit of places
	// Deadline is the stated deadline, RFC 3339: people read it; it passes
	// when a participant declares it passed (POST …/deadline).
	Deadline string `json:"deadline,omitempty"`
}

// ConversationAnswer is the body of POST …/answer: yes, no or maybe to an
// invitation.
type ConversationAnswer struct {
	Answer string `json:"answer"`
}

// ConversationArgument is the body of POST …/argue: an argument for or
// against a debate's motion, answering another argument or the motion.
type ConversationArgument struct {
	Side    string `json:"side"` // for or against
	Text    string `json:"text"`
	Answers string `json:"answers,omitempty"` // ent_…: the argument it answers
}

// ConversationSay is the body of POST /api/v1/decisions/{id}/say.
type ConversationSay struct {
	Text  string `json:"text"`
	Reply string `json:"reply,omitempty"` // ent_… it answers
}

// ConversationAmend is the body of POST …/amend.
type ConversationAmend struct {
	Text string `json:"text"`
}

// ConversationPosition is the body of POST …/position.
type ConversationPosition struct {
	Position string `json:"position"` // agree, disagree, abstain or block
	Reason   string `json:"reason,omitempty"`
}

// ConversationVote is the body of POST …/vote: for approval and ranked
// ballots the options (their text, or their number from 1) approved, or
// ranked best first; for a score ballot one score 0–10 per option.
type ConversationVote struct {
	Options []string `json:"options,omitempty"`
	Scores  []uint64 `json:"scores,omitempty"`
}

// ConversationEntry answers a start or a contribution.
type ConversationEntry struct {
	Conversation string            `json:"conversation"` // ent_…: the start's id
	ID           string            `json:"id"`           // ent_…: the entry written
	Place        ConversationPlace `json:"place"`
}

// ConversationPlace is where a conversation lives.
type ConversationPlace struct {
	Kind string `json:"kind"` // village or space
	ID   string `json:"id"`   // ent_…
	Name string `json:"name"`
}

// ConversationPerson is a participant, named.
type ConversationPerson struct {
	Account string `json:"account"`        // acc_…
	Name    string `json:"name,omitempty"` // from the latest profile held
	Me      bool   `json:"me,omitempty"`
	// Position (proposal) or Ballot (poll, in words): the latest that
	// counts; empty when none.
	Position string `json:"position,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Ballot   string `json:"ballot,omitempty"`
}

// ConversationTally is the counts the method reads.
type ConversationTally struct {
	Participants int  `json:"participants"`
	Answered     int  `json:"answered"`
	Agree        int  `json:"agree"`
	Disagree     int  `json:"disagree"`
	Abstain      int  `json:"abstain"`
	Block        int  `json:"block"`
	Messages     int  `json:"messages"`
	Deadline     bool `json:"deadline_passed"`
}

// ConversationOption is a poll's option with its count.
type ConversationOption struct {
	Number int    `json:"number"` // from 1
	Text   string `json:"text"`
	Votes  uint64 `json:"votes"` // approvals, first choices or score sum
}

// ConversationOutcome is the decision.
type ConversationOutcome struct {
	At         string               `json:"at"` // ent_… whose application made the method hold
	Messages   int                  `json:"messages"`
	Text       string               `json:"text,omitempty"`
	Amendments []string             `json:"amendments,omitempty"`
	Agreed     []ConversationPerson `json:"agreed,omitempty"`
	Winner     string               `json:"winner,omitempty"`
	Summary    string               `json:"summary"` // in words
}

// ConversationEvent is one entry of the history, in the causal order.
type ConversationEvent struct {
	ID      string             `json:"id"`
	Author  ConversationPerson `json:"author"`
	Kind    string             `json:"kind"` // the payload type without "conversation."
	Text    string             `json:"text"` // what it says, in words
	Reply   string             `json:"reply,omitempty"`
	Applied bool               `json:"applied"`
	Reason  string             `json:"reason,omitempty"` // why it was ignored
}

// ConversationUnreadable is an entry of the place this device cannot read.
type ConversationUnreadable struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Decision answers GET /api/v1/decisions/{id}: a conversation that ends in a
// decision.
type Decision struct {
	ID           string                   `json:"id"`
	Place        ConversationPlace        `json:"place"`
	Topic        string                   `json:"topic"`
	Pattern      string                   `json:"pattern"`
	Method       string                   `json:"method"`
	Params       []uint64                 `json:"params,omitempty"`
	Expr         string                   `json:"expr,omitempty"`
	Rule         string                   `json:"rule"`   // the method in plain words
	Needed       string                   `json:"needed"` // what is still needed for a decision; "" once closed
	Text         string                   `json:"text,omitempty"`
	Amendments   []string                 `json:"amendments,omitempty"`
	Ballot       string                   `json:"ballot,omitempty"`
	Options      []ConversationOption     `json:"options,omitempty"`
	Deadline     string                   `json:"deadline,omitempty"` // in words
	Starter      ConversationPerson       `json:"starter"`
	Participants []ConversationPerson     `json:"participants"`
	Tally        ConversationTally        `json:"tally"`
	Closed       bool                     `json:"closed"`
	Outcome      *ConversationOutcome     `json:"outcome,omitempty"`
	History      []ConversationEvent      `json:"history"`
	Ignored      int                      `json:"ignored"` // entries of the history ignored
	Unreadable   []ConversationUnreadable `json:"unreadable,omitempty"`
	Problem      string                   `json:"problem,omitempty"`      // no valid start: why
	MethodError  string                   `json:"method_error,omitempty"` // the last error of a cel expression
	Capped       int                      `json:"capped,omitempty"`       // devices whose log is beyond the limit
	// The announcement's speaker and who acknowledged it.
	Speaker      *ConversationPerson  `json:"speaker,omitempty"`
	Acknowledged []ConversationPerson `json:"acknowledged,omitempty"`
	// The invitation's places: who holds one, who waits, in order.
	Places  uint64               `json:"places,omitempty"`
	Guests  []ConversationPerson `json:"guests,omitempty"`
	Waiting []ConversationPerson `json:"waiting,omitempty"`
	// The debate's arguments, in the causal order.
	Arguments []ConversationArgumentView `json:"arguments,omitempty"`
}

// ConversationArgumentView is one applied argument of a debate.
type ConversationArgumentView struct {
	ID      string             `json:"id"`
	Author  ConversationPerson `json:"author"`
	Side    string             `json:"side"` // for or against
	Text    string             `json:"text"`
	Answers string             `json:"answers,omitempty"` // ent_… of the argument it answers; "" for the motion
}

// DecisionSummary is one conversation of the list.
type DecisionSummary struct {
	ID       string            `json:"id"`
	Place    ConversationPlace `json:"place"`
	Topic    string            `json:"topic"`
	Pattern  string            `json:"pattern"`
	Rule     string            `json:"rule"`
	Needed   string            `json:"needed"`
	Closed   bool              `json:"closed"`
	Outcome  string            `json:"outcome,omitempty"`
	Messages int               `json:"messages"`
	Problem  string            `json:"problem,omitempty"`
}

// DecisionList answers GET /api/v1/decisions.
type DecisionList struct {
	Conversations []DecisionSummary `json:"decisions"`
}

// ConversationChanged is the SSE event "decision": an entry of a
// conversation log of a place arrived or was written (never its text).
type ConversationChanged struct {
	Place ConversationPlace `json:"place"`
	ID    string            `json:"id"` // the entry
	Local bool              `json:"local"`
}

// EventDecision is the SSE event of ConversationChanged.
const EventDecision = "decision"
