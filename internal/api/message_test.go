package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
)

func TestMessageEndpoints(t *testing.T) {
	fa, fb := newFixture(t), newFixture(t)
	accA, accB := fa.n.Account().String(), fb.n.Account().String()
	ann, bea := "Ann", "Bea"
	fa.call("PUT", "/api/v1/profile", wire.ProfileUpdate{Name: &ann}, nil)
	fb.call("PUT", "/api/v1/profile", wire.ProfileUpdate{Name: &bea}, nil)
	// Reading the conversations publishes the device's encryption key,
	// so that it can be written to.
	var empty json.RawMessage
	fb.call("GET", "/api/v1/conversations", nil, &empty)
	if string(empty) != `{"conversations":[]}` {
		t.Fatalf("no conversations: %s", empty)
	}
	// To a name no one followed has: not found; to an account whose
	// devices are unknown: conflict.
	resp, body := fa.request("POST", "/api/v1/conversations", strings.NewReader(`{"to":["Bea"],"text":"hi"}`))
	wantError(t, resp, body, http.StatusNotFound, wire.CodeNotFound, `no one you follow is named "Bea"`)
	resp, body = fa.request("POST", "/api/v1/conversations", strings.NewReader(fmt.Sprintf(`{"to":[%q],"text":"hi"}`, accB)))
	wantError(t, resp, body, http.StatusConflict, wire.CodeConflict, "no device of "+accB+" is known here")
	fa.call("PUT", "/api/v1/follows/"+accB, nil, nil)
	fb.call("PUT", "/api/v1/follows/"+accA, nil, nil)
	share(t, fa.n, fb.n, nil)
	share(t, fb.n, fa.n, nil)

	ch, _ := openEvents(t, t.Context(), fb.srv.URL, fb.token)
	if e := nextEvent(t, ch, false); e.name != "hello" {
		t.Fatalf("first event %+v", e)
	}
	var sent wire.MessageSent
	fa.call("POST", "/api/v1/conversations", wire.MessageSend{To: []string{"bea"}, Text: "tea at five?"}, &sent)
	if len(sent.Conversation) != 64 || !strings.HasPrefix(sent.ID, "ent_") {
		t.Fatalf("sent %+v", sent)
	}
	share(t, fa.n, fb.n, nil)
	var list wire.ConversationList
	fb.call("GET", "/api/v1/conversations", nil, &list)
	if len(list.Conversations) != 1 {
		t.Fatalf("b lists %+v", list)
	}
	s := list.Conversations[0]
	if s.ID != sent.Conversation || !s.Verified || s.Messages != 1 || s.Last == nil || s.Last.Text != "tea at five?" || s.Last.Author.Name != "Ann" || s.Last.Author.Account != accA {
		t.Fatalf("b's summary %+v", s)
	}
	if len(s.Participants) != 2 {
		t.Fatalf("participants %+v", s.Participants)
	}
	names := map[string]string{}
	for _, p := range s.Participants {
		names[p.Account] = p.Name
	}
	if names[accA] != "Ann" || names[accB] != "Bea" {
		t.Fatalf("participants %+v", s.Participants)
	}
	// The message event: the conversation and the entry, nothing else.
	for {
		e := nextEvent(t, ch, false)
		if e.name != wire.EventMessage {
			continue
		}
		if want := fmt.Sprintf(`{"conversation":%q,"id":%q}`, sent.Conversation, sent.ID); e.data != want {
			t.Fatalf("message event %s, want %s", e.data, want)
		}
		break
	}
	var reply wire.MessageSent
	fb.call("POST", "/api/v1/conversations/"+sent.Conversation+"/messages", wire.MessageReply{Text: "yes!", ReplyTo: sent.ID}, &reply)
	if reply.Conversation != sent.Conversation {
		t.Fatalf("reply %+v", reply)
	}
	share(t, fb.n, fa.n, nil)
	var conv wire.Conversation
	fa.call("GET", "/api/v1/conversations/"+sent.Conversation, nil, &conv)
	if len(conv.Thread) != 2 || conv.Thread[1].ID != reply.ID || conv.Thread[1].Text != "yes!" || conv.Thread[1].Parent != sent.ID ||
		conv.Thread[1].Reply != sent.ID || conv.Thread[1].Author.Name != "Bea" || conv.Thread[1].Mine || !conv.Thread[0].Mine || !conv.Thread[0].Start ||
		conv.Thread[1].Status != "readable" || conv.Thread[1].Time == "" {
		t.Fatalf("a reads %+v", conv)
	}
	// Errors: a malformed id, an unknown conversation, a reply to a
	// message of another conversation, a text over the limit.
	resp, body = fa.request("GET", "/api/v1/conversations/xyz", nil)
	wantError(t, resp, body, http.StatusBadRequest, wire.CodeBadRequest, "not a conversation id")
	resp, body = fa.request("GET", "/api/v1/conversations/"+strings.Repeat("ab", 32), nil)
	wantError(t, resp, body, http.StatusNotFound, wire.CodeNotFound, "no such conversation")
	var posted wire.Posted
	fa.call("POST", "/api/v1/posts", map[string]string{"text": "public"}, &posted)
	resp, body = fa.request("POST", "/api/v1/conversations/"+sent.Conversation+"/messages", strings.NewReader(fmt.Sprintf(`{"text":"x","reply_to":%q}`, posted.ID)))
	wantError(t, resp, body, http.StatusNotFound, wire.CodeNotFound, "is not a message of this conversation")
	resp, body = fa.request("POST", "/api/v1/conversations/"+sent.Conversation+"/messages", strings.NewReader(fmt.Sprintf(`{"text":%q}`, strings.Repeat("x", 10001))))
	wantError(t, resp, body, http.StatusBadRequest, wire.CodeBadRequest, `field "text"`)

	// The client speaks the same endpoints.
	cl, err := client.New(wire.Endpoint{URL: fa.srv.URL, Token: fa.token, PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.Conversation(t.Context(), sent.Conversation, wire.Page{})
	if err != nil || len(got.Thread) != 2 || got.Earlier != 0 || got.Older != "" {
		t.Fatalf("client: %+v, %v", got, err)
	}
	// A page of one, then the one before it.
	last, err := cl.Conversation(t.Context(), sent.Conversation, wire.Page{Limit: 1})
	if err != nil || len(last.Thread) != 1 || last.Thread[0].ID != got.Thread[1].ID || last.Earlier != 1 || last.Older != got.Thread[1].ID || last.Messages != 2 {
		t.Fatalf("client, limit 1: %+v, %v", last, err)
	}
	before, err := cl.Conversation(t.Context(), sent.Conversation, wire.Page{Limit: 1, Before: last.Older})
	if err != nil || len(before.Thread) != 1 || before.Thread[0].ID != got.Thread[0].ID || before.Earlier != 0 || before.Older != "" {
		t.Fatalf("client, the page before: %+v, %v", before, err)
	}
	resp, body = fa.request("GET", "/api/v1/conversations/"+sent.Conversation+"?before="+posted.ID, nil)
	wantError(t, resp, body, http.StatusBadRequest, wire.CodeBadRequest, "before: not a cursor a read of this node gave")
	resp, body = fa.request("GET", "/api/v1/conversations/"+sent.Conversation+"?before=xyz", nil)
	wantError(t, resp, body, http.StatusBadRequest, wire.CodeBadRequest, `before: "xyz" is not a cursor this API gave`)
	resp, body = fa.request("GET", "/api/v1/conversations/"+sent.Conversation+"?limit=1001", nil)
	wantError(t, resp, body, http.StatusBadRequest, wire.CodeBadRequest, "limit")
	if _, err := cl.ReplyMessage(t.Context(), strings.Repeat("cd", 32), wire.MessageReply{Text: "x"}); err == nil || api.ErrorOf(err).Code != wire.CodeNotFound {
		t.Fatalf("client reply to an unknown conversation: %v", err)
	}
}
