package festival

import (
	"fmt"

	"github.com/kithnet/kith/internal/entry"
)

// The payload types (festival.md §2).
const (
	TypeCreate    = "festival.create"
	TypeResource  = "festival.resource"
	TypeEvent     = "festival.event"
	TypeRequest   = "festival.request"
	TypeAuthorize = "festival.authorize"
	TypeWithdraw  = "festival.withdraw"
)

// Decisions of an authorization.
const (
	DecisionGrant = "grant"
	DecisionDeny  = "deny"
)

// KindLocation is the resource kind clients draw on the map; it needs a
// place (Geo, Address or URL).
const KindLocation = "location"

// Limits (festival.md §5).
const (
	MaxPayloadSize = 16384
	MaxNameLen     = 100
	MaxEventName   = 200
	MaxTextLen     = 4000
	MaxReasonLen   = 1000
	MaxAddressLen  = 500
	MaxURLLen      = 2000
	MaxTokenLen    = 32
	MaxWindows     = 64
	MaxNeeds       = 32
	MaxParams      = 4
	MaxParam       = 1000000
	MaxCapacity    = 1000000
	MaxRefs        = 64
	MaxDepth       = 8
	MaxTime        = 253402300799 // 9999-12-31T23:59:59Z
	MaxSpan        = 31 * 86400   // a span or request window
	MaxLat         = 180000000    // latitude + 90°, in millionths of a degree
	MaxLon         = 359999999    // longitude + 180°, in millionths of a degree
)

// Payload is a decoded festival payload.
type Payload interface {
	Type() string
	causal() *Causal
}

// Causal holds an entry's causal references (village.md §3, "Order"):
// heads of other logs its author had seen, sorted, no repeats, at most
// MaxRefs; nil when none.
type Causal struct{ Refs []entry.ID }

func (c *Causal) causal() *Causal { return c }

// Geo is a WGS 84 position as encoded: latitude + 90° and longitude + 180°,
// in millionths of a degree.
type Geo struct{ Lat, Lon uint64 }

// GeoFromDegrees returns the encoding of a position in degrees (north and
// east positive), rounded to millionths of a degree.
func GeoFromDegrees(lat, lon float64) (Geo, error) {
	if !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon < 180) {
		return Geo{}, fmt.Errorf("position %v, %v: want latitude −90…90 and longitude −180…<180", lat, lon)
	}
	g := Geo{Lat: uint64((lat+90)*1e6 + 0.5), Lon: uint64((lon+180)*1e6 + 0.5)}
	g.Lon = min(g.Lon, MaxLon)
	return g, nil
}

// Degrees returns the position in degrees, north and east positive.
func (g Geo) Degrees() (lat, lon float64) {
	return float64(g.Lat)/1e6 - 90, float64(g.Lon)/1e6 - 180
}

// Create founds a festival; its entry id names it.
type Create struct {
	Causal
	Name   string
	Text   string   // "" when none
	Parent entry.ID // the festival it is nested in; zero: none
	Home   entry.ID // the village or space it lives in; zero: none
}

// Resource announces a resource; its entry id names it and its author's
// account owns it.
type Resource struct {
	Causal
	Festival entry.ID
	Kind     string
	Name     string
	Text     string
	Capacity uint64   // 0: not stated
	Windows  []Window // availability; nil: always
	Geo      *Geo     // nil: none
	Address  string
	URL      string
	Policy   string
	Params   []uint64 // nil: none
}

// Event announces an event; its entry id names it. Each of Needs is a
// request for Span.
type Event struct {
	Causal
	Festival entry.ID
	Name     string
	Text     string
	Span     Window
	Needs    []entry.ID // resource ids, sorted, distinct; nil: none
}

// Request asks for a resource for an event in a window.
type Request struct {
	Causal
	Festival entry.ID
	Event    entry.ID
	Resource entry.ID
	Window   Window
}

// Authorize is an owner's decision on a request.
type Authorize struct {
	Causal
	Festival entry.ID
	Request  entry.ID // the event (for one of its needs) or the festival.request
	Resource entry.ID
	Decision string // DecisionGrant or DecisionDeny
	Policy   string
	Reason   string
}

// Withdraw withdraws the author's own festival, resource, event or request.
type Withdraw struct {
	Causal
	Festival entry.ID
	Target   entry.ID
	Reason   string
}

func (*Create) Type() string    { return TypeCreate }
func (*Resource) Type() string  { return TypeResource }
func (*Event) Type() string     { return TypeEvent }
func (*Request) Type() string   { return TypeRequest }
func (*Authorize) Type() string { return TypeAuthorize }
func (*Withdraw) Type() string  { return TypeWithdraw }

// Error is a payload that breaks a rule of festival.md.
type Error struct {
	Type  string
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("festival: %s: field %q: %s", e.Type, e.Field, e.Msg)
	}
	return fmt.Sprintf("festival: %s: %s", e.Type, e.Msg)
}

func fieldErr(typ, field, format string, args ...any) *Error {
	return &Error{Type: typ, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// festivalOf is the festival an entry of p belongs to (the festival itself
// for a Create).
func festivalOf(p Payload, self entry.ID) entry.ID {
	switch p := p.(type) {
	case *Create:
		return self
	case *Resource:
		return p.Festival
	case *Event:
		return p.Festival
	case *Request:
		return p.Festival
	case *Authorize:
		return p.Festival
	case *Withdraw:
		return p.Festival
	}
	return entry.ID{}
}

// named returns the ids p names besides its refs: its causal predecessors
// by construction (festival.md §3, "Order").
func named(p Payload) []entry.ID {
	switch p := p.(type) {
	case *Create:
		if !p.Parent.IsZero() {
			return []entry.ID{p.Parent}
		}
	case *Resource:
		return []entry.ID{p.Festival}
	case *Event:
		return append([]entry.ID{p.Festival}, p.Needs...)
	case *Request:
		return []entry.ID{p.Festival, p.Event, p.Resource}
	case *Authorize:
		return []entry.ID{p.Festival, p.Request, p.Resource}
	case *Withdraw:
		return []entry.ID{p.Festival, p.Target}
	}
	return nil
}
