package node

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
)

func labelsOf(t *testing.T, n *Node, target entry.ID) []TagCount {
	t.Helper()
	ts, err := n.Tags(t.Context(), []entry.ID{target})
	if err != nil {
		t.Fatal(err)
	}
	return ts[0].Labels
}

// TestTags: an account labels its own and another's entries, takes a
// label off from another device, and a tag of an entry not held is
// refused.
func TestTags(t *testing.T) {
	ctx := t.Context()
	a1, phrase := initWithPhrase(t)
	a2 := restoreNode(t, phrase)
	b := newSpaceNode(t)
	mine, err := a1.Post(ctx, "my soup", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := b.Post(ctx, "their bread", nil, entry.ID{})
	if err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a2, b)
	for _, target := range []entry.ID{mine.ID, theirs.ID} {
		if _, err := a1.Tag(ctx, target, "recipes", false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Tag(ctx, theirs.ID, "recipes", false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Tag(ctx, theirs.ID, "bread", false); err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a2, b)
	want := []TagCount{{Label: "recipes", Count: 2, Mine: true}, {Label: "bread", Count: 1}}
	if got := labelsOf(t, a2, theirs.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("labels on b's post, seen by a2: %+v, want %+v", got, want)
	}
	got, err := a2.MyTags(ctx, "recipes")
	if err != nil || len(got) != 2 {
		t.Fatalf("MyTags(recipes) = %+v, %v", got, err)
	}
	// a2 takes the label off b's post: it replaces a1's tag.
	if _, err := a2.Tag(ctx, theirs.ID, "recipes", true); err != nil {
		t.Fatal(err)
	}
	exchange(t, a1, a2, b)
	want = []TagCount{{Label: "bread", Count: 1}, {Label: "recipes", Count: 1}}
	if got := labelsOf(t, a1, theirs.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("after removal: %+v, want %+v", got, want)
	}
	if got, _ := a1.MyTags(ctx, ""); !reflect.DeepEqual(got, []Tagged{{Target: mine.ID, Label: "recipes"}}) {
		t.Fatalf("MyTags after removal = %+v", got)
	}

	if _, err := a1.Tag(ctx, entry.ID{7}, "recipes", false); !errors.Is(err, ErrTargetNotHeld) {
		t.Fatalf("tag of an entry not held: %v", err)
	}
	for _, c := range []struct{ label, want string }{
		{"", "tag: field label: empty; a tag needs a label"},
		{strings.Repeat("a", 65), "tag: field label: 65 bytes exceeds the limit of 64"},
		{"a\u202eb", "tag: field label: U+202E at byte 1 is a bidi control, which can make a name read as another; remove it"},
	} {
		if _, err := a1.Tag(ctx, mine.ID, c.label, false); err == nil || err.Error() != c.want {
			t.Errorf("label %q: %v, want %s", c.label, err, c.want)
		}
	}
}
