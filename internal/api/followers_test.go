package api_test

import (
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/content"
)

// TestFollowers: bea follows me; dee followed and unfollowed; cy never
// did (I follow and block cy). Only bea is a follower, with her profile.
func TestFollowers(t *testing.T) {
	w := newFeedWorld(t)
	f := w.f
	var fl wire.Followers
	f.call("GET", "/api/v1/followers", nil, &fl)
	var got []string
	for _, a := range fl.Followers {
		got = append(got, a.Account)
	}
	if want := []string{w.bea.Account().String()}; !slices.Equal(got, want) {
		t.Fatalf("followers %v, want %v", got, want)
	}
	if a := fl.Followers[0]; !a.FollowsMe || !a.Following || a.Profile == nil || a.Profile.Name != "Bea" {
		t.Fatalf("bea as a follower: %+v", a)
	}
	// Bea unfollows: no followers, an empty list.
	publish(t, w.bea, &content.Follow{Account: f.n.Account(), Following: false})
	share(t, w.bea, f.n, nil)
	_, body := f.request("GET", "/api/v1/followers", nil)
	if string(body) != "{\"followers\":[]}\n" {
		t.Fatalf("followers after bea unfollows: %s", body)
	}
	f.expectError("GET", "/api/v1/followers?x=1", "", 400, wire.CodeBadRequest, "x")
}
