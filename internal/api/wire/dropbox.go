package wire

// Request is a letter collected from a dropbox (doc/protocol/services.md
// §8), as GET /api/v1/requests lists it.
type Request struct {
	ID          string `json:"id"`                  // the letter's id (hex)
	From        string `json:"from"`                // the sender's account, acc_…
	FromName    string `json:"from_name,omitempty"` // its profile name, when held
	Device      string `json:"device"`              // the sending device, dev_…
	Text        string `json:"text"`
	SentMs      int64  `json:"sent_ms"`      // the sender's claim
	CollectedMs int64  `json:"collected_ms"` // when this node collected it
	Hub         string `json:"hub"`          // the dropbox it came from, dev_…
	Answered    string `json:"answered,omitempty"`
	Accepted    bool   `json:"accepted,omitempty"`
	Following   bool   `json:"following"` // this account follows the sender
}

// Requests answers GET /api/v1/requests.
type Requests struct {
	Requests []Request `json:"requests"`
}

// RequestAnswer is the body of POST /api/v1/requests/{id}/answer.
type RequestAnswer struct {
	Text string `json:"text"`
}

// RequestAnswered answers it: the conversation the answer started.
type RequestAnswered struct {
	Conversation string `json:"conversation"`
}

// LetterSend is the body of POST /api/v1/letters: leave a letter at a
// recipient's dropbox.
type LetterSend struct {
	To   string `json:"to"` // acc_… or the name of someone followed
	Text string `json:"text"`
}

// LetterSent answers it.
type LetterSent struct {
	ID       string `json:"id"`
	Hub      string `json:"hub"`
	Followed bool   `json:"followed"` // signed as a sender the recipient follows
}

// HubAddr is one hub an account names.
type HubAddr struct {
	Addr    string `json:"addr"` // a multiaddr with /p2p/ (PUT) or without (GET)
	Hub     string `json:"hub,omitempty"`
	Dropbox bool   `json:"dropbox"`
}

// Hubs is the body of PUT /api/v1/hubs and the answer of GET
// /api/v1/hubs?account=….
type Hubs struct {
	Hubs []HubAddr `json:"hubs"`
}

// DropboxCollect is the body of POST /api/v1/dropbox/collect.
type DropboxCollect struct {
	Hub string `json:"hub"` // dev_…
}

// DropboxCollected answers it.
type DropboxCollected struct {
	Kept int `json:"kept"`
}

// MaxLetterText bounds LetterSend.Text and RequestAnswer.Text's letters.
const MaxLetterText = 4000

// RequestIgnored answers DELETE /api/v1/requests/{id}.
type RequestIgnored struct {
	ID      string `json:"id"`
	Ignored bool   `json:"ignored"`
}

// EventRequest: a request was collected, answered, accepted or ignored;
// data: a RequestEvent (GET /api/v1/events).
const EventRequest = "request"

// RequestEvent is the data of the event request: which request, and what
// became of it ("new", "answered", "accepted", "ignored"). It never
// carries the text: read it with GET /api/v1/requests/{id}.
type RequestEvent struct {
	ID     string `json:"id"`
	Change string `json:"change"`
}
