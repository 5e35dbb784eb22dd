package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
)

// spaceFixture serves a new node with the given profile name, with an
// api.Server that ends its event streams when the test does.
func spaceFixture(t *testing.T, name string) *fixture {
	t.Helper()
	n, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	srv, _, token := serveWith(t, n, api.Options{})
	f := &fixture{t: t, n: n, srv: srv, token: token}
	f.call("PUT", "/api/v1/profile", map[string]string{"name": name}, nil)
	return f
}

// spread gives every fixture's entries to every other, as replication
// would.
func spread(t *testing.T, fs ...*fixture) {
	t.Helper()
	for _, from := range fs {
		for _, to := range fs {
			if from != to {
				copyEntries(t, from.n, to.n)
			}
		}
	}
}

// memberLine is a member as a test compares it.
func memberLines(ms []wire.SpaceMember) []string {
	var out []string
	for _, m := range ms {
		line := m.Name + " " + m.Role
		if m.Me {
			line += " (me)"
		}
		out = append(out, line)
	}
	return out
}

func messageLines(ms []wire.SpaceMessage) []string {
	var out []string
	for _, m := range ms {
		line := m.Name + " " + m.Status + " " + m.Text
		if m.Mine {
			line += " (mine)"
		}
		out = append(out, line)
	}
	return out
}

func sortedLines(ms []wire.SpaceMessage) []string {
	out := messageLines(ms)
	slices.Sort(out)
	return out
}

