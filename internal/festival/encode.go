package festival

import (
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/entry"
)

// keyLess orders map keys canonically: shorter first, then bytewise.
func keyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// mapWriter collects a payload map's pairs and writes them in canonical
// key order.
type mapWriter struct {
	keys []string
	vals [][]byte
}

func (m *mapWriter) add(k string, v []byte) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

func (m *mapWriter) text(k, s string) {
	if s != "" {
		m.add(k, cborwire.AppendText(nil, s))
	}
}

func (m *mapWriter) id(k string, x entry.ID) {
	if !x.IsZero() {
		m.add(k, cborwire.AppendBytes(nil, x[:]))
	}
}

func (m *mapWriter) ids(k string, xs []entry.ID) {
	if len(xs) == 0 {
		return
	}
	b := cborwire.AppendArray(nil, len(xs))
	for _, x := range xs {
		b = cborwire.AppendBytes(b, x[:])
	}
	m.add(k, b)
}

func appendWindow(b []byte, w Window) []byte {
	return cborwire.AppendUint(cborwire.AppendUint(cborwire.AppendArray(b, 2), w.Start), w.End)
}

func (m *mapWriter) bytes() []byte {
	ord := make([]int, len(m.keys))
	for i := range ord {
		ord[i] = i
	}
	slices.SortFunc(ord, func(a, b int) int {
		if keyLess(m.keys[a], m.keys[b]) {
			return -1
		}
		return 1
	})
	out := cborwire.AppendHead(nil, cborwire.Major(5), uint64(len(ord)))
	for _, i := range ord {
		out = append(cborwire.AppendText(out, m.keys[i]), m.vals[i]...)
	}
	return out
}

// Encode returns the canonical encoding of p after checking it.
func Encode(p Payload) ([]byte, error) {
	if err := Check(p); err != nil {
		return nil, err
	}
	out := fields(p).bytes()
	if len(out) > MaxPayloadSize {
		return nil, &Error{Type: p.Type(), Msg: fmt.Sprintf("%d bytes exceeds the limit of %d", len(out), MaxPayloadSize)}
	}
	return out, nil
}

// fields collects p's pairs, unchecked.
func fields(p Payload) *mapWriter {
	m := &mapWriter{}
	m.text("type", p.Type())
	m.ids("refs", p.causal().Refs)
	switch p := p.(type) {
	case *Create:
		m.text("name", p.Name)
		m.text("text", p.Text)
		m.id("parent", p.Parent)
		m.id("home", p.Home)
	case *Resource:
		m.id("festival", p.Festival)
		m.text("kind", p.Kind)
		m.text("name", p.Name)
		m.text("text", p.Text)
		if p.Capacity > 0 {
			m.add("capacity", cborwire.AppendUint(nil, p.Capacity))
		}
		if len(p.Windows) > 0 {
			b := cborwire.AppendArray(nil, len(p.Windows))
			for _, w := range p.Windows {
				b = appendWindow(b, w)
			}
			m.add("windows", b)
		}
		if p.Geo != nil {
			m.add("geo", cborwire.AppendUint(cborwire.AppendUint(cborwire.AppendArray(nil, 2), p.Geo.Lat), p.Geo.Lon))
		}
		m.text("address", p.Address)
		m.text("url", p.URL)
		m.text("policy", p.Policy)
		if len(p.Params) > 0 {
			b := cborwire.AppendArray(nil, len(p.Params))
			for _, v := range p.Params {
				b = cborwire.AppendUint(b, v)
			}
			m.add("params", b)
		}
	case *Event:
		m.id("festival", p.Festival)
		m.text("name", p.Name)
		m.text("text", p.Text)
		m.add("span", appendWindow(nil, p.Span))
		m.ids("needs", p.Needs)
	case *Request:
		m.id("festival", p.Festival)
		m.id("event", p.Event)
		m.id("resource", p.Resource)
		m.add("window", appendWindow(nil, p.Window))
	case *Authorize:
		m.id("festival", p.Festival)
		m.id("request", p.Request)
		m.id("resource", p.Resource)
		m.text("decision", p.Decision)
		m.text("policy", p.Policy)
		m.text("reason", p.Reason)
	case *Withdraw:
		m.id("festival", p.Festival)
		m.id("target", p.Target)
		m.text("reason", p.Reason)
	}
	return m
}
