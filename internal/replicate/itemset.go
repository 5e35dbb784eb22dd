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
// any range costs two binary searches.
type ItemSet struct {
	items []Item
	keys  [][KeySize]byte
	sums  []sum256 // sums[i]: the sum of the hashes of items[:i]
}

// NewItemSet builds a set from items in any order. Two items of one log are
// an error.
func NewItemSet(items []Item) (*ItemSet, error) {
	s := &ItemSet{items: slices.Clone(items)}
	s.keys = make([][KeySize]byte, len(s.items))
	for i, it := range s.items {
		s.keys[i] = keyOf(it.Log)
	}
	if !sort.SliceIsSorted(s.keys, func(i, j int) bool { return bytes.Compare(s.keys[i][:], s.keys[j][:]) < 0 }) {
		idx := make([]int, len(s.items))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return bytes.Compare(s.keys[idx[a]][:], s.keys[idx[b]][:]) < 0 })
		items, keys := make([]Item, len(idx)), make([][KeySize]byte, len(idx))
		for i, j := range idx {
			items[i], keys[i] = s.items[j], s.keys[j]
		}
		s.items, s.keys = items, keys
	}
	s.sums = make([]sum256, len(s.items)+1)
	for i, it := range s.items {
		if i > 0 && s.keys[i] == s.keys[i-1] {
			return nil, fmt.Errorf("replicate: item set: log %s appears twice", it.Log)
		}
		s.sums[i+1] = s.sums[i].add(sumOf(ItemHash(it)))
	}
	return s, nil
}

// Len returns the number of items.
func (s *ItemSet) Len() int { return len(s.items) }

// Items returns the items in key order. The slice belongs to the set.
func (s *ItemSet) Items() []Item { return s.items }

// Lookup returns the item of a log.
func (s *ItemSet) Lookup(log store.LogKey) (Item, bool) {
	k := keyOf(log)
	i := s.search(k[:])
	if i < len(s.items) && s.keys[i] == k {
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
	return sort.Search(len(s.keys), func(i int) bool { return bytes.Compare(s.keys[i][:], bound) >= 0 })
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
