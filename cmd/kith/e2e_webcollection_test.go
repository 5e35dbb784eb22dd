package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebCollection: V opens the folder A shared, goes into docs/ and
// fetches one file from A with the Fetch button; only then can it open it.
func TestWebCollection(t *testing.T) {
	t.Parallel()
	br := newBrowser(t)
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	v := startNode(t, "v", filepath.Join(dir, "v"))
	connectAndFollow(t, []*proc{a, v}, [][2]int{{1, 0}})
	a.kith("profile", "set", "--name", "Ada")

	src := filepath.Join(dir, "garden")
	for p, data := range map[string]string{"docs/report.txt": "the report\n", "docs/notes.txt": "notes", "plan.txt": "beans, then peas"} {
		full := filepath.Join(src, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var shared struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.kith("share", "--name", "Garden", src), &shared); err != nil {
		t.Fatal(err)
	}
	waitFor(t, syncTimeout, "V to list A's folder", func() bool {
		_, err := v.try("files", shared.ID)
		return err == nil
	})

	tab := br.ctx
	br.do(tab, "open Shared folders", 30*time.Second,
		chromedp.Navigate(v.Web+"#/pictures"), chromedp.WaitVisible(tid("nav-collections")),
		click(tid("nav-collections")), chromedp.WaitVisible(tid("collection-item")))
	br.do(tab, "open Garden, then docs", 30*time.Second,
		click(chromedp.CSS(`[data-testid=collection-item] a`)),
		chromedp.WaitVisible(tid("collection-dir")),
		click(tid("collection-dir")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=collection-entry][data-name="report.txt"] [data-testid=collection-fetch]`)))
	br.do(tab, "fetch report.txt", 60*time.Second,
		click(chromedp.CSS(`[data-testid=collection-entry][data-name="report.txt"] [data-testid=collection-fetch]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=collection-entry][data-name="report.txt"] [data-testid=collection-open]`)))
	stillRemote := waitJS[bool](br, tab, "notes.txt still to fetch", 10*time.Second,
		`!!document.querySelector('[data-testid=collection-entry][data-name="notes.txt"] [data-testid=collection-fetch]')`)
	if !stillRemote {
		t.Fatal("notes.txt shows as fetched")
	}
	checkLabels(t, br, tab, "a shared folder")
	br.screenshot(tab, "54-collection")
	body := httpGet(t, v.home, waitJS[string](br, tab, "the Open link", 10*time.Second,
		`new URL(document.querySelector('[data-testid=collection-entry][data-name="report.txt"] [data-testid=collection-open]').href).pathname`))
	if string(body) != "the report\n" {
		t.Fatalf("the fetched file reads %q", body)
	}
}
