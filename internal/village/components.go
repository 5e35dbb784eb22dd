package village

import (
	"bytes"
	"slices"

	"crypto/sha256"
	"fmt"
	"github.com/kithnet/kith/internal/entry"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/identity"
)

// Buckets is the number of buckets of the strangers list and the strangers
// state: a stranger goes to the bucket of the first byte of its id.
const Buckets = 256

// Commitment is the state's content address: SHA-256 of the six components
// concatenated in order (192 bytes).
func (c Components) Commitment() [32]byte {
	b := make([]byte, 0, 6*32)
	for _, x := range [][32]byte{c.Previous, c.Userspec, c.Locals, c.LocalsState, c.Strangers, c.StrangersState} {
		b = append(b, x[:]...)
	}
	return sha256.Sum256(b)
}

// Commitment is the commitment of the state the payload describes.
func (p *StatePayload) Commitment() [32]byte { return p.Components.Commitment() }

// BucketHashes returns the bucket hashes of a bucketed list whose members
// are given by stranger id and encoding, members sorted by id: a bucket's
// hash is SHA-256 of the CBOR array of its members' encodings, or all zero
// for an empty bucket.
func bucketHashes(ids []StrangerID, members [][]byte) [Buckets][32]byte {
	var out [Buckets][32]byte
	for i := 0; i < len(ids); {
		j := i
		for j < len(ids) && ids[j][0] == ids[i][0] {
			j++
		}
		arr := cborwire.AppendArray(nil, j-i)
		for _, m := range members[i:j] {
			arr = append(arr, m...)
		}
		out[ids[i][0]] = sha256.Sum256(arr)
		i = j
	}
	return out
}

// listHash is SHA-256 of the 256 bucket hashes concatenated (8192 bytes).
func listHash(b [Buckets][32]byte) [32]byte {
	h := sha256.New()
	for _, x := range b {
		h.Write(x[:])
	}
	return [32]byte(h.Sum(nil))
}

// StrangersBuckets returns the bucket hashes of local's strangers list:
// the listed strangers, each member the array [stranger id, vote, proof or
// null] with local's vote (mechanical for a passive local, deferred if it
// has not voted).
func (s *State) StrangersBuckets(local identity.PublicKey) [Buckets][32]byte {
	return StrangersList(s, local).Buckets()
}

// StrangersStateBuckets returns the bucket hashes of the strangers state:
// for each listed stranger, the array [stranger id, standing, notes], notes
// being the array of [local, strangerspec payload hash] sorted by local.
func (s *State) StrangersStateBuckets() [Buckets][32]byte {
	return StrangersStateList(s).Buckets()
}

// Components returns local's six components for a state that follows
// previous (zero for the first state). local must be a current local.
func (s *State) Components(local identity.PublicKey, previous [32]byte) (Components, error) {
	l := s.local(local)
	if l == nil {
		return Components{}, fmt.Errorf("village: %s is not a local", local.Hex())
	}
	members := s.Members()
	ll := cborwire.AppendArray(nil, len(members))
	ls := cborwire.AppendArray(nil, len(members))
	for _, k := range members {
		ll = cborwire.AppendBytes(ll, k[:])
		st := s.locals[k].State
		ls = cborwire.AppendBytes(ls, st[:])
	}
	return Components{
		Previous:       previous,
		Userspec:       l.Userspec,
		Locals:         sha256.Sum256(ll),
		LocalsState:    sha256.Sum256(ls),
		Strangers:      listHash(s.StrangersBuckets(local)),
		StrangersState: listHash(s.StrangersStateBuckets()),
	}, nil
}

// SeenOf returns the seen list of a state built from the entries a local
// holds: for every author with entries in the village log, the highest
// seq held and its entry (the lowest id if a fork holds two). The caller
// must hold each listed log from seq 1 to that seq.
func SeenOf(village entry.ID, entries []*entry.Entry) []Seen {
	heads := map[identity.PublicKey]Seen{}
	for _, e := range entries {
		if e.Header.LogID != entry.LogID(village) {
			continue
		}
		h, ok := heads[e.Header.Author]
		if !ok || e.Header.Seq > h.Seq || e.Header.Seq == h.Seq && bytes.Compare(e.ID[:], h.Head[:]) < 0 {
			heads[e.Header.Author] = Seen{e.Header.Author, e.Header.Seq, e.ID}
		}
	}
	out := make([]Seen, 0, len(heads))
	for _, s := range heads {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Seen) int { return keyCmp(a.Author, b.Author) })
	return out
}

// NewStatePayload builds local's village.state payload from s (reduced from
// exactly the entries seen names) following the state whose commitment is
// previous (zero for the first).
func (s *State) NewStatePayload(local identity.PublicKey, previous [32]byte, seen []Seen) (*StatePayload, error) {
	c, err := s.Components(local, previous)
	if err != nil {
		return nil, err
	}
	id, err := SeenID(seen)
	if err != nil {
		return nil, err
	}
	return &StatePayload{Village: s.Village, Components: c, SeenList: id, Seen: seen}, nil
}
