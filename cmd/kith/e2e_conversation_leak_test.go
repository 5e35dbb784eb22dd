package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
)

// TestConversationInVillageNotToStrangers (conversation.md §6,
// "Replication"): a conversation living in a village reaches its locals,
// and nothing of it reaches a stranger to the village who follows the
// founder and is connected to both locals, though the stranger receives
// the founder's post written after it.
func TestConversationInVillageNotToStrangers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	villageConnect(a, b, c)
	b.kith("follow", a.Account)
	c.kith("follow", a.Account)
	var founded wire.VillageEntry
	if err := json.Unmarshal(a.kith("village", "found", "Elm street", "--with", b.Account), &founded); err != nil || founded.Village == "" {
		t.Fatalf("found: %+v %v", founded, err)
	}
	vid := founded.Village
	villageWait(t, []*proc{b}, vid, "the found entry", func(v wire.Village) bool { return v.Name == "Elm street" })
	villageEntryOf(b, "accept", vid)
	villageWait(t, []*proc{a, b}, vid, "the founding", func(v wire.Village) bool { return v.Founded && len(v.Locals) == 2 })

	var started wire.ConversationEntry
	if err := json.Unmarshal(a.kith("conversation", "start", "Paint the gate", "--village", vid, "--text", "Paint it blue"), &started); err != nil || started.Conversation == "" {
		t.Fatalf("start: %+v %v", started, err)
	}
	id := started.Conversation
	decisionWait(t, []*proc{a, b}, id, "the start", func(d wire.Decision) bool { return d.Topic == "Paint the gate" })
	agreed := decisionEntry(b, "position", id, "agree")
	decisionWait(t, []*proc{a}, id, "B's position", func(d wire.Decision) bool { return d.Tally.Agree == 1 })

	// A posts after both: C, following A, receives the post.
	var post struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.kith("post", "after the conversation"), &post); err != nil || post.ID == "" {
		t.Fatalf("post: %+v %v", post, err)
	}
	waitFor(t, syncTimeout, "C to receive A's post", func() bool {
		_, err := c.try("show", post.ID)
		return err == nil
	})
	// C holds nothing of the conversation: not A's start, not B's position.
	for _, e := range []string{started.ID, agreed} {
		if _, err := c.try("show", e); err == nil {
			t.Errorf("C, a stranger to the village, holds the conversation's entry %s", e)
		}
	}
	if d, ok := decisionShow(c, id); ok {
		t.Fatalf("C, a stranger to the village, reads the conversation: %+v", d)
	}
}
