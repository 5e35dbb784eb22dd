package replicate

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/kithnet/kith/internal/store"
)

// ItemSet is a snapshot of an offer set: items sorted by key (author ‖ log
// id, bytewise), with prefix sums of their hashes so that the fingerprint of
// any range costs two binary searches. It is immutable once built, so that
// sessions can share one (offerset.go).
type ItemSet struct {
	items []Item
	sums  []sum256 // sums[i]: the sum of the hashes of items[:i]
}

// NewItemSet builds a set from items in any order. Two items of one log are
// an error.
func NewItemSet(items []Item) (*ItemSet, error) {
	items = slices.Clone(items)
	if !slices.IsSortedFunc(items, cmpItems) {
		slices.SortFunc(items, cmpItems)
	}
	return newSortedItemSet(items)
}

// newSortedItemSet builds a set from items sorted by key, which it keeps.
func newSortedItemSet(items []Item) (*ItemSet, error) {
	s := &ItemSet{items: items, sums: make([]sum256, len(items)+1)}
	for i, it := range s.items {
		if i > 0 && it.Log == s.items[i-1].Log {
			return nil, fmt.Errorf("replicate: item set: log %s appears twice", it.Log)
		}
		s.sums[i+1] = s.sums[i].add(sumOf(ItemHash(it)))
	}
	return s, nil
}

// cmpItems orders items by key: author, then log id, bytewise.
func cmpItems(a, b Item) int { return cmpLogs(a.Log, b.Log) }

func cmpLogs(a, b store.LogKey) int {
	if c := bytes.Compare(a.Author[:], b.Author[:]); c != 0 {
		return c
	}
	return bytes.Compare(a.LogID[:], b.LogID[:])
}

// Len returns the number of items.
func (s *ItemSet) Len() int { return len(s.items) }

// Items returns the items in key order. The slice belongs to the set: do
// not modify it.
func (s *ItemSet) Items() []Item { return s.items[:len(s.items):len(s.items)] }

// key returns the key of item i.
func (s *ItemSet) key(i int) [KeySize]byte { return keyOf(s.items[i].Log) }

// Lookup returns the item of a log.
func (s *ItemSet) Lookup(log store.LogKey) (Item, bool) {
	i, ok := slices.BinarySearchFunc(s.items, log, func(it Item, l store.LogKey) int { return cmpLogs(it.Log, l) })
	if ok {
		return s.items[i], true
	}
	return Item{}, false
}

// search returns the index of the first item whose key is ≥ bound; nil is
// the end of the key space.
func (s *ItemSet) search(bound []byte) int {
	if bound == nil {
		return len(s.items)
	}
	return sort.Search(len(s.items), func(i int) bool {
		k := s.key(i)
		return bytes.Compare(k[:], bound) >= 0
	})
}

// fingerprint returns the fingerprint of items[i:j].
func (s *ItemSet) fingerprint(i, j int) Fingerprint {
	return fingerprintOf(s.sums[j].sub(s.sums[i]), j-i)
}

// Fingerprint returns the fingerprint of the items with lower ≤ key < upper
// (nil lower: from the start; nil upper: to the end).
func (s *ItemSet) Fingerprint(lower, upper []byte) Fingerprint {
	i := 0
	if lower != nil {
		i = s.search(lower)
	}
	return s.fingerprint(i, max(i, s.search(upper)))
}

// filter returns the set of the items whose log keep accepts: s itself
// when it accepts them all (nothing is copied), else a new set whose sums
// come from s's (no item is hashed again). keep is called once per item.
func (s *ItemSet) filter(keep func(store.LogKey) bool) *ItemSet {
	var drop []int
	for i := range s.items {
		if !keep(s.items[i].Log) {
			drop = append(drop, i)
		}
	}
	if len(drop) == 0 {
		return s
	}
	n := len(s.items) - len(drop)
	out := &ItemSet{items: make([]Item, 0, n), sums: make([]sum256, 1, n+1)}
	for i := range s.items {
		if len(drop) > 0 && drop[0] == i {
			drop = drop[1:]
			continue
		}
		out.items = append(out.items, s.items[i])
		out.sums = append(out.sums, out.sums[len(out.sums)-1].add(s.sums[i+1].sub(s.sums[i])))
	}
	return out
}

// between returns the shortest prefix of key b that sorts above key a
// (a < b): a bound that separates them.
func between(a, b *[KeySize]byte) []byte {
	return bytes.Clone(b[:sharedPrefix(a, b)+1])
}

// sharedPrefix returns the length of the common prefix of two different
// keys (at most KeySize−1).
func sharedPrefix(a, b *[KeySize]byte) int {
	p := 0
	for p < KeySize-1 && a[p] == b[p] {
		p++
	}
	return p
}
