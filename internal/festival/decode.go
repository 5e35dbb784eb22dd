package festival

import (
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// keys lists each type's keys and whether each is required.
var keys = map[string]map[string]bool{
	TypeCreate: {"type": true, "refs": false, "name": true, "text": false, "parent": false, "home": false},
	TypeResource: {"type": true, "refs": false, "festival": true, "kind": true, "name": true, "text": false,
		"capacity": false, "windows": false, "geo": false, "address": false, "url": false, "policy": true, "params": false},
	TypeEvent:     {"type": true, "refs": false, "festival": true, "name": true, "text": false, "span": true, "needs": false},
	TypeRequest:   {"type": true, "refs": false, "festival": true, "event": true, "resource": true, "window": true},
	TypeAuthorize: {"type": true, "refs": false, "festival": true, "request": true, "resource": true, "decision": true, "policy": true, "reason": false},
	TypeWithdraw:  {"type": true, "refs": false, "festival": true, "target": true, "reason": false},
}

// IsFestivalType reports whether typ is a festival payload type.
func IsFestivalType(typ string) bool { return keys[typ] != nil }

// Decode strictly decodes a festival payload: one canonical CBOR map holding
// exactly the keys festival.md lists for its type, each within its limits,
// and satisfying Check. Errors name the type, the field and the byte
// offset. It never panics.
func Decode(payload []byte) (Payload, error) {
	if len(payload) > MaxPayloadSize {
		return nil, &Error{Type: "payload", Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(payload), MaxPayloadSize)}
	}
	typ, err := content.PeekType(payload)
	if err != nil {
		return nil, &Error{Type: "payload", Msg: strings.TrimPrefix(err.Error(), "payload: ")}
	}
	spec := keys[typ]
	if spec == nil {
		return nil, &Error{Type: typ, Msg: "not a festival payload type"}
	}
	var p Payload
	switch typ {
	case TypeCreate:
		p = &Create{}
	case TypeResource:
		p = &Resource{}
	case TypeEvent:
		p = &Event{}
	case TypeRequest:
		p = &Request{}
	case TypeAuthorize:
		p = &Authorize{}
	case TypeWithdraw:
		p = &Withdraw{}
	}
	d := &decoder{typ: typ}
	at, err := cborwire.ReadPayloadMap(payload, "festival", spec, func(r *cborwire.Reader, key string) error {
		d.r = r
		return d.field(p, key)
	})
	if me, ok := err.(*cborwire.MapError); ok {
		return nil, fieldErr(typ, me.Key, "%s", me.Msg)
	}
	if err != nil {
		return nil, err
	}
	if err := Check(p); err != nil {
		// Locate the rule that spans a field at that field's value.
		if e, ok := err.(*Error); ok {
			if i, ok := at[e.Field]; ok {
				e.Msg = fmt.Sprintf("byte %d: %s", i, e.Msg)
			}
		}
		return nil, err
	}
	return p, nil
}

type decoder struct {
	typ string
	r   *cborwire.Reader
}

func (d *decoder) wrap(field string, err error) error {
	if err == nil {
		return nil
	}
	return fieldErr(d.typ, field, "%s", err.Error())
}

func (d *decoder) id(what string, dst *entry.ID) error {
	at := d.r.Offset() + 1
	if err := d.r.Fixed(what, dst[:]); err != nil {
		return d.wrap(what, err)
	}
	if dst.IsZero() {
		return fieldErr(d.typ, what, "byte %d: an all-zero id is never valid", at)
	}
	return nil
}

