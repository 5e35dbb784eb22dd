package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/node"
)

func TestPost(t *testing.T) {
	f := newFixture(t)
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "hello"}, &p)
	if p.Seq != 1 || !strings.HasPrefix(p.ID, "ent_") {
		t.Fatalf("post = %+v", p)
	}
	id, _, _, err := f.n.AddBlob(bytes.NewReader(picture("an image")), false)
	if err != nil {
		t.Fatal(err)
	}
	var reply wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "again", Images: []string{id.String()}, ReplyTo: p.ID}, &reply)
	if reply.Seq != 2 {
		t.Errorf("reply = %+v", reply)
	}
	var e wire.Entry
	f.call("GET", "/api/v1/entries/"+reply.ID, nil, &e)
	if e.Payload["text"] != "again" || e.Payload["reply_to"] != p.ID || e.Payload["root"] != p.ID {
		t.Errorf("reply payload = %v", e.Payload)
	}
	if imgs, _ := e.Payload["images"].([]any); len(imgs) != 1 || imgs[0] != id.String() {
		t.Errorf("reply images = %v", e.Payload["images"])
	}
	if e.Backlink == nil || *e.Backlink != p.ID || e.Author != f.n.Device().String() {
		t.Errorf("reply entry = %+v", e)
	}

	missing := blob.Sum([]byte("absent")).String()
	big := strings.Repeat("x", 10001)
	notes, _, _, err := f.n.AddBlob(strings.NewReader("a shopping list\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body, ct   string
		status     int
		code, want string
	}{
		{`{"text":"x","images":["` + missing + `"]}`, "", 404, wire.CodeNotFound, "image " + missing + " is not in this node's blob store"},
		{`{"text":"x","images":["nope"]}`, "", 400, wire.CodeBadRequest, "images: "},
		{`{"text":"x","images":["` + notes.String() + `"]}`, "", 400, wire.CodeBadRequest, "image " + notes.String() + " is not an image kith can show: it is text; use a JPEG, PNG, GIF or WebP picture"},
		{`{"text":""}`, "", 400, wire.CodeBadRequest, "nothing to post: write a text or attach an image"},
		{`{"text":" \n","reply_to":"` + p.ID + `"}`, "", 400, wire.CodeBadRequest, "nothing to post"},
		{`{"text":"x","reply_to":"` + missing + `"}`, "", 400, wire.CodeBadRequest, "reply_to: expected an entry id (ent_…), got a blob id (blob_…)"},
		{`{"text":"` + big + `"}`, "", 400, wire.CodeBadRequest, "post: field text"},
		{`{"text":"x","images":[` + strings.Repeat(`"`+missing+`",`, 16) + `"` + missing + `"]}`, "", 400, wire.CodeBadRequest, "images: 17 images, at most 16"},
		{`{"text":"x","mood":"happy"}`, "", 400, wire.CodeBadRequest, `unknown field "mood"`},
		{`{"text":5}`, "", 400, wire.CodeBadRequest, `field "text" cannot hold a JSON number`},
		{`["x"]`, "", 400, wire.CodeBadRequest, "expected an object, got a JSON array"},
		{`{"text":"x"} {"text":"y"}`, "", 400, wire.CodeBadRequest, "the body has more after its JSON object"},
		{`{"text":`, "", 400, wire.CodeBadRequest, "unexpected EOF"},
		{``, "", 400, wire.CodeBadRequest, "the body is empty: send a JSON object"},
		{`{"text":"x"}`, "text/plain", 415, wire.CodeUnsupportedMediaType, `not "text/plain"`},
		{`{"text":"x"}`, "application/x-www-form-urlencoded", 415, wire.CodeUnsupportedMediaType, "Content-Type: application/json"},
		{`{"text":"` + strings.Repeat("y", 1<<20) + `"}`, "", 413, wire.CodeTooLarge, "the request body is larger than 1048576 bytes"},
	} {
		name := c.body
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			h := []string{}
			if c.ct != "" {
				h = append(h, "Content-Type", c.ct)
			}
			f.expectError("POST", "/api/v1/posts", c.body, c.status, c.code, c.want, h...)
		})
	}
	// A JSON Content-Type with parameters is fine.
	resp, b := f.request("POST", "/api/v1/posts", strings.NewReader(`{"text":"typed"}`), "Content-Type", "application/json; charset=utf-8")
	if resp.StatusCode != 200 {
		t.Errorf("post with a charset: status %d (%s)", resp.StatusCode, b)
	}
}

