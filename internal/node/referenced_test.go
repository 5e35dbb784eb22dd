package node

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

func TestReferencedBlobs(t *testing.T) {
	a, b := blob.Sum([]byte("a")), blob.Sum([]byte("b"))
	for _, tc := range []struct {
		name string
		p    content.Payload
		want []blob.ID
	}{
		{"post with images", &content.Post{Text: "two", Images: []blob.ID{a, b}}, []blob.ID{a, b}},
		{"post without images", &content.Post{Text: "none"}, nil},
		{"post that mentions images in its text", &content.Post{Text: "no images here, image"}, nil},
		{"profile with an image", &content.Profile{Name: "Ada", Image: b}, []blob.ID{b}},
		{"profile without an image", &content.Profile{Name: "Ada", About: "image of a baker"}, nil},
		{"follow", &content.Follow{Account: [32]byte{1}, Following: true}, nil},
	} {
		raw, err := content.Encode(tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := referencedBlobs(raw); !slices.Equal(got, tc.want) {
			t.Errorf("%s: referencedBlobs = %v, want %v", tc.name, got, tc.want)
		}
	}
	vid := entry.ID{9}
	acct, _ := identity.GenerateKey(nil)
	device, _ := identity.GenerateKey(nil)
	ce, err := content.NewDeviceCert(acct, device, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	cert := village.CertOf(ce)
	var stranger village.StrangerID
	stranger[0], stranger[32] = 7, 8
	for _, tc := range []struct {
		name string
		p    village.Payload
		want []blob.ID
	}{
		{"village vote accepting with proof", &village.Vote{Village: vid, Stranger: stranger, Vote: village.VoteAccept, Proof: a}, []blob.ID{a}},
		{"village veto", &village.Vote{Village: vid, Stranger: stranger, Vote: village.VoteVeto}, nil},
		{"village note with a file", &village.Strangerspec{Village: vid, Stranger: stranger, Text: "met at the market", Blob: b}, []blob.ID{b}},
		{"village note without a file", &village.Strangerspec{Village: vid, Stranger: stranger, Text: "proof of nothing"}, nil},
		{"stranger's request with a file", &village.Request{Village: vid, User: [32]byte{7}, Text: "my papers", Blob: b, Cert: cert}, []blob.ID{b}},
		{"stranger's request without a file", &village.Request{Village: vid, User: [32]byte{7}, Text: "no blob here", Cert: cert}, nil},
	} {
		raw, err := village.Encode(tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := referencedBlobs(raw); !slices.Equal(got, tc.want) {
			t.Errorf("%s: referencedBlobs = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := referencedBlobs([]byte("image: not CBOR")); got != nil {
		t.Errorf("garbage: %v", got)
	}
}
