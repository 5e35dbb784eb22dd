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

// TestWebDevices (issue 12 items 2 and 3): the Devices page of two running
// devices of one account, laptop and phone, plus a tablet that never ran.
// Both running devices list all three by name and say where the account
// key is. On the phone, the key is removed after the phrase is typed (a
// wrong phrase removes nothing); the laptop's page then shows, live, that
// the phone no longer holds it. The phone, now without the key, revokes
// the tablet: with another account's phrase it is refused, with its own it
// is done, and the key stays off the phone.
func TestWebDevices(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	hl, hp, ht := filepath.Join(dir, "laptop"), filepath.Join(dir, "phone"), filepath.Join(dir, "tablet")
	var created struct {
		Account        string `json:"account"`
		Device         string `json:"device"`
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, hl, "", "init", "--name", "laptop"), &created); err != nil || created.RecoveryPhrase == "" {
		t.Fatalf("init laptop: %+v %v", created, err)
	}
	kithIn(t, hp, created.RecoveryPhrase+"\n", "init", "--restore", "--name", "phone")
	var tablet struct {
		Device string `json:"device"`
	}
	if err := json.Unmarshal(kithIn(t, ht, created.RecoveryPhrase+"\n", "init", "--restore", "--name", "tablet"), &tablet); err != nil {
		t.Fatal(err)
	}
	var other struct {
		RecoveryPhrase string `json:"recovery_phrase"`
	}
	if err := json.Unmarshal(kithIn(t, filepath.Join(dir, "other"), "", "init"), &other); err != nil {
		t.Fatal(err)
	}
	// The tablet never runs: the phone learns of it from a bundle.
	bundle := filepath.Join(dir, "tablet.kith")
	kithIn(t, ht, "", "export", "--out", bundle)
	kithIn(t, hp, "", "import", bundle)

	laptop := startNode(t, "laptop", hl)
	phone := startNode(t, "phone", hp)
	laptop.kith("profile", "set", "--name", "Ada")
	villageConnect(laptop, phone)

	// Peers are shown by name: the phone sees "Ada (laptop)".
	var peers []struct {
		Device     string `json:"device"`
		Name       string `json:"name"`
		DeviceName string `json:"device_name"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := json.Unmarshal(phone.kith("peers"), &peers); err != nil {
			t.Fatal(err)
		}
		if len(peers) == 1 && peers[0].Name == "Ada" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone's peers: %+v, want the laptop named Ada", peers)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if peers[0].Device != laptop.Device || peers[0].DeviceName != "laptop" {
		t.Errorf("the phone's peer %+v, want device %s named laptop", peers[0], laptop.Device)
	}

	type dev struct {
		ID, Name, Key, Revoked, State string
	}
	devicesJS := `[...document.querySelectorAll('[data-testid=device]')].map(e => ({ID: e.dataset.device, Name: e.querySelector('h3 bdi').textContent,
		Key: e.dataset.accountKey, Revoked: e.dataset.revoked, State: e.querySelector('[data-testid=device-state]').textContent}))`
	waitDevices := func(tab context.Context, what string, ok func(map[string]dev) bool) map[string]dev {
		t.Helper()
		var last map[string]dev
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			ds := get(br, tab, what, 10*time.Second, chromedp.Evaluate[[]dev](devicesJS))
			last = map[string]dev{}
			for _, d := range ds {
				last[d.Name] = d
			}
			if ok(last) {
				return last
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: devices shown %+v", what, last)
		return nil
	}

	tabL := br.ctx
	br.do(tabL, "open the laptop's Devices page", 30*time.Second,
		chromedp.Navigate(laptop.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-devices"), chromedp.WaitVisible(tid("devices-list")))
	ds := waitDevices(tabL, "the laptop lists laptop, phone and tablet", func(m map[string]dev) bool {
		return len(m) == 3 && m["laptop"].Key == "held" && m["phone"].Key == "held" && m["tablet"].Key == "held"
	})
	if ds["laptop"].ID != laptop.Device || ds["phone"].ID != phone.Device || ds["tablet"].ID != tablet.Device {
		t.Errorf("devices shown %+v; want laptop %s, phone %s, tablet %s", ds, laptop.Device, phone.Device, tablet.Device)
	}
	if ds["laptop"].State != "Holds the account key." {
		t.Errorf("the laptop says of itself %q", ds["laptop"].State)
	}
	summary := get(br, tabL, "the key summary", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=key-summary]').textContent`))
	if summary != "The account key is on 3 devices: laptop, phone, tablet." {
		t.Errorf("key summary %q", summary)
	}
	checkLabels(t, br, tabL, "devices")
	br.screenshot(tabL, "40-devices")
	// Add a device leads to the pairing page, and back.
	br.do(tabL, "follow Add a device", 20*time.Second,
		click(tid("devices-add")), chromedp.WaitVisible(tid("pair-create")),
		navTo("nav-devices"), chromedp.WaitVisible(tid("devices-list")))

	// On the phone: a wrong phrase removes nothing; the right one does.
	tabP := br.tab("phone")
	br.do(tabP, "open the phone's Devices page", 30*time.Second,
		chromedp.Navigate(phone.Web), chromedp.WaitVisible(tid("compose-text")),
		navTo("nav-devices"), chromedp.WaitVisible(tid("key-summary")),
		click(`[data-testid=account-key] summary`), chromedp.WaitVisible(tid("key-remove-phrase")),
		setField("key-remove-phrase", other.RecoveryPhrase), click(tid("key-remove-confirm")))
	msg := waitJS[string](br, tabP, "the refusal", 30*time.Second,
		`(t => t.includes('not the phrase') && t)(document.querySelector('[data-testid=key-remove-status]').textContent)`)
	if !strings.Contains(msg, "the account key was not removed: this recovery phrase (with this phrase passphrase) is not the phrase of this account") {
		t.Errorf("a wrong phrase says %q", msg)
	}
	br.screenshot(tabP, "41-key-remove-wrong-phrase")
	br.do(tabP, "remove the key with the phrase", 30*time.Second,
		setField("key-remove-phrase", created.RecoveryPhrase), click(tid("key-remove-confirm")))
	waitDevices(tabP, "the phone without the key", func(m map[string]dev) bool {
		return m["phone"].Key == "not_held" && m["phone"].State == "Does not hold the account key."
	})
	br.screenshot(tabP, "42-key-removed")

	// Without the key, the phone still adds a device, with the phrase.
	br.do(tabP, "open Add a device on the phone", 20*time.Second,
		click(tid("devices-add")), chromedp.WaitVisible(tid("pair-phrase")),
		setField("pair-phrase", created.RecoveryPhrase), click(tid("pair-create")), chromedp.WaitVisible(tid("pair-code")))
	code := get(br, tabP, "the pairing code", 10*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=pair-code]').value`))
	if left := get(br, tabP, "the phrase field", 5*time.Second, chromedp.Evaluate[string](`document.querySelector('[data-testid=pair-phrase]').value`)); left != "" {
		t.Errorf("the phrase stays in the page: %q", left)
	}
	kithIn(t, filepath.Join(dir, "watch"), "", "init", "--pair", code, "--name", "watch")
	joined := waitJS[string](br, tabP, "the watch joined", 30*time.Second, `(e => e && e.textContent)(document.querySelector('[data-testid=pair-joined]'))`)
	if !strings.HasPrefix(joined, "watch (") {
		t.Errorf("the phone says %q", joined)
	}
	br.screenshot(tabP, "42b-paired-with-phrase")
	br.do(tabP, "back to the phone's devices", 20*time.Second,
		navTo("nav-devices"), chromedp.WaitVisible(tid("devices-list")))
	waitDevices(tabP, "the watch on the phone, without the key", func(m map[string]dev) bool {
		return m["watch"].Key == "not_held" && m["phone"].Key == "not_held"
	})

	// The laptop's page learns it live, from the phone's entry.
	waitDevices(tabL, "the laptop sees the phone without the key", func(m map[string]dev) bool {
		return m["phone"].Key == "not_held" && m["phone"].State == "Does not hold the account key."
	})
	summary = waitJS[string](br, tabL, "the summary without the phone", 20*time.Second,
		`(t => t.includes('2 devices') && t)(document.querySelector('[data-testid=key-summary]').textContent)`)
	if summary != "The account key is on 2 devices: laptop, tablet." {
		t.Errorf("key summary after removal %q", summary)
	}

	// The phone revokes the tablet: it asks for the phrase.
	tabletCard := fmt.Sprintf(`[data-testid=device][data-device=%q]`, tablet.Device)
	br.do(tabP, "open the tablet's revoke form", 20*time.Second,
		click(tabletCard+` [data-testid=revoke-open]`), chromedp.WaitVisible(tid("revoke-phrase")),
		setField("revoke-reason", "left on a train"),
		setField("revoke-phrase", other.RecoveryPhrase), click(tid("revoke-confirm")))
	msg = waitJS[string](br, tabP, "the refused revocation", 30*time.Second,
		`(t => t.includes('not the phrase') && t)(document.querySelector('[data-testid=revoke-status]').textContent)`)
	if !strings.Contains(msg, "is not the phrase of this account") {
		t.Errorf("revoking with another account's phrase says %q", msg)
	}
	checkLabels(t, br, tabP, "devices with the revoke form")
	br.screenshot(tabP, "43-revoke-asks-phrase")
	br.do(tabP, "revoke with the phrase", 20*time.Second,
		setField("revoke-phrase", created.RecoveryPhrase), click(tid("revoke-confirm")))
	waitDevices(tabP, "the tablet revoked on the phone", func(m map[string]dev) bool {
		return m["tablet"].Revoked == "true" && strings.HasPrefix(m["tablet"].State, "Revoked")
	})
	waitDevices(tabL, "the tablet revoked on the laptop", func(m map[string]dev) bool {
		return m["tablet"].Revoked == "true"
	})
	br.screenshot(tabP, "44-revoked")

	// The phone, with the phrase, revokes the laptop too: the laptop's
	// page says so at once, in a banner, and the laptop no longer posts.
	laptopCard := fmt.Sprintf(`[data-testid=device][data-device=%q]`, laptop.Device)
	br.do(tabP, "revoke the laptop", 20*time.Second,
		click(laptopCard+` [data-testid=revoke-open]`), chromedp.WaitVisible(laptopCard+` [data-testid=revoke-phrase]`),
		setField("revoke-phrase", created.RecoveryPhrase), click(tid("revoke-confirm")))
	banner := waitJS[string](br, tabL, "the revoked banner on the laptop", 60*time.Second,
		`(e => !e.hidden && e.textContent)(document.querySelector('[data-testid=revoked-banner]'))`)
	if banner != "Your account revoked this device. It can no longer post or change anything; what it wrote before stays. To use kith on this machine again, start afresh: pair it from a device of yours (Add a device there), or restore your account with its recovery phrase." {
		t.Errorf("the laptop's banner says %q", banner)
	}
	// It still holds the account key: its page says what that means.
	// The summary before the laptop learned of its own revocation also
	// says "revoked:" (of the tablet), so wait for the whole sentence.
	const revokedSummary = "None of your devices holds the account key. Your recovery phrase can still add and revoke devices. It is also still on laptop, tablet, revoked: whoever has those devices can add devices to your account. Remove the key there if you can."
	summary = waitJS[string](br, tabL, "the summary on the revoked laptop", 20*time.Second, fmt.Sprintf(
		`(t => t === %q && t)(document.querySelector('[data-testid=key-summary]').textContent)`, revokedSummary))
	if summary != revokedSummary {
		t.Errorf("key summary on the revoked laptop %q", summary)
	}
	br.screenshot(tabL, "45-revoked-banner")
	if offered := get(br, tabL, "what the revoked laptop offers", 10*time.Second, chromedp.Evaluate[int](
		`document.querySelectorAll('[data-testid=revoke-open]').length + (document.querySelector('[data-testid=devices-add]').closest('[hidden]') ? 0 : 1)`)); offered != 0 {
		t.Errorf("the revoked laptop still offers %d ways to add or revoke devices", offered)
	}
	if out, err := laptop.try("post", "after my revocation"); err == nil {
		t.Errorf("the revoked laptop posted: %s", out)
	}
	var list struct {
		Devices []struct {
			Name       string `json:"name"`
			AccountKey string `json:"account_key"`
			Revoked    bool   `json:"revoked"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(phone.kith("device", "list"), &list); err != nil {
		t.Fatal(err)
	}
	for _, d := range list.Devices {
		if d.Name == "phone" && d.AccountKey != "not_held" || d.Name == "tablet" && !d.Revoked {
			t.Errorf("phone's device list after the revocation: %+v", list.Devices)
		}
	}
}
