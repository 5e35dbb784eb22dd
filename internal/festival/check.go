package festival

import (
	"bytes"
	"net/url"

	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
)

// Check applies the rules of festival.md §2 to a payload: the limits of
// every field and the rules that span fields. Decode applies it to what it
// reads; Encode to what it writes.
func Check(p Payload) error {
	t := p.Type()
	if err := checkIDs(t, "refs", p.causal().Refs, 1, MaxRefs, true); err != nil {
		return err
	}
	switch p := p.(type) {
	case *Create:
		if err := checkName(t, "name", p.Name, MaxNameLen); err != nil {
			return err
		}
		return checkText(t, "text", p.Text, MaxTextLen)
	case *Resource:
		return checkResource(p)
	case *Event:
		if err := need(t, "festival", p.Festival); err != nil {
			return err
		}
		if err := checkName(t, "name", p.Name, MaxEventName); err != nil {
			return err
		}
		if err := checkText(t, "text", p.Text, MaxTextLen); err != nil {
			return err
		}
		if why := checkWindow(p.Span, MaxSpan); why != "" {
			return fieldErr(t, "span", "%s", why)
		}
		return checkIDs(t, "needs", p.Needs, 1, MaxNeeds, true)
	case *Request:
		for _, f := range []struct {
			k  string
			id entry.ID
		}{{"festival", p.Festival}, {"event", p.Event}, {"resource", p.Resource}} {
			if err := need(t, f.k, f.id); err != nil {
				return err
			}
		}
		if why := checkWindow(p.Window, MaxSpan); why != "" {
			return fieldErr(t, "window", "%s", why)
		}
	case *Authorize:
		for _, f := range []struct {
			k  string
			id entry.ID
		}{{"festival", p.Festival}, {"request", p.Request}, {"resource", p.Resource}} {
			if err := need(t, f.k, f.id); err != nil {
				return err
			}
		}
		if p.Decision != DecisionGrant && p.Decision != DecisionDeny {
			return fieldErr(t, "decision", "%q: want grant or deny", p.Decision)
		}
		if err := checkToken(t, "policy", p.Policy); err != nil {
			return err
		}
		return checkText(t, "reason", p.Reason, MaxReasonLen)
	case *Withdraw:
		if err := need(t, "festival", p.Festival); err != nil {
			return err
		}
		if err := need(t, "target", p.Target); err != nil {
			return err
		}
		return checkText(t, "reason", p.Reason, MaxReasonLen)
	}
	return nil
}

func checkResource(p *Resource) error {
	t := TypeResource
	if err := need(t, "festival", p.Festival); err != nil {
		return err
	}
	if err := checkToken(t, "kind", p.Kind); err != nil {
		return err
	}
	if err := checkName(t, "name", p.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText(t, "text", p.Text, MaxTextLen); err != nil {
		return err
	}
	if p.Capacity > MaxCapacity {
		return fieldErr(t, "capacity", "%d exceeds the limit %d", p.Capacity, MaxCapacity)
	}
	if p.Windows != nil && (len(p.Windows) == 0 || len(p.Windows) > MaxWindows) {
		return fieldErr(t, "windows", "%d windows, want 1 to %d (leave the key out for always)", len(p.Windows), MaxWindows)
	}
	for i, w := range p.Windows {
		if why := checkWindow(w, 0); why != "" {
			return fieldErr(t, "windows", "windows[%d]: %s", i, why)
		}
		if i > 0 && p.Windows[i-1].End >= w.Start {
			return fieldErr(t, "windows", "windows[%d] does not start after windows[%d] ends: sorted, not overlapping, not touching (write adjacent windows as one)", i, i-1)
		}
	}
	if g := p.Geo; g != nil && (g.Lat > MaxLat || g.Lon > MaxLon) {
		return fieldErr(t, "geo", "[%d, %d]: want latitude 0–%d and longitude 0–%d (degrees + 90 and + 180, in millionths)", g.Lat, g.Lon, MaxLat, MaxLon)
	}
	if err := checkText(t, "address", p.Address, MaxAddressLen); err != nil {
		return err
	}
	if err := checkText(t, "url", p.URL, MaxURLLen); err != nil {
		return err
	}
	if p.URL != "" {
		if err := checkURL(p.URL); err != "" {
			return fieldErr(t, "url", "%s", err)
		}
	}
	if p.Kind == KindLocation && p.Geo == nil && p.Address == "" && p.URL == "" {
		return fieldErr(t, "kind", "a location needs a place: geo, address or url")
	}
	if err := checkToken(t, "policy", p.Policy); err != nil {
		return err
	}
	if p.Params != nil && (len(p.Params) == 0 || len(p.Params) > MaxParams) {
		return fieldErr(t, "params", "%d parameters, want 1 to %d (leave the key out for none)", len(p.Params), MaxParams)
	}
	for i, v := range p.Params {
		if v > MaxParam {
			return fieldErr(t, "params", "params[%d] = %d exceeds the limit %d", i, v, MaxParam)
		}
	}
	return nil
}

func need(t, k string, id entry.ID) error {
	if id.IsZero() {
		return fieldErr(t, k, "missing or all zero")
	}
	return nil
}

func checkName(t, k, s string, hi int) error {
	if len(s) == 0 || len(s) > hi {
		return fieldErr(t, k, "%d bytes, want 1 to %d", len(s), hi)
	}
	if err := content.CheckName(s); err != nil {
		return fieldErr(t, k, "%s", err.Error())
	}
	return nil
}

func checkText(t, k, s string, hi int) error {
	if len(s) > hi {
		return fieldErr(t, k, "%d bytes, want at most %d", len(s), hi)
	}
	return nil
}

// checkToken checks a kind or policy name: a lowercase ASCII letter, then
// lowercase letters, digits and '-', 1 to MaxTokenLen bytes.
func checkToken(t, k, s string) error {
	if why := tokenProblem(s); why != "" {
		return fieldErr(t, k, "%q: %s", s, why)
	}
	return nil
}

func tokenProblem(s string) string {
	if len(s) == 0 || len(s) > MaxTokenLen {
		return "want 1 to 32 bytes"
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '-')) {
			return "want a lowercase letter, then lowercase letters, digits and '-'"
		}
	}
	return ""
}

func checkURL(s string) string {
	for i := range len(s) {
		if s[i] <= 0x20 || s[i] >= 0x7f {
			return "only printable ASCII without spaces"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "want an absolute URL with a scheme"
	}
	return ""
}

// checkIDs checks a list of ids: absent (nil) or lo to hi ids, none all
// zero, sorted ascending without repeats when sorted is set.
func checkIDs(t, k string, xs []entry.ID, lo, hi int, sorted bool) error {
	if xs == nil {
		return nil
	}
	if len(xs) < lo || len(xs) > hi {
		return fieldErr(t, k, "%d ids, want %d to %d (leave the key out for none)", len(xs), lo, hi)
	}
	for i, x := range xs {
		if x.IsZero() {
			return fieldErr(t, k, "%s[%d] is all zero", k, i)
		}
		if sorted && i > 0 && bytes.Compare(xs[i-1][:], x[:]) >= 0 {
			return fieldErr(t, k, "%s[%d] is not after %s[%d]: sorted ascending without repeats", k, i, k, i-1)
		}
	}
	return nil
}
