package content

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/cborwire"
)

// Collection trees (payloads.md §11.6): a directory as a content-addressed
// tree of blobs. A tree node is a blob listing the entries of one
// directory; a file entry names the file's blob, a directory entry the
// tree node of the subdirectory, so a reader fetches only the nodes on the
// path it wants and the files it wants.

// Limits of collection trees.
const (
	MaxTreeEntries  = 4096      // entries of one tree node
	MaxTreeName     = 255       // bytes of one entry name
	MaxTreeBlob     = 2 << 20   // bytes of one tree node
	MaxTreeDepth    = 32        // directories below the root
	MaxTreeFiles    = 100_000   // entries (files and directories) a walk of one collection visits
	treeVersion     = 1         // the first element of a tree node
	maxTreeSize     = 1<<63 - 1 // a size is an unsigned integer below 2^63
	treeEntryFields = 4         // kind, name, size, id
)

// TreeKind says what a tree entry is.
type TreeKind uint8

// The kinds of tree entries.
const (
	TreeFile TreeKind = 0 // a file: ID is its blob, Size its length
	TreeDir  TreeKind = 1 // a directory: ID is its tree node, Size the total of the files below
)

// TreeEntry is one entry of a tree node.
type TreeEntry struct {
	Kind TreeKind
	Name string  // 1–MaxTreeName bytes, CheckTreeName
	Size uint64  // bytes: of the file, or of all files below a directory
	ID   blob.ID // the file's blob or the directory's tree node
}

// ErrTree is matched by every error of DecodeTree and CheckTreeName.
var ErrTree = errors.New("not a valid collection tree")

func treeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrTree}, args...)...)
}

// CheckTreeName refuses an entry name that could leave its directory or
// pass for another: empty, over MaxTreeName bytes, not UTF-8, "." or "..",
// or containing '/', '\', NUL, a control character or a bidi control.
func CheckTreeName(name string) error {
	switch {
	case name == "":
		return treeErr("an empty name")
	case len(name) > MaxTreeName:
		return treeErr("name of %d bytes, at most %d", len(name), MaxTreeName)
	case !utf8.ValidString(name):
		return treeErr("name %q is not UTF-8", name)
	case name == "." || name == "..":
		return treeErr("name %q would leave the directory", name)
	case strings.ContainsAny(name, "/\\"):
		return treeErr("name %q holds a path separator", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || isBidiControl(r) {
			return treeErr("name %q holds U+%04X", name, r)
		}
	}
	return nil
}

// EncodeTree encodes a tree node. entries must be sorted by name
// (bytewise) without repeats, as CheckTree asks.
func EncodeTree(entries []TreeEntry) ([]byte, error) {
	if err := checkTree(entries); err != nil {
		return nil, err
	}
	b := cborwire.AppendArray(nil, 2)
	b = cborwire.AppendUint(b, treeVersion)
	b = cborwire.AppendArray(b, len(entries))
	for _, e := range entries {
		b = cborwire.AppendArray(b, treeEntryFields)
		b = cborwire.AppendUint(b, uint64(e.Kind))
		b = cborwire.AppendText(b, e.Name)
		b = cborwire.AppendUint(b, e.Size)
		b = cborwire.AppendBytes(b, e.ID[:])
	}
	if len(b) > MaxTreeBlob {
		return nil, treeErr("tree node of %d bytes, at most %d", len(b), MaxTreeBlob)
	}
	return b, nil
}

func checkTree(entries []TreeEntry) error {
	if len(entries) > MaxTreeEntries {
		return treeErr("%d entries in one directory, at most %d", len(entries), MaxTreeEntries)
	}
	for i, e := range entries {
		if err := CheckTreeName(e.Name); err != nil {
			return err
		}
		if e.Kind != TreeFile && e.Kind != TreeDir {
			return treeErr("entry %q has kind %d", e.Name, e.Kind)
		}
		if e.Size > maxTreeSize {
			return treeErr("entry %q has size %d", e.Name, e.Size)
		}
		if e.ID.IsZero() {
			return treeErr("entry %q has an all-zero id", e.Name)
		}
		if i > 0 && strings.Compare(entries[i-1].Name, e.Name) >= 0 {
			return treeErr("entry %q is not after %q: names are sorted bytewise without repeats", e.Name, entries[i-1].Name)
		}
	}
	return nil
}

// DecodeTree reads a tree node, refusing any other encoding (payloads.md
// §11.6). It never panics.
func DecodeTree(b []byte) ([]TreeEntry, error) {
	if len(b) > MaxTreeBlob {
		return nil, treeErr("tree node of %d bytes, at most %d", len(b), MaxTreeBlob)
	}
	r := cborwire.NewReader(b, nil)
	wrap := func(err error) ([]TreeEntry, error) { return nil, fmt.Errorf("%w: %v", ErrTree, err) }
	if _, err := r.Array("tree", 2, 2); err != nil {
		return wrap(err)
	}
	if v, err := r.Uint("version", treeVersion); err != nil {
		return wrap(err)
	} else if v != treeVersion {
		return nil, treeErr("version %d, want %d", v, treeVersion)
	}
	n, err := r.Array("entries", 0, MaxTreeEntries)
	if err != nil {
		return wrap(err)
	}
	out := make([]TreeEntry, n)
	for i := range out {
		if _, err := r.Array("entry", treeEntryFields, treeEntryFields); err != nil {
			return wrap(err)
		}
		k, err := r.Uint("kind", uint64(TreeDir))
		if err != nil {
			return wrap(err)
		}
		out[i].Kind = TreeKind(k)
		if out[i].Name, err = r.Text("name", 1, MaxTreeName); err != nil {
			return wrap(err)
		}
		if out[i].Size, err = r.Uint("size", maxTreeSize); err != nil {
			return wrap(err)
		}
		if err := r.Fixed("id", out[i].ID[:]); err != nil {
			return wrap(err)
		}
	}
	if err := r.End(); err != nil {
		return wrap(err)
	}
	if err := checkTree(out); err != nil {
		return nil, err
	}
	return out, nil
}

// FindTreeEntry returns the entry named name of a decoded node.
func FindTreeEntry(entries []TreeEntry, name string) (TreeEntry, bool) {
	lo, hi := 0, len(entries)
	for lo < hi {
		m := (lo + hi) / 2
		switch c := strings.Compare(entries[m].Name, name); {
		case c == 0:
			return entries[m], true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return TreeEntry{}, false
}

// SplitTreePath splits a path inside a collection ("a/b/c.txt"; "" or "/"
// is the root) into checked names.
func SplitTreePath(p string) ([]string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil, nil
	}
	parts := strings.Split(p, "/")
	if len(parts) > MaxTreeDepth+1 {
		return nil, treeErr("path of %d parts, at most %d", len(parts), MaxTreeDepth+1)
	}
	for _, s := range parts {
		if err := CheckTreeName(s); err != nil {
			return nil, err
		}
	}
	return parts, nil
}
