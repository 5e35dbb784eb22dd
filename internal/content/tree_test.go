package content

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kithnet/kith/internal/cborwire"
)

func treeCases() []struct {
	name    string
	entries []TreeEntry
} {
	return []struct {
		name    string
		entries []TreeEntry
	}{
		{"empty directory", []TreeEntry{}},
		{"files and a directory", []TreeEntry{
			{Kind: TreeFile, Name: "IMG_0001.jpg", Size: 1234567, ID: bid("photo 1")},
			{Kind: TreeDir, Name: "notes", Size: 42, ID: bid("tree notes")},
			{Kind: TreeFile, Name: "r\u00e9sum\u00e9.pdf", Size: 0, ID: bid("empty file")},
		}},
	}
}

// rawTree builds a tree node from raw entries, with no rule checked.
func rawTree(version uint64, entries ...[]byte) []byte {
	b := cborwire.AppendArray(nil, 2)
	b = cborwire.AppendUint(b, version)
	b = cborwire.AppendArray(b, len(entries))
	for _, e := range entries {
		b = append(b, e...)
	}
	return b
}

func rawEntry(kind uint64, name string, size uint64, id []byte) []byte {
	b := cborwire.AppendArray(nil, 4)
	b = cborwire.AppendUint(b, kind)
	b = cborwire.AppendText(b, name)
	b = cborwire.AppendUint(b, size)
	return cborwire.AppendBytes(b, id)
}

type badTree struct {
	Name string `json:"name"`
	Hex  string `json:"hex"`
	Want string `json:"error"`
}

func treeRejectCases() []badTree {
	id := bid("x")
	hexOf := func(b []byte) string { return hex.EncodeToString(b) }
	return []badTree{
		{"dot-dot", hexOf(rawTree(1, rawEntry(0, "..", 1, id[:]))), `not a valid collection tree: name ".." would leave the directory`},
		{"slash", hexOf(rawTree(1, rawEntry(0, "a/../../etc", 1, id[:]))), `not a valid collection tree: name "a/../../etc" holds a path separator`},
		{"backslash", hexOf(rawTree(1, rawEntry(0, `..\x`, 1, id[:]))), `not a valid collection tree: name "..\\x" holds a path separator`},
		{"newline", hexOf(rawTree(1, rawEntry(0, "a\nb", 1, id[:]))), `not a valid collection tree: name "a\nb" holds U+000A`},
		{"bidi", hexOf(rawTree(1, rawEntry(0, "gpj.\u202eexe", 1, id[:]))), `not a valid collection tree: name "gpj.\u202eexe" holds U+202E`},
		{"unsorted", hexOf(rawTree(1, rawEntry(0, "b", 1, id[:]), rawEntry(0, "a", 1, id[:]))), `not a valid collection tree: entry "a" is not after "b": names are sorted bytewise without repeats`},
		{"repeated", hexOf(rawTree(1, rawEntry(0, "a", 1, id[:]), rawEntry(1, "a", 1, id[:]))), `not a valid collection tree: entry "a" is not after "a": names are sorted bytewise without repeats`},
		{"kind 2", hexOf(rawTree(1, rawEntry(2, "a", 1, id[:]))), "not a valid collection tree: byte 4: kind: 2 exceeds the limit 1"},
		{"version 0", hexOf(rawTree(0)), "not a valid collection tree: version 0, want 1"},
		{"version 2", hexOf(rawTree(2)), "not a valid collection tree: byte 1: version: 2 exceeds the limit 1"},
		{"zero id", hexOf(rawTree(1, rawEntry(0, "a", 1, make([]byte, 32)))), `not a valid collection tree: entry "a" has an all-zero id`},
		{"short id", hexOf(rawTree(1, rawEntry(0, "a", 1, id[:31]))), "not a valid collection tree: byte 8: id: 31 bytes, want 32..32"},
		{"trailing byte", hexOf(append(rawTree(1), 0)), "not a valid collection tree: byte 3: 1 trailing bytes after the last item"},
		{"too many entries", hexOf(cborwire.AppendArray(cborwire.AppendUint(cborwire.AppendArray(nil, 2), 1), MaxTreeEntries+1)), "not a valid collection tree: byte 2: entries: 4097 elements, want 0..4096"},
	}
}

