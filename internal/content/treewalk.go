package content

import (
	"errors"
	"path"
)

// WalkTree calls fn with every entry below the tree node root, depth
// first in name order, with its path from root ("photos/2024/a.jpg").
// get returns a tree node's entries (reading or fetching its blob). It
// visits at most MaxTreeFiles entries and MaxTreeDepth directory levels
// below root, whatever the tree claims (a subtree named many times counts
// each time), and fails beyond. When fn returns ErrSkipDir for a directory,
// its entries are not visited.
func WalkTree(root []TreeEntry, get func(TreeEntry) ([]TreeEntry, error), fn func(p string, e TreeEntry) error) error {
	seen := 0
	var walk func(prefix string, es []TreeEntry, depth int) error
	walk = func(prefix string, es []TreeEntry, depth int) error {
		for _, e := range es {
			seen++
			if seen > MaxTreeFiles {
				return treeErr("more than %d entries: a collection this large (or a tree naming one subtree many times) is not walked", MaxTreeFiles)
			}
			p := path.Join(prefix, e.Name)
			if err := fn(p, e); err != nil {
				if errors.Is(err, ErrSkipDir) {
					continue
				}
				return err
			}
			if e.Kind != TreeDir {
				continue
			}
			if depth+1 > MaxTreeDepth {
				return treeErr("directory %q is more than %d levels deep", p, MaxTreeDepth)
			}
			sub, err := get(e)
			if err != nil {
				return err
			}
			if err := walk(p, sub, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk("", root, 0)
}

// ErrSkipDir, returned by WalkTree's fn for a directory, skips its entries.
var ErrSkipDir = treeErr("skip this directory")

// ResolveTreePath follows the names of p from the root node's entries and
// returns the entry p names; for the root itself (p is "" or "/") it
// returns a directory entry with a zero ID and the root's entries.
func ResolveTreePath(root []TreeEntry, p string, get func(TreeEntry) ([]TreeEntry, error)) (TreeEntry, []TreeEntry, error) {
	parts, err := SplitTreePath(p)
	if err != nil {
		return TreeEntry{}, nil, err
	}
	cur, es := TreeEntry{Kind: TreeDir}, root
	for i, name := range parts {
		if cur.Kind != TreeDir {
			return TreeEntry{}, nil, treeErr("%q is a file, not a directory", path.Join(parts[:i]...))
		}
		e, ok := FindTreeEntry(es, name)
		if !ok {
			return TreeEntry{}, nil, treeErr("no %q in %q", name, "/"+path.Join(parts[:i]...))
		}
		cur, es = e, nil
		if e.Kind == TreeDir {
			if es, err = get(e); err != nil {
				return TreeEntry{}, nil, err
			}
		}
	}
	return cur, es, nil
}
