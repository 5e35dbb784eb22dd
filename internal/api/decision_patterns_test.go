package api_test

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

func names(ps []wire.ConversationPerson) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestDecisionPatternEndpoints: an announcement acknowledged by all, an
// invitation whose last place goes to the first yes and frees for the
// one waiting, a debate whose arguments answer each other, and a stated
// deadline that this node declares passed only once its clock has
// reached it.
func TestDecisionPatternEndpoints(t *testing.T) {
	a := spaceFixture(t, "Ann")
	b := spaceFixture(t, "Bea")
	c := spaceFixture(t, "Cyd")
	vid := decisionVillage(t, a, b, c)
	view := func(f *fixture, id string) wire.Decision {
		t.Helper()
		spread(t, a, b, c)
		var d wire.Decision
		f.call("GET", "/api/v1/decisions/"+id, nil, &d)
		return d
	}

	// Announcement: Bea speaks; Ann and Cyd acknowledge; unanimity holds.
	var ann wire.ConversationEntry
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "Water off on Monday", Pattern: "announcement",
		Method: "unanimity", Speaker: b.n.Account().Key().Account().String()}, &ann)
	a.expectError("POST", "/api/v1/decisions/"+ann.ID+"/say", `{"text":"me too"}`, 409, wire.CodeConflict, "")
	spread(t, a, b, c)
	var e wire.ConversationEntry
	a.call("POST", "/api/v1/decisions/"+ann.ID+"/ack", struct{}{}, &e)
	d := view(c, ann.ID)
	if d.Speaker == nil || d.Speaker.Name != "Bea" || !slices.Equal(names(d.Acknowledged), []string{"Ann"}) || d.Closed {
		t.Fatalf("after Ann's ack: speaker %+v, acknowledged %q, closed %v", d.Speaker, names(d.Acknowledged), d.Closed)
	}
	c.call("POST", "/api/v1/decisions/"+ann.ID+"/ack", struct{}{}, &e)
	if d = view(a, ann.ID); !d.Closed || d.Outcome == nil {
		t.Fatalf("after every ack: closed %v, outcome %+v, needed %q", d.Closed, d.Outcome, d.Needed)
	}

	// Invitation with one place: Bea says yes first, Cyd waits; Bea's no
	// gives Cyd the place.
	var inv wire.ConversationEntry
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "Canoe trip", Pattern: "invitation",
		Method: "quorum", Params: []uint64{3}, Places: 1}, &inv)
	a.expectError("POST", "/api/v1/decisions/"+inv.ID+"/answer", `{"answer":"perhaps"}`, 400, wire.CodeBadRequest, `"perhaps" is not yes, no or maybe`)
	spread(t, a, b, c)
	b.call("POST", "/api/v1/decisions/"+inv.ID+"/answer", wire.ConversationAnswer{Answer: "yes"}, &e)
	spread(t, a, b, c)
	c.call("POST", "/api/v1/decisions/"+inv.ID+"/answer", wire.ConversationAnswer{Answer: "yes"}, &e)
	d = view(a, inv.ID)
	if d.Places != 1 || !slices.Equal(names(d.Guests), []string{"Bea"}) || !slices.Equal(names(d.Waiting), []string{"Cyd"}) {
		t.Fatalf("invitation: places %d, guests %q, waiting %q", d.Places, names(d.Guests), names(d.Waiting))
	}
	b.call("POST", "/api/v1/decisions/"+inv.ID+"/answer", wire.ConversationAnswer{Answer: "no"}, &e)
	if d = view(a, inv.ID); !slices.Equal(names(d.Guests), []string{"Cyd"}) || len(d.Waiting) != 0 {
		t.Fatalf("after Bea's no: guests %q, waiting %q", names(d.Guests), names(d.Waiting))
	}

	// Debate: an argument for, one against answering it.
	var deb wire.ConversationEntry
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "A bench by the pond", Pattern: "debate",
		Method: "majority-of-voters", Text: "We put a bench by the pond."}, &deb)
	a.expectError("POST", "/api/v1/decisions/"+deb.ID+"/argue", `{"side":"sideways","text":"x"}`, 400, wire.CodeBadRequest, `"sideways" is not for or against`)
	var pro wire.ConversationEntry
	a.call("POST", "/api/v1/decisions/"+deb.ID+"/argue", wire.ConversationArgument{Side: "for", Text: "Old people need a rest."}, &pro)
	spread(t, a, b, c)
	b.call("POST", "/api/v1/decisions/"+deb.ID+"/argue", wire.ConversationArgument{Side: "against", Text: "The path is too narrow.", Answers: pro.ID}, &e)
	d = view(c, deb.ID)
	if len(d.Arguments) != 2 || d.Arguments[0] != (wire.ConversationArgumentView{ID: pro.ID, Author: d.Arguments[0].Author, Side: "for", Text: "Old people need a rest."}) ||
		d.Arguments[1].Side != "against" || d.Arguments[1].Answers != pro.ID || d.Arguments[1].Author.Name != "Bea" || d.Arguments[0].Author.Name != "Ann" {
		t.Fatalf("arguments %+v", d.Arguments)
	}

	// Deadlines: none stated, not yet reached by this clock, passed.
	a.expectError("POST", "/api/v1/decisions/"+deb.ID+"/deadline", "{}", 409, wire.CodeConflict, "states no deadline")
	a.expectError("POST", "/api/v1/decisions", `{"village":"`+vid+`","topic":"x","pattern":"proposal","method":"consent","text":"y","deadline":"Friday"}`, 400, wire.CodeBadRequest, `"Friday" is not a time`)
	var later, past wire.ConversationEntry
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "Repaint in 2100", Pattern: "proposal", Method: "majority-of-voters",
		Text: "Green", Deadline: "2100-01-01T00:00:00Z"}, &later)
	a.expectError("POST", "/api/v1/decisions/"+later.ID+"/deadline", "{}", 409, wire.CodeConflict, "the stated deadline is 2100-01-01T00:00:00Z; by this device's clock it has not passed yet")
	a.call("POST", "/api/v1/decisions", wire.ConversationStart{Village: vid, Topic: "Repaint in 2000", Pattern: "proposal", Method: "majority-of-voters",
		Text: "Green", Deadline: "2000-01-01T00:00:00Z"}, &past)
	spread(t, a, b, c)
	b.call("POST", "/api/v1/decisions/"+past.ID+"/position", wire.ConversationPosition{Position: "agree"}, &e)
	spread(t, a, b, c)
	if d = view(a, past.ID); d.Tally.Deadline {
		t.Fatalf("deadline passed before anyone declared it: %+v", d.Tally)
	}
	a.call("POST", "/api/v1/decisions/"+past.ID+"/deadline", struct{}{}, &e)
	if d = view(c, past.ID); !d.Tally.Deadline {
		t.Fatalf("after Ann's declaration, on Cyd: tally %+v, deadline %q", d.Tally, d.Deadline)
	}
}