func TestProfile(t *testing.T) {
	f := newFixture(t)
	acc := f.n.Account().String()
	f.expectError("GET", "/api/v1/profile/"+acc, "", 404, wire.CodeNotFound, "no profile of "+acc+" is held here")

	var set wire.ProfileSet
	f.call("PUT", "/api/v1/profile", map[string]string{"name": "Ada"}, &set)
	if set.Name != "Ada" || set.About != "" || set.Image != "" || !strings.HasPrefix(set.ID, "ent_") {
		t.Errorf("profile set = %+v", set)
	}
	img, _, _, err := f.n.AddBlob(bytes.NewReader(picture("avatar")), false)
	if err != nil {
		t.Fatal(err)
	}
	f.call("PUT", "/api/v1/profile", map[string]string{"about": "counts", "image": img.String()}, &set)
	if set.Name != "Ada" || set.About != "counts" || set.Image != img.String() {
		t.Errorf("second profile set = %+v, want the name kept", set)
	}
	var p wire.Profile
	f.call("GET", "/api/v1/profile/"+acc, nil, &p)
	if p.Account != acc || p.Entry != set.ID || p.Author != f.n.Device().String() || p.Name != "Ada" || p.About != "counts" || p.Image != img.String() || p.Timestamp == 0 {
		t.Errorf("profile = %+v", p)
	}
	// "" removes the image.
	set = wire.ProfileSet{}
	f.call("PUT", "/api/v1/profile", map[string]string{"image": ""}, &set)
	if set.Image != "" || set.Name != "Ada" {
		t.Errorf("profile after removing the image = %+v", set)
	}

	missing := blob.Sum([]byte("gone")).String()
	f.expectError("PUT", "/api/v1/profile", `{}`, 400, wire.CodeBadRequest, "give at least one of name, about, image")
	f.expectError("PUT", "/api/v1/profile", `{"name":null}`, 400, wire.CodeBadRequest, "give at least one of name, about, image")
	f.expectError("PUT", "/api/v1/profile", `{"image":"`+missing+`"}`, 404, wire.CodeNotFound, "image "+missing+" is not in this node's blob store")
	text, _, _, err := f.n.AddBlob(strings.NewReader("not a face"), false)
	if err != nil {
		t.Fatal(err)
	}
	f.expectError("PUT", "/api/v1/profile", `{"image":"`+text.String()+`"}`, 400, wire.CodeBadRequest, "profile image "+text.String()+" is not an image kith can show: it is text")
	f.expectError("PUT", "/api/v1/profile", `{"image":"`+acc+`"}`, 400, wire.CodeBadRequest, "image: expected a blob id")
	f.expectError("PUT", "/api/v1/profile", `{"name":"`+strings.Repeat("n", 101)+`"}`, 400, wire.CodeBadRequest, "profile: field name")
	f.expectError("GET", "/api/v1/profile/"+f.n.Device().String(), "", 400, wire.CodeBadRequest, "account: expected an account id (acc_…), got a device id (dev_…)")
	f.expectError("PUT", "/api/v1/profile/"+acc, "", 405, wire.CodeMethodNotAllowed, "use GET, HEAD")
}

func TestFollowAndBlock(t *testing.T) {
	f := newFixture(t)
	other, _, err := node.Init(t.TempDir(), node.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acc := other.Account().String()
	other.Close()
	for _, c := range []struct {
		method, kind string
		on           bool
	}{{"PUT", "follows", true}, {"DELETE", "follows", false}, {"PUT", "blocks", true}, {"DELETE", "blocks", false}} {
		var got map[string]any
		f.call(c.method, "/api/v1/"+c.kind+"/"+acc, nil, &got)
		field := map[string]string{"follows": "following", "blocks": "blocking"}[c.kind]
		if got["account"] != acc || got[field] != c.on || len(got) != 3 {
			t.Errorf("%s %s = %v", c.method, c.kind, got)
		}
		var e wire.Entry
		f.call("GET", "/api/v1/entries/"+got["id"].(string), nil, &e)
		typ := map[string]string{"follows": "follow", "blocks": "block"}[c.kind]
		if *e.Type != typ || e.Payload["account"] != acc || e.Payload[field] != c.on {
			t.Errorf("%s %s published %+v", c.method, c.kind, e)
		}
	}
	f.expectError("PUT", "/api/v1/follows/"+f.n.Device().String(), "", 400, wire.CodeBadRequest, "account: expected an account id (acc_…), got a device id (dev_…)")
	f.expectError("DELETE", "/api/v1/blocks/acc_nonsense", "", 400, wire.CodeBadRequest, "account: ")
}

func TestDeleteEntry(t *testing.T) {
	f := newFixture(t)
	var p wire.Posted
	f.call("POST", "/api/v1/posts", wire.PostRequest{Text: "regret"}, &p)
	var d wire.Deleted
	f.call("DELETE", "/api/v1/entries/"+p.ID, nil, &d)
	if d.Deleted != p.ID || !strings.HasPrefix(d.ID, "ent_") || d.ID == p.ID {
		t.Errorf("delete = %+v", d)
	}
	var e wire.Entry
	f.call("GET", "/api/v1/entries/"+p.ID, nil, &e)
	if !e.Deleted || e.Payload != nil || e.Type != nil || e.Withheld {
		t.Errorf("deleted entry = %+v", e)
	}
	// The device certificate is the account's entry, not this device's.
	var page wire.EntryPage
	f.call("GET", "/api/v1/entries", nil, &page)
	var cert wire.Entry
	for _, e := range page.Entries {
		if e.Type != nil && *e.Type == "device.add" {
			cert = e
		}
	}
	if cert.ID == "" {
		t.Fatalf("no device.add among %+v", page.Entries)
	}
	f.expectError("DELETE", "/api/v1/entries/"+cert.ID, "", 409, wire.CodeConflict, "was written by another device; only its author can delete it")
	f.expectError("DELETE", "/api/v1/entries/"+fakeEntryID(t), "", 404, wire.CodeNotFound, "entry "+fakeEntryID(t)+" is not held here")
	f.expectError("DELETE", "/api/v1/entries/"+f.n.Account().String(), "", 400, wire.CodeBadRequest, "expected an entry id")
}

// fakeEntryID is a well-formed entry id that no entry has.
func fakeEntryID(t *testing.T) string {
	t.Helper()
	var id [32]byte
	copy(id[:], fmt.Sprintf("%-32s", "no such entry"))
	return entryIDText(id)
}
