package node_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/node"
	"github.com/kithnet/kith/internal/store"
	"github.com/kithnet/kith/internal/village"
)

// The node refuses, before appending anything, a userspec that every
// replica's reducer would ignore: one of two active locals turning
// passive (issue 11, item 11).
func TestUserspecKeepsTwoActive(t *testing.T) {
	ctx := t.Context()
	a, _ := initNode(t, node.Options{})
	b, _ := initNode(t, node.Options{})
	vid := foundedPair(t, a, b)
	key := store.LogKey{Author: dev(b), LogID: entry.LogID(vid)}
	before, err := b.Store().Head(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.SetVillageUserspec(ctx, vid, village.Passive, "hub", "")
	if !errors.Is(err, node.ErrVillageRule) || !strings.Contains(err.Error(), "keeps at least 2 active locals") {
		t.Fatalf("turning passive of two active: %v", err)
	}
	if after, err := b.Store().Head(ctx, key); err != nil || after.Seq != before.Seq {
		t.Fatalf("b's village log went from seq %d to %d (%v)", before.Seq, after.Seq, err)
	}
	if _, err := b.SetVillageUserspec(ctx, vid, village.Active, "bee", ""); err != nil {
		t.Fatalf("renaming, active: %v", err)
	}
}
