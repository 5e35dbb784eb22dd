package wire

// Festivals (doc/api.md, "Festivals"). Festival, resource, event and
// request ids are ent_… (the id of the entry that announced them), people
// acc_… with their names. Times are RFC 3339 in UTC
// ("2026-07-04T20:00:00Z"): the stated times of the schedule.

// FestivalCreate is the body of POST /api/v1/festivals.
type FestivalCreate struct {
	Name   string `json:"name"`
	Text   string `json:"text,omitempty"`
	Parent string `json:"parent,omitempty"` // ent_… or the name of an opened festival: nest it there
	// Village or Space (ent_… or name; at most one): the festival lives
	// there, replicated to the village's locals or sealed for the space's
	// members. A festival nested in another lives where it does.
	Village string `json:"village,omitempty"`
	Space   string `json:"space,omitempty"`
}

// FestivalOpen is the body of POST /api/v1/festivals/{id}/open: the
// founder's device, the part after / of what 'kith festival create'
// printed (ent_…/dev_…); empty for a festival nested in one opened.
type FestivalOpen struct {
	Founder string `json:"founder,omitempty"`
}

// FestivalEntry answers the endpoints that write a festival entry.
type FestivalEntry struct {
	ID       string `json:"id"`            // the entry appended ("" when none was: open, leave)
	Festival string `json:"festival"`      // the festival id
	Ref      string `json:"ref,omitempty"` // what to share to open it (a festival nested in none)
}

// FestivalSummary is one festival of GET /api/v1/festivals.
type FestivalSummary struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Ref       string `json:"ref,omitempty"`
	Parent    string `json:"parent,omitempty"`
	Opened    bool   `json:"opened"`
	Cancelled bool   `json:"cancelled"`
}

// FestivalList answers GET /api/v1/festivals.
type FestivalList struct {
	Festivals []FestivalSummary `json:"festivals"`
}

// Span is a window of stated times, start ≤ t < end.
type Span struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// FestivalResourceNew is the body of POST /api/v1/festivals/{id}/resources.
type FestivalResourceNew struct {
	Kind     string   `json:"kind"` // room, stage, equipment, skill, location, …
	Name     string   `json:"name"`
	Text     string   `json:"text,omitempty"`
	Policy   string   `json:"policy,omitempty"` // first-come (default), manual, hours-per-day
	Params   []uint64 `json:"params,omitempty"`
	Capacity uint64   `json:"capacity,omitempty"`
	Windows  []Span   `json:"windows,omitempty"` // when it is available; none: always
	Lat      *float64 `json:"lat,omitempty"`     // degrees north; with lon
	Lon      *float64 `json:"lon,omitempty"`     // degrees east
	Address  string   `json:"address,omitempty"`
	URL      string   `json:"url,omitempty"`
}

// FestivalEventNew is the body of POST /api/v1/festivals/{id}/events.
type FestivalEventNew struct {
	Name  string   `json:"name"`
	Text  string   `json:"text,omitempty"`
	Start string   `json:"start"`
	End   string   `json:"end"`
	Needs []string `json:"needs,omitempty"` // resources by id or name
}

// FestivalRequestNew is the body of POST /api/v1/festivals/{id}/requests.
type FestivalRequestNew struct {
	Event    string `json:"event"`    // by id or name
	Resource string `json:"resource"` // by id or name
	Start    string `json:"start"`
	End      string `json:"end"`
}

// FestivalAuthorizeNew is the body of POST /api/v1/festivals/{id}/authorize.
type FestivalAuthorizeNew struct {
	Request  string `json:"request"`  // the event's id (or name) or the festival.request's id
	Resource string `json:"resource"` // by id or name
	Decision string `json:"decision"` // grant or deny
	Reason   string `json:"reason,omitempty"`
}

// FestivalWithdrawNew is the body of POST /api/v1/festivals/{id}/withdraw.
type FestivalWithdrawNew struct {
	Target string `json:"target"` // a festival, resource, event (by id or name) or request id
	Reason string `json:"reason,omitempty"`
}

// Person is an account with its name as this node knows it.
type Person struct {
	Account string `json:"account"`
	Name    string `json:"name"`
}

// FestivalBooking is a hold of a resource.
type FestivalBooking struct {
	Span      Span   `json:"span"`
	Event     string `json:"event"`
	EventName string `json:"event_name"`
	Holder    Person `json:"holder"`
	Confirmed bool   `json:"confirmed"`
}

// FestivalResource is a resource with its bookings.
type FestivalResource struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Text      string            `json:"text,omitempty"`
	Owner     Person            `json:"owner"`
	Policy    string            `json:"policy"`
	Params    []uint64          `json:"params,omitempty"`
	Capacity  uint64            `json:"capacity,omitempty"`
	Windows   []Span            `json:"windows,omitempty"`
	Lat       *float64          `json:"lat,omitempty"`
	Lon       *float64          `json:"lon,omitempty"`
	Address   string            `json:"address,omitempty"`
	URL       string            `json:"url,omitempty"`
	Withdrawn bool              `json:"withdrawn"`
	Unchecked bool              `json:"unchecked"` // its policy is not known here
	Bookings  []FestivalBooking `json:"bookings"`
}

// FestivalRequest is a request for a resource.
type FestivalRequest struct {
	ID        string `json:"id"` // the event's or the festival.request's id
	Resource  string `json:"resource"`
	ResName   string `json:"resource_name"`
	Event     string `json:"event"`
	EventName string `json:"event_name"`
	Requester Person `json:"requester"`
	Span      Span   `json:"span"`
	Status    string `json:"status"` // pending, granted, denied, withdrawn
	Reason    string `json:"reason,omitempty"`
	Confirmed bool   `json:"confirmed"`
}

// FestivalEvent is an event of the programme.
type FestivalEvent struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Text      string            `json:"text,omitempty"`
	Span      Span              `json:"span"`
	Author    Person            `json:"author"`
	Cancelled bool              `json:"cancelled"`
	Places    []string          `json:"places"` // the locations it holds, by name
	Requests  []FestivalRequest `json:"requests"`
}

// FestivalIgnored is an entry the festival's rules ignored, and why.
type FestivalIgnored struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Author Person `json:"author"`
	Reason string `json:"reason"`
}

// Festival answers GET /api/v1/festivals/{id}.
type Festival struct {
	FestivalSummary
	Text       string             `json:"text,omitempty"`
	ParentName string             `json:"parent_name,omitempty"`
	Creator    Person             `json:"creator"`
	Nested     []FestivalSummary  `json:"nested"`
	Resources  []FestivalResource `json:"resources"`
	Programme  []FestivalEvent    `json:"programme"` // by start, then name
	Waiting    []FestivalRequest  `json:"waiting"`   // requests waiting for your decision
	Conflicts  []FestivalRequest  `json:"conflicts"` // requests that ran into a booking
	Ignored    []FestivalIgnored  `json:"ignored"`
	Skipped    int                `json:"skipped"`        // entries beyond what this node reads of a festival
	Home       string             `json:"home,omitempty"` // the village or space it lives in (ent_…); absent: public
	Sealed     int                `json:"sealed"`         // entries sealed in its space this device cannot open
}