func (d *decoder) ids(what string, hi int) ([]entry.ID, error) {
	n, err := d.r.Array(what, 1, hi)
	if err != nil {
		return nil, d.wrap(what, err)
	}
	out := make([]entry.ID, n)
	for i := range out {
		if err := d.id(what, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *decoder) text(what string, dst *string, lo, hi int) error {
	s, err := d.r.Text(what, lo, hi)
	*dst = s
	return d.wrap(what, err)
}

func (d *decoder) uint(what string, max uint64) (uint64, error) {
	v, err := d.r.Uint(what, max)
	return v, d.wrap(what, err)
}

// pair reads an array of exactly two unsigned integers, each at most max.
func (d *decoder) pair(what string, max uint64) (a, b uint64, err error) {
	if _, err := d.r.Array(what, 2, 2); err != nil {
		return 0, 0, d.wrap(what, err)
	}
	if a, err = d.uint(what, max); err != nil {
		return 0, 0, err
	}
	b, err = d.uint(what, max)
	return a, b, err
}

func (d *decoder) window(what string, dst *Window) error {
	var err error
	dst.Start, dst.End, err = d.pair(what, MaxTime)
	return err
}

// field reads the value of key into p.
func (d *decoder) field(p Payload, key string) error {
	switch key {
	case "type":
		var s string
		return d.text(key, &s, 1, 64)
	case "refs":
		var err error
		p.causal().Refs, err = d.ids(key, MaxRefs)
		return err
	}
	switch p := p.(type) {
	case *Create:
		switch key {
		case "name":
			return d.text(key, &p.Name, 1, MaxNameLen)
		case "text":
			return d.text(key, &p.Text, 1, MaxTextLen)
		case "parent":
			return d.id(key, &p.Parent)
		case "home":
			return d.id(key, &p.Home)
		}
	case *Resource:
		return d.resource(p, key)
	case *Event:
		switch key {
		case "festival":
			return d.id(key, &p.Festival)
		case "name":
			return d.text(key, &p.Name, 1, MaxEventName)
		case "text":
			return d.text(key, &p.Text, 1, MaxTextLen)
		case "span":
			return d.window(key, &p.Span)
		case "needs":
			var err error
			p.Needs, err = d.ids(key, MaxNeeds)
			return err
		}
	case *Request:
		switch key {
		case "festival":
			return d.id(key, &p.Festival)
		case "event":
			return d.id(key, &p.Event)
		case "resource":
			return d.id(key, &p.Resource)
		case "window":
			return d.window(key, &p.Window)
		}
	case *Authorize:
		switch key {
		case "festival":
			return d.id(key, &p.Festival)
		case "request":
			return d.id(key, &p.Request)
		case "resource":
			return d.id(key, &p.Resource)
		case "decision":
			return d.text(key, &p.Decision, 1, 8)
		case "policy":
			return d.text(key, &p.Policy, 1, MaxTokenLen)
		case "reason":
			return d.text(key, &p.Reason, 1, MaxReasonLen)
		}
	case *Withdraw:
		switch key {
		case "festival":
			return d.id(key, &p.Festival)
		case "target":
			return d.id(key, &p.Target)
		case "reason":
			return d.text(key, &p.Reason, 1, MaxReasonLen)
		}
	}
	return fieldErr(d.typ, key, "unknown key")
}

func (d *decoder) resource(p *Resource, key string) error {
	var err error
	switch key {
	case "festival":
		return d.id(key, &p.Festival)
	case "kind":
		return d.text(key, &p.Kind, 1, MaxTokenLen)
	case "name":
		return d.text(key, &p.Name, 1, MaxNameLen)
	case "text":
		return d.text(key, &p.Text, 1, MaxTextLen)
	case "address":
		return d.text(key, &p.Address, 1, MaxAddressLen)
	case "url":
		return d.text(key, &p.URL, 1, MaxURLLen)
	case "policy":
		return d.text(key, &p.Policy, 1, MaxTokenLen)
	case "capacity":
		at := d.r.Offset() + 1
		if p.Capacity, err = d.uint(key, MaxCapacity); err == nil && p.Capacity == 0 {
			return fieldErr(d.typ, key, "byte %d: 0: leave the key out when not stated", at)
		}
		return err
	case "geo":
		var g Geo
		if g.Lat, g.Lon, err = d.pair(key, MaxLon); err != nil {
			return err
		}
		p.Geo = &g
		return nil
	case "params":
		n, err := d.r.Array(key, 1, MaxParams)
		if err != nil {
			return d.wrap(key, err)
		}
		p.Params = make([]uint64, n)
		for i := range p.Params {
			if p.Params[i], err = d.uint(key, MaxParam); err != nil {
				return err
			}
		}
		return nil
	case "windows":
		n, err := d.r.Array(key, 1, MaxWindows)
		if err != nil {
			return d.wrap(key, err)
		}
		p.Windows = make([]Window, n)
		for i := range p.Windows {
			if err := d.window(key, &p.Windows[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return fieldErr(d.typ, key, "unknown key")
}