func TestSpaceEndpoints(t *testing.T) {
	a := spaceFixture(t, "Ann")
	b := spaceFixture(t, "Bea")
	c := spaceFixture(t, "Cyd")
	accA, accB, accC := a.n.Account().String(), b.n.Account().String(), c.n.Account().String()
	spread(t, a, b, c) // profiles

	// Bad input first: nothing is created.
	a.expectError("POST", "/api/v1/spaces", `{"name":"Garden","members":["`+b.n.Device().String()+`"]}`, 400, wire.CodeBadRequest, "members: expected an account id (acc_…), got a device id (dev_…)")
	a.expectError("POST", "/api/v1/spaces", `{"name":"","members":["`+accB+`"]}`, 400, wire.CodeBadRequest, "name")
	a.expectError("POST", "/api/v1/spaces", `{"name":"Garden","village":"`+entry.ID{7}.String()+`"}`, 404, wire.CodeNotFound, "no such village")
	a.expectError("POST", "/api/v1/spaces", `{"name":"Garden","village":"`+entry.ID{7}.String()+`","members":["`+accB+`"]}`, 400, wire.CodeBadRequest, "leave members out")
	a.expectError("POST", "/api/v1/spaces", `{"nom":"Garden"}`, 400, wire.CodeBadRequest, "")
	var list wire.SpaceList
	a.call("GET", "/api/v1/spaces", nil, &list)
	if len(list.Spaces) != 0 {
		t.Fatalf("spaces after refused creations: %+v", list)
	}

	var created wire.SpaceEntry
	a.call("POST", "/api/v1/spaces", wire.SpaceCreate{Name: "Garden", Members: []string{accB, accC}}, &created)
	if created.ID != created.Space || !strings.HasPrefix(created.ID, "ent_") {
		t.Fatalf("create answer %+v", created)
	}
	sp := "/api/v1/spaces/" + created.Space
	a.call("GET", "/api/v1/spaces", nil, &list)
	if want := []wire.SpaceSummary{{ID: created.Space, Name: "Garden", Role: "admin", Members: 3}}; !slices.Equal(list.Spaces, want) {
		t.Fatalf("A's spaces %+v, want %+v", list.Spaces, want)
	}
	var sa wire.Space
	a.call("GET", sp, nil, &sa)
	if got, want := memberLines(sa.Members), []string{"Ann admin (me)", "Bea member", "Cyd member"}; !slices.Equal(got, want) {
		t.Errorf("A's members %q, want %q", got, want)
	}
	if sa.Name != "Garden" || sa.Me != accA || sa.Role != "admin" || !sa.CanWrite || sa.Waiting != "" || sa.EpochsOpened != 1 || len(sa.Ignored) != 0 || sa.History {
		t.Errorf("A's space %+v", sa)
	}
	// The history setting travels to the space and back.
	var withHistory wire.SpaceEntry
	a.call("POST", "/api/v1/spaces", wire.SpaceCreate{Name: "Choir", Members: []string{accB}, History: true}, &withHistory)
	var sh wire.Space
	a.call("GET", "/api/v1/spaces/"+withHistory.Space, nil, &sh)
	if !sh.History || sh.Name != "Choir" {
		t.Errorf("a space created with history: %+v", sh)
	}
	a.expectError("GET", "/api/v1/spaces/xyz", "", 400, wire.CodeBadRequest, "space")
	a.expectError("GET", "/api/v1/spaces/"+entry.ID{9}.String(), "", 404, wire.CodeNotFound, "no space "+entry.ID{9}.String()+" is held here")
	a.expectError("GET", sp+"/messages?limit=0", "", 400, wire.CodeBadRequest, "limit")
	a.expectError("GET", sp+"/messages?after=1", "", 400, wire.CodeBadRequest, "after")

	// B holds the space but no key yet: it may not seal, and says why.
	spread(t, a, b, c)
	var sb wire.Space
	b.call("GET", sp, nil, &sb)
	if sb.Role != "member" || sb.CanWrite || !strings.Contains(sb.Waiting, "no key of the current epoch") {
		t.Errorf("B's space before its key: role %q, can_write %v, waiting %q", sb.Role, sb.CanWrite, sb.Waiting)
	}
	b.expectError("POST", sp+"/messages", `{"text":"too early"}`, 409, wire.CodeSpaceWaiting, "holds no key of \"Garden\"'s current epoch yet")
	// B's and C's nodes published their encryption keys on that read; A's
	// wraps the epoch to them.
	c.call("GET", sp, nil, nil)
	spread(t, a, b, c)
	a.call("GET", sp, nil, nil)
	spread(t, a, b, c)

	// A live stream on A tells of B's message once it is stored (here
	// imported from a bundle of B's entries): which space and entry, not
	// its text.
	events, _ := openEvents(t, t.Context(), a.srv.URL, a.token)
	if e := nextEvent(t, events, false); e.name != "hello" {
		t.Fatalf("first event %+v", e)
	}
	b.expectError("POST", sp+"/messages", `{"text":""}`, 400, wire.CodeBadRequest, "text")
	b.expectError("POST", sp+"/messages", `{"text":"hi","reply":"ent_nope"}`, 400, wire.CodeBadRequest, "reply")
	var posted wire.SpaceEntry
	b.call("POST", sp+"/messages", wire.SpacePost{Text: "the tomatoes are ripe"}, &posted)
	var bundle bytes.Buffer
	if _, err := b.n.Export(t.Context(), &bundle, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.n.Import(t.Context(), &bundle, nil); err != nil {
		t.Fatal(err)
	}
	var se wire.SpaceEvent
	for i := 0; se.ID == ""; i++ {
		if i == 100 {
			t.Fatal("100 events and no space event")
		}
		e := nextEvent(t, events, false)
		if e.name == "space" {
			if err := json.Unmarshal([]byte(e.data), &se); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(e.data, "tomatoes") {
				t.Errorf("the space event carries the text: %s", e.data)
			}
		}
	}
	if want := (wire.SpaceEvent{Space: created.Space, ID: posted.ID, Account: accB, Local: true}); se != want {
		t.Errorf("space event %+v, want %+v", se, want)
	}
	var reply wire.SpaceEntry
	a.call("POST", sp+"/messages", wire.SpacePost{Text: "I'll bring a basket", Reply: posted.ID}, &reply)
	var ma wire.SpaceMessages
	a.call("GET", sp+"/messages", nil, &ma)
	if got, want := messageLines(ma.Messages), []string{"Bea readable the tomatoes are ripe", "Ann readable I'll bring a basket (mine)"}; !slices.Equal(got, want) {
		t.Fatalf("A reads %q, want %q", got, want)
	}
	if m := ma.Messages[1]; m.Reply != posted.ID || m.Account != accA || m.Device != a.n.Device().String() || m.Time == 0 || m.ID != reply.ID {
		t.Errorf("A's reply %+v", m)
	}
	a.call("GET", sp+"/messages?limit=1", nil, &ma)
	if len(ma.Messages) != 1 || ma.Messages[0].ID != reply.ID || ma.Earlier != 1 || ma.Older == "" {
		t.Fatalf("limit=1: %+v", ma)
	}
	var older wire.SpaceMessages
	a.call("GET", sp+"/messages?limit=1&before="+ma.Older, nil, &older)
	if len(older.Messages) != 1 || older.Messages[0].ID != posted.ID || older.Earlier != 0 || older.Older != "" {
		t.Errorf("the page before: %+v", older)
	}
	a.expectError("GET", sp+"/messages?before=xyz", "", 400, wire.CodeBadRequest, `before: "xyz" is not a cursor this API gave`)
	a.expectError("GET", sp+"/messages?before=AAAAAAAAAAA", "", 400, wire.CodeBadRequest, "is not a cursor this API gave")
	a.expectError("GET", sp+"/messages?limit=0", "", 400, wire.CodeBadRequest, "limit")

	spread(t, a, b, c)
	var mc wire.SpaceMessages
	c.call("GET", sp+"/messages", nil, &mc)
	// In the order they arrived at C, which copyEntries does not fix:
	// compared sorted.
	if got, want := sortedLines(mc.Messages), []string{"Ann readable I'll bring a basket", "Bea readable the tomatoes are ripe"}; !slices.Equal(got, want) {
		t.Fatalf("C reads %q, want %q", got, want)
	}

	// Roles: only an admin changes them, and not to what they are.
	b.expectError("POST", sp+"/members", `{"account":"`+accA+`"}`, 409, wire.CodeConflict, "not an admin")
	a.expectError("POST", sp+"/members", `{"account":"`+accB+`"}`, 409, wire.CodeConflict, "a member already")
	a.expectError("POST", sp+"/members", `{"account":"`+accB+`","role":"owner"}`, 400, wire.CodeBadRequest, `role: "owner" is not member or admin`)
	a.expectError("PUT", sp+"/members/"+accB+"/role", `{"role":""}`, 400, wire.CodeBadRequest, "role")
	a.expectError("PUT", sp+"/members/"+accB+"/role", `{"role":"member"}`, 409, wire.CodeConflict, "member already")
	a.call("PUT", sp+"/members/"+accB+"/role", wire.SpaceRole{Role: "admin"}, nil)

	// A removes C: a new epoch; B seals under it once it knows.
	a.expectError("DELETE", sp+"/members/"+b.n.Device().String(), "", 400, wire.CodeBadRequest, "account")
	a.call("DELETE", sp+"/members/"+accC, nil, nil)
	a.expectError("DELETE", sp+"/members/"+accC, "", 409, wire.CodeConflict, "not a member")
	a.call("GET", sp, nil, &sa)
	if got, want := memberLines(sa.Members), []string{"Ann admin (me)", "Bea admin"}; !slices.Equal(got, want) {
		t.Errorf("A's members after the removal %q, want %q", got, want)
	}
	spread(t, a, b, c)
	b.call("POST", sp+"/messages", wire.SpacePost{Text: "after Cyd left"}, nil)
	spread(t, a, b, c)
	c.call("GET", sp+"/messages", nil, &mc)
	if got, want := sortedLines(mc.Messages), []string{"Ann readable I'll bring a basket", "Bea readable the tomatoes are ripe", "Bea sealed "}; !slices.Equal(got, want) {
		t.Fatalf("the removed member reads %q, want %q", got, want)
	}
	if m := mc.Messages[2]; m.Text != "" || m.Detail == "" || m.Account != accB {
		t.Errorf("the sealed message as C sees it: %+v", m)
	}
	var sc wire.Space
	c.call("GET", sp, nil, &sc)
	if sc.Role != "none" || sc.CanWrite || sc.Waiting != "your account is not a member" {
		t.Errorf("C's space after its removal: %+v", sc)
	}
	c.expectError("POST", sp+"/messages", `{"text":"still here?"}`, 409, wire.CodeConflict, "not a member")
	c.call("GET", "/api/v1/spaces", nil, &list)
	if len(list.Spaces) != 1 || list.Spaces[0].Role != "none" || list.Spaces[0].Members != 2 {
		t.Errorf("C's spaces %+v", list.Spaces)
	}

	// B leaves.
	b.call("POST", sp+"/leave", nil, nil)
	b.expectError("POST", sp+"/leave", "", 409, wire.CodeConflict, "not a member")
	var resp *http.Response
	resp, _ = b.request("GET", sp+"/leave", nil)
	if resp.StatusCode != 405 {
		t.Errorf("GET …/leave: %d, want 405", resp.StatusCode)
	}
}

// TestSpaceFromVillage creates a space whose members are a village's
// locals, and refuses it to a non-local.
func TestSpaceFromVillage(t *testing.T) {
	a := spaceFixture(t, "Ann")
	b := spaceFixture(t, "Bea")
	c := spaceFixture(t, "Cyd")
	var fe wire.VillageEntry
	a.call("POST", "/api/v1/villages", wire.VillageFound{Name: "Elm street", Admit: "majority", Exclude: "majority", Cofounders: []string{b.n.Account().String()}}, &fe)
	spread(t, a, b, c)
	b.call("POST", "/api/v1/villages/"+fe.Village+"/accept", nil, nil)
	spread(t, a, b, c)
	c.expectError("POST", "/api/v1/spaces", `{"name":"Elm garden","village":"`+fe.Village+`"}`, 409, wire.CodeConflict, `your account is not a local of the village "Elm street"`)
	a.expectError("POST", "/api/v1/spaces", `{"name":"Elm garden","village":"`+fe.Village+`","admins":["`+c.n.Account().String()+`"]}`, 409, wire.CodeConflict, "is not a local of the village")
	var created wire.SpaceEntry
	a.call("POST", "/api/v1/spaces", wire.SpaceCreate{Name: "Elm garden", Village: fe.Village}, &created)
	var s wire.Space
	a.call("GET", "/api/v1/spaces/"+created.Space, nil, &s)
	if got, want := memberLines(s.Members), []string{"Ann admin (me)", "Bea member"}; !slices.Equal(got, want) || s.Village != fe.Village {
		t.Errorf("the village's space: members %q (want %q), village %q", got, want, s.Village)
	}
}
