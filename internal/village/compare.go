package village

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/identity"
)

// ListKind names which bucketed list two locals compare
// (doc/protocol/village-compare.md §1).
type ListKind uint8

// The lists.
const (
	// KindStrangers: the strangers list of one local (component 5), each
	// member [stranger, vote, proof or null].
	KindStrangers ListKind = 0
	// KindStrangersState: the strangers state (component 6), each member
	// [stranger, standing, notes].
	KindStrangersState ListKind = 1
)

func (k ListKind) String() string {
	switch k {
	case KindStrangers:
		return "strangers"
	case KindStrangersState:
		return "strangers state"
	}
	return fmt.Sprintf("list(%d)", uint8(k))
}

// List is a bucketed list as the comparison sees it: members sorted by
// stranger id, each member its canonical encoding, and the bucket hashes of
// village.md §4.
type List struct {
	kind    ListKind
	ids     []StrangerID
	members [][]byte
	buckets [Buckets][32]byte
}

// Kind is the list's kind.
func (l *List) Kind() ListKind { return l.kind }

// Len is the number of members.
func (l *List) Len() int { return len(l.ids) }

// Buckets returns the 256 bucket hashes (all zero for an empty bucket).
func (l *List) Buckets() [Buckets][32]byte { return l.buckets }

// Hash is the list hash: the component the state commits to.
func (l *List) Hash() [32]byte { return listHash(l.buckets) }

// Member returns the i-th member (in id order) and its encoding.
func (l *List) Member(i int) (StrangerID, []byte) { return l.ids[i], l.members[i] }

// StrangersList returns local's strangers list (component 5) as s derives it.
func StrangersList(s *State, local identity.PublicKey) *List {
	l := &List{kind: KindStrangers}
	for _, st := range s.Strangers {
		if !st.Listed {
			continue
		}
		l.ids = append(l.ids, st.ID)
		l.members = append(l.members, appendStrangersMember(nil, st.ID, st.Ballot(local)))
	}
	l.buckets = bucketHashes(l.ids, l.members)
	return l
}

// StrangersStateList returns the strangers state (component 6) as s
// derives it.
func StrangersStateList(s *State) *List {
	l := &List{kind: KindStrangersState}
	for _, st := range s.Strangers {
		if !st.Listed {
			continue
		}
		m := cborwire.AppendArray(nil, 3)
		m = cborwire.AppendBytes(m, st.ID[:])
		m = cborwire.AppendUint(m, uint64(st.Standing))
		m = cborwire.AppendArray(m, len(st.Notes))
		for _, n := range st.Notes {
			m = cborwire.AppendArray(m, 2)
			m = cborwire.AppendBytes(m, n.Local[:])
			m = cborwire.AppendBytes(m, n.Hash[:])
		}
		l.ids = append(l.ids, st.ID)
		l.members = append(l.members, m)
	}
	l.buckets = bucketHashes(l.ids, l.members)
	return l
}

func appendStrangersMember(m []byte, id StrangerID, b Ballot) []byte {
	m = cborwire.AppendArray(m, 3)
	m = cborwire.AppendBytes(m, id[:])
	m = cborwire.AppendUint(m, uint64(b.Vote))
	if b.Vote == VoteAccept {
		return cborwire.AppendBytes(m, b.Proof[:])
	}
	return append(m, cborwire.Null)
}

// NewList builds a list of kind from member encodings in any order. Each
// must be a valid member of that kind; two members may not name the same
// stranger.
func NewList(kind ListKind, members [][]byte) (*List, error) {
	type m struct {
		id  StrangerID
		enc []byte
	}
	ms := make([]m, 0, len(members))
	for i, enc := range members {
		r := cborwire.NewReader(enc, nil)
		id, err := readMember(r, kind)
		if err == nil {
			err = r.End()
		}
		if err != nil {
			return nil, fmt.Errorf("village: member %d: %v", i, err)
		}
		ms = append(ms, m{id, slices.Clone(enc)})
	}
	slices.SortFunc(ms, func(a, b m) int { return bytes.Compare(a.id[:], b.id[:]) })
	l := &List{kind: kind}
	for i, x := range ms {
		if i > 0 && x.id == ms[i-1].id {
			return nil, fmt.Errorf("village: two members name stranger %x", x.id[:])
		}
		l.ids = append(l.ids, x.id)
		l.members = append(l.members, x.enc)
	}
	l.buckets = bucketHashes(l.ids, l.members)
	return l, nil
}

