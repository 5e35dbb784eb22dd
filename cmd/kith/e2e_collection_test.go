package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCollectionFetchedInPart: A shares a directory; B, connected to A and
// following it, lists the collection and fetches one file of it over the
// network, byte for byte, without fetching the others.
func TestCollectionFetchedInPart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := startNode(t, "a", filepath.Join(dir, "a"))
	b := startNode(t, "b", filepath.Join(dir, "b"))
	connectAndFollow(t, []*proc{a, b}, [][2]int{{1, 0}})

	src := filepath.Join(dir, "shared")
	big := make([]byte, 3<<20)
	rand.Read(big)
	report := []byte("the report\n")
	for p, data := range map[string][]byte{"video.bin": big, "docs/report.txt": report, "docs/notes.txt": []byte("notes")} {
		full := filepath.Join(src, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var shared struct {
		ID    string `json:"id"`
		Files int    `json:"files"`
	}
	if err := json.Unmarshal(a.kith("share", "--name", "Shared", src), &shared); err != nil || shared.Files != 3 {
		t.Fatalf("share: %+v, %v", shared, err)
	}
	type listing struct {
		Entries []struct {
			Name string `json:"name"`
			Kind string `json:"kind"`
			Held bool   `json:"held"`
		} `json:"entries"`
	}
	var top listing
	waitFor(t, syncTimeout, "B to list A's collection", func() bool {
		out, err := b.try("files", shared.ID)
		return err == nil && json.Unmarshal(out, &top) == nil && len(top.Entries) == 2
	})
	out := filepath.Join(dir, "got")
	b.kith("fetch", "--out", out, shared.ID, "docs/report.txt")
	got, err := os.ReadFile(filepath.Join(out, "report.txt"))
	if err != nil || !bytes.Equal(got, report) {
		t.Fatalf("fetched report: %q, %v", got, err)
	}
	if err := json.Unmarshal(b.kith("files", shared.ID), &top); err != nil {
		t.Fatal(err)
	}
	for _, e := range top.Entries {
		if e.Name == "video.bin" && e.Held {
			t.Fatal("B fetched video.bin, which it was not asked for")
		}
	}
	var docs listing
	if err := json.Unmarshal(b.kith("files", shared.ID, "docs"), &docs); err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, e := range docs.Entries {
		held[e.Name] = e.Held
	}
	if !held["report.txt"] || held["notes.txt"] {
		t.Fatalf("B holds %v of docs/, want only report.txt", held)
	}
}