func TestTreeRoundTrip(t *testing.T) {
	for _, c := range treeCases() {
		b, err := EncodeTree(c.entries)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := DecodeTree(b)
		if err != nil || !reflect.DeepEqual(got, c.entries) {
			t.Fatalf("%s: decoded %+v, %v", c.name, got, err)
		}
	}
	e, ok := FindTreeEntry(treeCases()[1].entries, "notes")
	if !ok || e.Kind != TreeDir {
		t.Fatalf("FindTreeEntry(notes) = %+v, %v", e, ok)
	}
	if _, ok := FindTreeEntry(treeCases()[1].entries, "nope"); ok {
		t.Fatal("found an entry that is not there")
	}
}

func TestTreeReject(t *testing.T) {
	for _, c := range treeRejectCases() {
		b, _ := hex.DecodeString(c.Hex)
		_, err := DecodeTree(b)
		if err == nil || err.Error() != c.Want || !errors.Is(err, ErrTree) {
			t.Errorf("%s:\n got %v\nwant %s", c.Name, err, c.Want)
		}
	}
	if _, err := EncodeTree([]TreeEntry{{Name: "..", ID: bid("x")}}); err == nil {
		t.Error("EncodeTree took ..")
	}
	for _, p := range []string{"a/../b", "a//b", "a/.", strings.Repeat("a/", MaxTreeDepth+2)} {
		if _, err := SplitTreePath(p); err == nil {
			t.Errorf("SplitTreePath(%q) gave no error", p)
		}
	}
	if parts, err := SplitTreePath("/photos/2024/"); err != nil || !reflect.DeepEqual(parts, []string{"photos", "2024"}) {
		t.Errorf("SplitTreePath = %v, %v", parts, err)
	}
}

// FuzzDecodeTree: DecodeTree never panics, and what it accepts encodes
// back to the same bytes.
func FuzzDecodeTree(f *testing.F) {
	for _, c := range treeCases() {
		b, _ := EncodeTree(c.entries)
		f.Add(b)
	}
	for _, c := range treeRejectCases() {
		b, _ := hex.DecodeString(c.Hex)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := DecodeTree(b)
		if err != nil {
			if !errors.Is(err, ErrTree) {
				t.Fatalf("error not ErrTree: %v", err)
			}
			return
		}
		again, err := EncodeTree(es)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs: %x, %v", again, err)
		}
	})
}

// TestWalkTreeBounds: a tree naming one subtree many times is walked only
// up to MaxTreeFiles entries; a chain deeper than MaxTreeDepth stops.
func TestWalkTreeBounds(t *testing.T) {
	// 4096 entries all naming the same subtree of 4096 entries: 16 M
	// paths two levels down.
	wide := make([]TreeEntry, MaxTreeEntries)
	for i := range wide {
		wide[i] = TreeEntry{Kind: TreeDir, Name: fmt.Sprintf("d%05d", i), ID: bid("same subtree")}
	}
	files := make([]TreeEntry, MaxTreeEntries)
	for i := range files {
		files[i] = TreeEntry{Kind: TreeFile, Name: fmt.Sprintf("f%05d", i), Size: 1 << 40, ID: bid("one file")}
	}
	gets, visited := 0, 0
	err := WalkTree(wide, func(TreeEntry) ([]TreeEntry, error) { gets++; return files, nil }, func(string, TreeEntry) error { visited++; return nil })
	if err == nil || !strings.Contains(err.Error(), "more than 100000 entries") || visited != MaxTreeFiles {
		t.Fatalf("wide tree: %v after %d entries, %d nodes read", err, visited, gets)
	}
	deep := []TreeEntry{{Kind: TreeDir, Name: "d", ID: bid("loop")}}
	err = WalkTree(deep, func(TreeEntry) ([]TreeEntry, error) { return deep, nil }, func(string, TreeEntry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "more than 32 levels deep") {
		t.Fatalf("deep tree: %v", err)
	}
	// Resolving a path.
	sub := []TreeEntry{{Kind: TreeFile, Name: "a.txt", Size: 3, ID: bid("a")}}
	root := []TreeEntry{{Kind: TreeDir, Name: "docs", ID: bid("docs")}, {Kind: TreeFile, Name: "x", ID: bid("x")}}
	get := func(e TreeEntry) ([]TreeEntry, error) {
		if e.ID == bid("docs") {
			return sub, nil
		}
		return nil, errors.New("unknown node")
	}
	if e, _, err := ResolveTreePath(root, "docs/a.txt", get); err != nil || e.ID != bid("a") {
		t.Fatalf("resolve docs/a.txt: %+v, %v", e, err)
	}
	for p, want := range map[string]string{"docs/b": `no "b" in "/docs"`, "x/y": `"x" is a file, not a directory`, "../etc": `name ".." would leave the directory`} {
		if _, _, err := ResolveTreePath(root, p, get); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resolve %q: %v, want %q", p, err, want)
		}
	}
}
