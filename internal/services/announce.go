package services

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kithnet/kith/internal/cborwire"
)

// Protocol is the stream protocol id of the announcement.
const Protocol = "/kith/services/1"

// Version is the version of the announcement this package writes and reads.
const Version = 1

// Bounds of an announcement (doc/protocol/services.md §2).
const (
	MaxMessage  = 1024 // bytes of the CBOR body
	MaxServices = 16
	MaxNameLen  = 32
	MaxLimits   = 8
)

// The services of doc/protocol/services.md §3. Only Relay is served today.
const (
	Relay    = "relay"
	Presence = "presence"
	Heads    = "heads"
	Dropbox  = "dropbox"
	Lease    = "lease"
)

// The limit keys of doc/protocol/services.md §4.
const (
	LimitBytes       uint64 = 1 // bytes
	LimitSeconds     uint64 = 2 // seconds
	LimitConnections uint64 = 3 // connections at once
	LimitEntries     uint64 = 4 // entries
)

// Limit is one limit of a service: a key of §4 and its value.
type Limit struct {
	Key   uint64 `json:"key"`
	Value uint64 `json:"value"`
}

// Service is one service offered, by name, with its limits in ascending
// order of key.
type Service struct {
	Name   string  `json:"name"`
	Limits []Limit `json:"limits,omitempty"`
}

// Limit returns the value of the limit with key, if the service states it.
func (s Service) Limit(key uint64) (uint64, bool) {
	for _, l := range s.Limits {
		if l.Key == key {
			return l.Value, true
		}
	}
	return 0, false
}

// Announcement is what one node offers one peer: its services in ascending
// order of name (bytewise). No services is a valid announcement: the node
// offers nothing beyond kith's base protocols.
type Announcement struct {
	Services []Service `json:"services,omitempty"`
}

// Offers returns the service named name, if the announcement has it.
func (a Announcement) Offers(name string) (Service, bool) {
	for _, s := range a.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// ErrVersion is returned (wrapped) by Decode for an announcement of
// another version than Version: a newer peer's, which the reader ignores.
var ErrVersion = errors.New("announcement of an unknown version")

// ErrMalformed is wrapped by every other error of Decode.
var ErrMalformed = errors.New("malformed services announcement")

// Encode returns the canonical encoding of a, with its services sorted by
// name and each service's limits by key, or an error naming what is out of
// bounds (a name, a repeat, too many services or limits, too many bytes).
func (a Announcement) Encode() ([]byte, error) {
	svcs := slices.Clone(a.Services)
	slices.SortFunc(svcs, func(x, y Service) int { return strings.Compare(x.Name, y.Name) })
	if len(svcs) > MaxServices {
		return nil, fmt.Errorf("services: %d services, more than %d", len(svcs), MaxServices)
	}
	out := cborwire.AppendArray(nil, 2)
	out = cborwire.AppendUint(out, Version)
	out = cborwire.AppendArray(out, len(svcs))
	for i, s := range svcs {
		if err := checkName(s.Name); err != nil {
			return nil, fmt.Errorf("services: %w", err)
		}
		if i > 0 && svcs[i-1].Name == s.Name {
			return nil, fmt.Errorf("services: service %q is named twice", s.Name)
		}
		limits := slices.Clone(s.Limits)
		slices.SortFunc(limits, func(x, y Limit) int { return cmp.Compare(x.Key, y.Key) })
		if len(limits) > MaxLimits {
			return nil, fmt.Errorf("services: service %q has %d limits, more than %d", s.Name, len(limits), MaxLimits)
		}
		out = cborwire.AppendArray(out, 2)
		out = cborwire.AppendText(out, s.Name)
		out = cborwire.AppendArray(out, len(limits))
		for j, l := range limits {
			if j > 0 && limits[j-1].Key == l.Key {
				return nil, fmt.Errorf("services: service %q states limit %d twice", s.Name, l.Key)
			}
			out = cborwire.AppendArray(out, 2)
			out = cborwire.AppendUint(out, l.Key)
			out = cborwire.AppendUint(out, l.Value)
		}
	}
	if len(out) > MaxMessage {
		return nil, fmt.Errorf("services: the announcement is %d bytes, more than %d", len(out), MaxMessage)
	}
	return out, nil
}

// Decode reads an announcement from its canonical encoding. Anything else
// (other CBOR, a name out of its alphabet, services or limits out of order
// or repeated, a bound exceeded, trailing bytes) is an error wrapping
// ErrMalformed; another version is an error wrapping ErrVersion. Unknown
// service names and limit keys are kept: the caller ignores what it does
// not know.
func Decode(body []byte) (Announcement, error) {
	if len(body) > MaxMessage {
		return Announcement{}, fmt.Errorf("%w: %d bytes, more than %d", ErrMalformed, len(body), MaxMessage)
	}
	r := cborwire.NewReader(body, nil)
	_, err := r.Array("announcement", 2, 2)
	if err != nil {
		return Announcement{}, malformed(err)
	}
	v, err := r.Uint("version", ^uint64(0))
	if err != nil {
		return Announcement{}, malformed(err)
	}
	if v != Version {
		return Announcement{}, fmt.Errorf("%w: version %d, this node reads %d", ErrVersion, v, Version)
	}
	count, err := r.Array("services", 0, MaxServices)
	if err != nil {
		return Announcement{}, malformed(err)
	}
	var a Announcement
	for i := 0; i < count; i++ {
		if _, err := r.Array("service", 2, 2); err != nil {
			return Announcement{}, malformed(err)
		}
		at := r.Offset()
		name, err := r.Text("service name", 1, MaxNameLen)
		if err != nil {
			return Announcement{}, malformed(err)
		}
		if err := checkName(name); err != nil {
			return Announcement{}, fmt.Errorf("%w: byte %d: %v", ErrMalformed, at, err)
		}
		if i > 0 && a.Services[i-1].Name >= name {
			return Announcement{}, fmt.Errorf("%w: byte %d: service %q follows %q: names must be ascending, without repeats", ErrMalformed, at, name, a.Services[i-1].Name)
		}
		nl, err := r.Array("limits", 0, MaxLimits)
		if err != nil {
			return Announcement{}, malformed(err)
		}
		s := Service{Name: name}
		for j := 0; j < nl; j++ {
			if _, err := r.Array("limit", 2, 2); err != nil {
				return Announcement{}, malformed(err)
			}
			at := r.Offset()
			key, err := r.Uint("limit key", ^uint64(0))
			if err != nil {
				return Announcement{}, malformed(err)
			}
			if j > 0 && s.Limits[j-1].Key >= key {
				return Announcement{}, fmt.Errorf("%w: byte %d: limit key %d of %q follows %d: keys must be ascending, without repeats", ErrMalformed, at, key, name, s.Limits[j-1].Key)
			}
			val, err := r.Uint("limit value", ^uint64(0))
			if err != nil {
				return Announcement{}, malformed(err)
			}
			s.Limits = append(s.Limits, Limit{Key: key, Value: val})
		}
		a.Services = append(a.Services, s)
	}
	if err := r.End(); err != nil {
		return Announcement{}, malformed(err)
	}
	return a, nil
}

func malformed(err error) error { return fmt.Errorf("%w: %v", ErrMalformed, err) }

// checkName checks a service name: 1 to MaxNameLen bytes of a–z, 0–9 and
// '-', starting with a letter.
func checkName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("service name %q: want 1 to %d bytes", name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '-')
		if !ok {
			return fmt.Errorf("service name %q: byte %d is not a–z (first) or a–z, 0–9, '-'", name, i)
		}
	}
	return nil
}
