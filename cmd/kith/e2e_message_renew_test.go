package main

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestMessageRenewalLive (messages.md §11): three real processes on
// loopback, Ann (A) and Bea's two devices (laptop B1, phone B2), all in
// one conversation. B1 revokes B2; A's node renews the conversation's
// key as the revocation reaches it, and what A writes next is stored by
// B2's node, which cannot read it, while B1 reads it. What B2 read before
// stays readable to it.
func TestMessageRenewalLive(t *testing.T) {
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
	// A renews on its own once the revocation reaches it; its next
	// message is sealed under the new generation.
	waitFor(t, syncTimeout, "A to renew the key", func() bool {
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
}
