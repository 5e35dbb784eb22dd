package festival

import (
	"bytes"
	"slices"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/identity"
)

// Due returns the authorizations the node of owner (an account) is due to
// publish (festival.md §3, "Authorizations"): for every request to a
// resource owner owns whose status its automatic policy or the rules
// decided, and that no authorization of the owner's confirms as it now
// stands, a grant or a denial saying what was derived. Requests left to
// the owner (manual confirmation, a policy this node does not know),
// pending or withdrawn are not due; the owner decides those. Resources
// come by id, requests in the causal order.
//
// A node publishes them with references to what it holds, so that its
// grants anchor first come (a request it had not seen does not displace
// one it confirmed).
func (s *State) Due(owner identity.PublicKey) []*Authorize {
	var ress []*ResourceState
	for _, r := range s.Resources {
		if r.Owner == owner && r.policy != nil && r.Withdrawn.IsZero() {
			ress = append(ress, r)
		}
	}
	slices.SortFunc(ress, func(a, b *ResourceState) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	var out []*Authorize
	for _, r := range ress {
		for _, k := range r.Requests {
			q := s.Requests[k]
			if q.ByOwner || (q.Status != StatusGranted && q.Status != StatusDenied) {
				continue
			}
			if !q.Confirmed.IsZero() && q.confirmedAs == q.Status {
				continue
			}
			a := &Authorize{Festival: s.Events[q.Event].Festival, Request: k.Entry, Resource: k.Resource,
				Decision: DecisionGrant, Policy: r.Payload.Policy}
			if q.Status == StatusDenied {
				a.Decision = DecisionDeny
				a.Reason = clip(q.Reason, MaxReasonLen)
			}
			out = append(out, a)
		}
	}
	return out
}

// clip cuts s to at most n bytes, at the start of a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
