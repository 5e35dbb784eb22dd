package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// conversations is 'kith message list --json'.
func (p *proc) conversations() []conversationJSON {
	out, err := p.try("message", "list")
	if err != nil {
		return nil
	}
	var l struct {
		Conversations []conversationJSON `json:"conversations"`
	}
	if err := json.Unmarshal(out, &l); err != nil {
		p.t.Fatalf("%s: message list: %v in %s", p.name, err, out)
	}
	return l.Conversations
}

type messageJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Text   string `json:"text"`
	Parent string `json:"parent"`
	Author struct {
		Account string `json:"account"`
		Name    string `json:"name"`
	} `json:"author"`
}

type conversationJSON struct {
	ID           string `json:"id"`
	Verified     bool   `json:"verified"`
	Participants []struct {
		Account string `json:"account"`
		Name    string `json:"name"`
	} `json:"participants"`
	Messages int           `json:"messages"`
	Thread   []messageJSON `json:"thread"`
}

func (p *proc) conversation(id string) conversationJSON {
	var v conversationJSON
	if err := json.Unmarshal(p.kith("message", "show", id), &v); err != nil {
		p.t.Fatalf("%s: message show: %v", p.name, err)
	}
	return v
}

// sealedEntry reports whether p holds the entry id with a payload that is
// not a typed payload (ciphertext): stored, unreadable.
func (p *proc) sealedEntry(id string) bool {
	out, err := p.try("show", id)
	if err != nil {
		return false
	}
	var e struct {
		Type     *string        `json:"type"`
		Payload  map[string]any `json:"payload"`
		Withheld bool           `json:"withheld"`
	}
	if err := json.Unmarshal(out, &e); err != nil {
		p.t.Fatalf("%s: show: %v", p.name, err)
	}
	_, opaque := e.Payload["opaque_hex"]
	return e.Type == nil && !e.Withheld && opaque
}

// TestMessageThroughARelay (issue 13 item 5): three real processes; B
// follows A and C, A and C are connected only to B. A writes to C; B
// stores the entries and reads nothing; C reads and replies; A reads the
// reply.
func TestMessageThroughARelay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	c := startNode(t, "c", filepath.Join(dir, "c"))
	a.kith("profile", "set", "--name", "Ann")
	b.kith("profile", "set", "--name", "Bo")
	c.kith("profile", "set", "--name", "Cleo")
	b.kith("follow", a.Account)
	b.kith("follow", c.Account)
	a.kith("follow", c.Account)
	c.kith("follow", a.Account)
	// Opening one's messages publishes the device's encryption key.
	for _, p := range []*proc{a, b, c} {
		if cs := p.conversations(); len(cs) != 0 {
			t.Fatalf("%s has conversations: %+v", p.name, cs)
		}
	}
	a.kith("peer", "add", b.addr())
	c.kith("peer", "add", b.addr())

	// A can write to Cleo once her certificate, profile and encryption
	// key reached A through B.
	const text = "meet at the old mill, 7 pm"
	var sent struct {
		Conversation string `json:"conversation"`
		ID           string `json:"id"`
	}
	waitFor(t, syncTimeout, "A to be able to write to Cleo", func() bool {
		out, err := a.try("message", "send", "--to", "Cleo", text)
		return err == nil && json.Unmarshal(out, &sent) == nil
	})
	began := time.Now()
	waitFor(t, syncTimeout, "C to read A's message", func() bool {
		cs := c.conversations()
		return len(cs) == 1 && cs[0].ID == sent.Conversation && cs[0].Messages == 1
	})
	t.Logf("from A's send to C's reading it through B: %v", time.Since(began))
	v := c.conversation(sent.Conversation)
	if !v.Verified || len(v.Thread) != 1 || v.Thread[0].Text != text || v.Thread[0].Author.Name != "Ann" || v.Thread[0].ID != sent.ID {
		t.Fatalf("C reads %+v", v)
	}
	var names []string
	for _, p := range v.Participants {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Ann", "Cleo"}) {
		t.Fatalf("C sees the participants %v", names)
	}
	var replied struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(c.kith("message", "reply", sent.Conversation[:10], "I'll bring the lamp"), &replied); err != nil {
		t.Fatal(err)
	}
	waitFor(t, syncTimeout, "A to read C's reply", func() bool {
		cs := a.conversations()
		return len(cs) == 1 && cs[0].Messages == 2
	})
	v = a.conversation(sent.Conversation)
	if len(v.Thread) != 2 || v.Thread[1].ID != replied.ID || v.Thread[1].Text != "I'll bring the lamp" || v.Thread[1].Author.Name != "Cleo" || v.Thread[1].Parent != sent.ID {
		t.Fatalf("A reads %+v", v)
	}
	// B carried both and read neither: it holds the entries, sealed, and
	// no conversation.
	waitFor(t, syncTimeout, "B to hold the start and the reply", func() bool {
		return b.sealedEntry(sent.ID) && b.sealedEntry(replied.ID)
	})
	if cs := b.conversations(); len(cs) != 0 {
		t.Fatalf("B reads %+v", cs)
	}
	if _, err := b.try("message", "show", sent.Conversation); err == nil {
		t.Fatal("B shows the conversation")
	}
	// A and C never met: everything went through B.
	for _, pair := range [][2]*proc{{a, c}, {c, a}} {
		var peers []struct {
			Device string `json:"device"`
		}
		if err := json.Unmarshal(pair[0].kith("peers"), &peers); err != nil {
			t.Fatal(err)
		}
		for _, p := range peers {
			if p.Device == pair[1].Device {
				t.Fatalf("%s is connected to %s", pair[0].name, pair[1].name)
			}
		}
	}
}
