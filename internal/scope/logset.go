package scope

import (
	"hash/maphash"
	"slices"

	"github.com/kithnet/kith/internal/store"
)

// logSet is a set of logs held as sorted 64-bit keyed hashes of their
// keys: 8 bytes a log where the sorted keys took 64 and a map about 130,
// for a node that lists a million logs explicitly (BENCHMARKS.md,
// "Scale", item 7, ninth session). Only membership is asked of it.
//
// A log not in the set is taken for one in it when its hash equals one
// of theirs: with n logs listed, a chance of n/2^64 per log asked about
// (2^-44 at a million). The seed is drawn at random for each process and
// never leaves it, so no one can search offline for a log key that
// collides with a listed one; online, a peer would have to make this node
// consider some 2^44 logs for one of them to be wanted, and what it would
// gain is that one log replicated as though listed.
type logSet struct {
	seed maphash.Seed
	sums []uint64 // sorted, without duplicates
}

// newLogSet returns the set of logs (in any order, duplicates allowed).
func newLogSet(logs []store.LogKey) logSet {
	s := logSet{seed: maphash.MakeSeed(), sums: make([]uint64, len(logs))}
	for i, l := range logs {
		s.sums[i] = s.sum(l)
	}
	slices.Sort(s.sums)
	s.sums = slices.Clip(slices.Compact(s.sums))
	return s
}

func (s logSet) sum(l store.LogKey) uint64 { return maphash.Comparable(s.seed, l) }

// has reports whether log is in the set (see logSet for the chance that
// it says so of a log that is not).
func (s logSet) has(log store.LogKey) bool {
	if len(s.sums) == 0 {
		return false
	}
	_, ok := slices.BinarySearch(s.sums, s.sum(log))
	return ok
}

// len returns how many distinct hashes the set holds.
func (s logSet) len() int { return len(s.sums) }
