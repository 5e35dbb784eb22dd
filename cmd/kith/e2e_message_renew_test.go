package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestMessageRenewalLive (messages.md §11): three real processes on
// loopback, Ann (A) and Bea's two devices (laptop B1, phone B2), all in
// one conversation. B1 revokes B2; the nodes renew the conversation's
// key on their own as they learn of it, and what A writes next is stored by
// B2's node, which cannot read it, while B1 reads it. What B2 read before
// stays readable to it.
func TestMessageRenewalLive(t *testing.T) {
	t.Parallel()
	renewalLive(t)
}

// renewed is TestMessageRenewalLive's state at its end.
type renewed struct {
	a, b1, b2   *proc
	conv, after string
}

func renewalLive(t *testing.T) renewed {
	t.Helper()
	dir := t.TempDir()
	hb1, hb2 := filepath.Join(dir, "b1"), filepath.Join(dir, "b2")
	var created struct {
		Account        string `json:"account"`
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, hb1, "", "init", "--name", "laptop"), &created); err != nil || created.RecoveryPhrase == "" {
		t.Fatalf("init B1: %+v %v", created, err)
	}
	kithIn(t, hb2, created.RecoveryPhrase+"\n", "init", "--restore", "--name", "phone")
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b1 := startNode(t, "b1", hb1)
	b2 := startNode(t, "b2", hb2)
	a.kith("profile", "set", "--name", "Ann")
	b1.kith("profile", "set", "--name", "Bea")
	a.kith("follow", b1.Account)
	b1.kith("follow", a.Account)
	for _, p := range []*proc{a, b1, b2} {
		p.conversations() // publishes the device's encryption key
	}
	villageConnect(a, b1, b2)
	var sent struct {
		Conversation string `json:"conversation"`
		ID           string `json:"id"`
	}
	// (A device of Bea's whose key A did not hold yet gets the
	// conversation from A later: messages.md §2, re-announcement.)
	waitFor(t, syncTimeout, "A to be able to write to Bea", func() bool {
		out, err := a.try("message", "send", "--to", "Bea", "before")
		return err == nil && json.Unmarshal(out, &sent) == nil
	})
	for _, p := range []*proc{b1, b2} {
		waitFor(t, syncTimeout, p.name+" to read A's message", func() bool {
			cs := p.conversations()
			return len(cs) == 1 && cs[0].Messages == 1
		})
	}
	b1.kith("device", "revoke", b2.Device)
	// The laptop renews as it revokes, and A as the revocation reaches
	// it unless the laptop's renewal came first; A's next message is
	// sealed under a new generation.
	waitFor(t, syncTimeout, "A to hold a key renewed without the phone (its own or the laptop's)", func() bool {
		var v struct {
			Renewals []struct {
				Revoked []string `json:"revoked"`
				Current bool     `json:"current"`
			} `json:"renewals"`
		}
		return json.Unmarshal(a.kith("message", "show", sent.Conversation), &v) == nil && len(v.Renewals) > 0 &&
			len(v.Renewals[0].Revoked) == 1 && v.Renewals[0].Revoked[0] == "phone"
	})
	var after struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.kith("message", "reply", sent.Conversation, "after the phone"), &after); err != nil {
		t.Fatal(err)
	}
	waitFor(t, syncTimeout, "B1 to read it", func() bool {
		v := b1.conversation(sent.Conversation)
		for _, m := range v.Thread {
			if m.ID == after.ID && m.Status == "readable" && m.Text == "after the phone" {
				return true
			}
		}
		return false
	})
	waitFor(t, syncTimeout, "B2 to store it", func() bool { return b2.sealedEntry(after.ID) })
	v := b2.conversation(sent.Conversation)
	seen := map[string]messageJSON{}
	for _, m := range v.Thread {
		seen[m.ID] = m
	}
	if m := seen[after.ID]; m.Status != "not-decrypted" || m.Text != "" {
		t.Fatalf("B2 reads the message after its revocation as %+v", m)
	}
	if m := seen[sent.ID]; m.Status != "readable" || m.Text != "before" {
		t.Fatalf("B2 no longer reads the message before: %+v", m)
	}
	return renewed{a, b1, b2, sent.Conversation, after.ID}
}

// TestWebUIMessageRenewal: the conversation page says that the key was
// renewed, with names: on the laptop who renewed it and which device was
// revoked, on the revoked phone that it was not given the new key, with
// the message it cannot read shown as such.
func TestWebUIMessageRenewal(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	r := renewalLive(t)
	open := func(tab context.Context, p *proc) {
		br.do(tab, "open "+p.name+"'s conversation page", 30*time.Second,
			chromedp.Navigate(p.Web), chromedp.WaitVisible(tid("compose-text")),
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/conversation/%s'`, r.conv)),
			chromedp.WaitVisible(tid("conversation-readers")))
	}
	tabB1, tabB2 := br.ctx, br.tab("phone")
	open(tabB1, r.b1)
	open(tabB2, r.b2)
	// Ann's node and the laptop may both have renewed (each renews as it
	// learns of the revocation, unless the other's renewal came first):
	// each line names who, and one is the current key.
	renewals := func(tab context.Context, who string) []string {
		return strings.Split(waitJS[string](br, tab, who+"'s renewals", liveTimeout,
			`(e => !e.hidden && e.children.length > 0 && [...e.children].map(li => li.textContent).join('\n'))(document.querySelector('[data-testid=conversation-renewals]'))`), "\n")
	}
	current := 0
	for _, l := range renewals(tabB1, "the laptop") {
		if !strings.HasPrefix(l, "Key renewed by Ann (") && !strings.HasPrefix(l, "Key renewed by you (laptop)") || !strings.Contains(l, ": phone was revoked.") {
			t.Errorf("the laptop says %q", l)
		}
		if strings.HasSuffix(l, " Messages are sealed under it now.") {
			current++
		}
	}
	if current != 1 {
		t.Errorf("%d renewals are current on the laptop", current)
	}
	br.screenshot(tabB1, "conversation-renewed")
	for _, l := range renewals(tabB2, "the phone") {
		if !strings.HasPrefix(l, "Key renewed by ") || !strings.HasSuffix(l, " after a device was revoked. This device was not given the new key: it cannot read what is sealed under it.") {
			t.Errorf("the phone says %q", l)
		}
	}
	ms := waitConv(t, br, tabB2, "the phone's messages", 2)
	statuses := map[string]string{}
	for _, m := range ms {
		statuses[m.ID] = m.Status
	}
	if statuses[r.after] != "not-decrypted" {
		t.Errorf("the phone shows the message after its revocation as %+v", ms)
	}
	br.screenshot(tabB2, "conversation-renewed-not-given")
}