// StrangersMember is the encoding of a strangers-list member: stranger id,
// the local's vote and, with VoteAccept, its proof.
func StrangersMember(id StrangerID, vote VoteKind, proof [32]byte) []byte {
	return appendStrangersMember(nil, id, Ballot{Vote: vote, Proof: proof})
}

// Without returns a copy of l without the members naming ids.
func (l *List) Without(ids ...StrangerID) *List {
	drop := map[StrangerID]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	out := &List{kind: l.kind}
	for i, id := range l.ids {
		if !drop[id] {
			out.ids = append(out.ids, id)
			out.members = append(out.members, l.members[i])
		}
	}
	out.buckets = bucketHashes(out.ids, out.members)
	return out
}

// span returns the index range of the members whose id starts with prefix.
func (l *List) span(prefix []byte) (int, int) {
	lo, _ := slices.BinarySearchFunc(l.ids, prefix, func(id StrangerID, p []byte) int {
		return bytes.Compare(id[:len(p)], p)
	})
	hi := lo
	for hi < len(l.ids) && bytes.HasPrefix(l.ids[hi][:], prefix) {
		hi++
	}
	return lo, hi
}

// group returns the members whose id starts with prefix.
func (l *List) group(prefix []byte) MemberGroup {
	i, j := l.span(prefix)
	return MemberGroup{Prefix: slices.Clone(prefix), IDs: l.ids[i:j], Members: l.members[i:j]}
}

// subHashes returns the sub-bucket hashes of bucket b: sub-bucket s holds
// the members whose id starts with the two bytes b, s.
func (l *List) subHashes(b byte) [Buckets][32]byte {
	i, j := l.span([]byte{b})
	var out [Buckets][32]byte
	for i < j {
		k := i
		for k < j && l.ids[k][1] == l.ids[i][1] {
			k++
		}
		out[l.ids[i][1]] = groupHash(l.members[i:k])
		i = k
	}
	return out
}

// groupHash is the hash of a bucket or sub-bucket holding members: SHA-256
// of the CBOR array of the encodings, or all zero when empty.
func groupHash(members [][]byte) [32]byte {
	if len(members) == 0 {
		return [32]byte{}
	}
	h := sha256.New()
	h.Write(cborwire.AppendArray(nil, len(members)))
	for _, m := range members {
		h.Write(m)
	}
	return [32]byte(h.Sum(nil))
}

// Difference is what one side of a comparison learnt.
type Difference struct {
	Mine    []StrangerID // in this side's list only
	Theirs  []StrangerID // in the other side's list only
	Changed []StrangerID // in both, with different members (vote, proof, standing or notes)
}

// Len is the number of strangers that differ.
func (d Difference) Len() int { return len(d.Mine) + len(d.Theirs) + len(d.Changed) }

// diffGroup adds to d the difference between this side's members (ids,
// ms) and the other side's group g; both are sorted by id.
func (d *Difference) diffGroup(ids []StrangerID, ms [][]byte, g MemberGroup) {
	i, j := 0, 0
	for i < len(ids) || j < len(g.IDs) {
		switch {
		case j == len(g.IDs) || i < len(ids) && bytes.Compare(ids[i][:], g.IDs[j][:]) < 0:
			d.Mine = append(d.Mine, ids[i])
			i++
		case i == len(ids) || bytes.Compare(ids[i][:], g.IDs[j][:]) > 0:
			d.Theirs = append(d.Theirs, g.IDs[j])
			j++
		default:
			if !bytes.Equal(ms[i], g.Members[j]) {
				d.Changed = append(d.Changed, ids[i])
			}
			i, j = i+1, j+1
		}
	}
}
