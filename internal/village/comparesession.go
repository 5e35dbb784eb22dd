package village

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
)

// Session is one side of a comparison of two lists
// (doc/protocol/village-compare.md §2). The initiator starts with
// NewInitiator; the responder with NewResponder. Each side passes every
// message it receives to Receive and sends the reply, if any, until Done.
// A Session does no I/O.
type Session struct {
	list      *List
	initiator bool
	levels    int
	step      int
	done      bool
	diff      Difference

	theirHash    [32]byte          // responder: the initiator's list hash
	theirBuckets [Buckets][32]byte // initiator: the responder's bucket hashes
	differing    []byte            // buckets whose hashes differ
	subs         [][]byte          // level 2: the differing sub-buckets (2-byte prefixes)
}

// ErrProtocol is wrapped by every error of a session about a message that
// is well formed but out of place or inconsistent with what came before.
var ErrProtocol = errors.New("comparison protocol violation")

func protoErr(format string, args ...any) error {
	return fmt.Errorf("village: compare: %w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// NewInitiator starts a comparison of l with levels 1 or 2 and returns the
// first message to send.
func NewInitiator(l *List, levels int) (*Session, []byte, error) {
	if levels < 1 || levels > MaxLevels {
		return nil, nil, fmt.Errorf("village: compare: levels %d, want 1 or 2", levels)
	}
	s := &Session{list: l, initiator: true, levels: levels}
	return s, (&HashMsg{Kind: l.kind, Levels: levels, Hash: l.Hash()}).Encode(), nil
}

// NewResponder returns the responding side of a comparison of l.
func NewResponder(l *List) *Session { return &Session{list: l} }

// Done reports whether this side has learnt the difference.
func (s *Session) Done() bool { return s.done }

// Difference is what this side learnt: valid once Done.
func (s *Session) Difference() Difference { return s.diff }

// Receive handles one message from the other side and returns the reply to
// send (nil: none). After an error the session is unusable.
func (s *Session) Receive(b []byte) ([]byte, error) {
	if s.done {
		return nil, protoErr("a message after the comparison ended")
	}
	m, err := DecodeMessage(b)
	if err != nil {
		return nil, err
	}
	s.step++
	var reply Message
	if s.initiator {
		reply, err = s.initiatorStep(m)
	} else {
		reply, err = s.responderStep(m)
	}
	if err != nil {
		s.done = true
		return nil, err
	}
	if reply == nil {
		return nil, nil
	}
	return reply.Encode(), nil
}

func (s *Session) unexpected(m Message) error {
	return protoErr("unexpected %s as message %d of the %s", m.Name(), s.step, map[bool]string{true: "initiator", false: "responder"}[s.initiator])
}

func (s *Session) initiatorStep(m Message) (Message, error) {
	switch m := m.(type) {
	case *HashMsg:
		if s.step != 1 {
			return nil, s.unexpected(m)
		}
		if m.Kind != s.list.kind || m.Levels != s.levels || m.Hash != s.list.Hash() {
			return nil, protoErr("the responder's hash message does not match ours (kind %d, levels %d, equal hash %v)", m.Kind, m.Levels, m.Hash == s.list.Hash())
		}
		s.done = true
		return nil, nil
	case *BucketsMsg:
		if s.step != 1 {
			return nil, s.unexpected(m)
		}
		s.theirBuckets = m.Hashes
		for i := range Buckets {
			if s.list.buckets[i] != m.Hashes[i] {
				s.differing = append(s.differing, byte(i))
			}
		}
		if len(s.differing) == 0 {
			return nil, protoErr("the responder sent bucket hashes equal to ours")
		}
		if s.levels == 1 {
			return s.ownMembers(bucketPrefixes(s.differing)), nil
		}
		sm := &SubsMsg{}
		for _, b := range s.differing {
			sm.Groups = append(sm.Groups, SubGroup{Bucket: b, Hashes: s.list.subHashes(b)})
		}
		return sm, nil
	case *MembersMsg:
		if s.step != 2 || m.Kind != s.list.kind {
			return nil, s.unexpected(m)
		}
		if s.levels == 1 {
			// The groups must be exactly the differing buckets, each
			// hashing to the responder's bucket hash.
			if err := samePrefixes(m, bucketPrefixes(s.differing)); err != nil {
				return nil, err
			}
			for _, g := range m.Groups {
				if groupHash(g.Members) != s.theirBuckets[g.Prefix[0]] {
					return nil, protoErr("the responder's members of bucket %d do not hash to its bucket hash", g.Prefix[0])
				}
			}
			s.learn(m)
			s.done = true
			return nil, nil
		}
		// Level 2: the groups name the differing sub-buckets. Each
		// differing bucket, ours with those sub-buckets replaced by
		// theirs, must hash to the responder's bucket hash.
		var prefixes [][]byte
		for _, g := range m.Groups {
			if len(g.Prefix) != 2 {
				return nil, protoErr("a %d-byte prefix at level 2", len(g.Prefix))
			}
			if _, ok := slices.BinarySearch(s.differing, g.Prefix[0]); !ok {
				return nil, protoErr("sub-bucket %x is in a bucket that does not differ", g.Prefix)
			}
			prefixes = append(prefixes, g.Prefix)
		}
		for _, b := range s.differing {
			if s.patchedBucket(b, m) != s.theirBuckets[b] {
				return nil, protoErr("bucket %d does not add up to the responder's bucket hash", b)
			}
		}
		s.learn(m)
		s.done = true
		return s.ownMembers(prefixes), nil
	}
	return nil, s.unexpected(m)
}

func (s *Session) responderStep(m Message) (Message, error) {
	switch m := m.(type) {
	case *HashMsg:
		if s.step != 1 {
			return nil, s.unexpected(m)
		}
		if m.Kind != s.list.kind {
			return nil, protoErr("the initiator compares the %s list, we hold the %s list", m.Kind, s.list.kind)
		}
		s.levels, s.theirHash = m.Levels, m.Hash
		if m.Hash == s.list.Hash() {
			s.done = true
			return &HashMsg{Kind: s.list.kind, Levels: s.levels, Hash: m.Hash}, nil
		}
		return &BucketsMsg{Hashes: s.list.buckets}, nil
	case *SubsMsg:
		if s.step != 2 || s.levels != 2 {
			return nil, s.unexpected(m)
		}
		for _, g := range m.Groups {
			s.differing = append(s.differing, g.Bucket)
			mine := s.list.subHashes(g.Bucket)
			n := 0
			for i := range Buckets {
				if mine[i] != g.Hashes[i] {
					s.subs = append(s.subs, []byte{g.Bucket, byte(i)})
					n++
				}
			}
			if n == 0 {
				return nil, protoErr("bucket %d: the initiator's sub-bucket hashes equal ours", g.Bucket)
			}
		}
		return s.ownMembers(s.subs), nil
	case *MembersMsg:
		if m.Kind != s.list.kind {
			return nil, s.unexpected(m)
		}
		buckets := s.list.buckets
		switch {
		case s.levels == 1 && s.step == 2:
			for _, g := range m.Groups {
				if len(g.Prefix) != 1 {
					return nil, protoErr("a %d-byte prefix at level 1", len(g.Prefix))
				}
				s.differing = append(s.differing, g.Prefix[0])
				buckets[g.Prefix[0]] = groupHash(g.Members)
			}
		case s.levels == 2 && s.step == 3:
			if err := samePrefixes(m, s.subs); err != nil {
				return nil, err
			}
			for _, b := range s.differing {
				buckets[b] = s.patchedBucket(b, m)
			}
		default:
			return nil, s.unexpected(m)
		}
		// Our list with the initiator's groups in place of ours must be
		// the list the initiator announced.
		if listHash(buckets) != s.theirHash {
			return nil, protoErr("the initiator's members do not add up to its list hash")
		}
		s.learn(m)
		s.done = true
		if s.levels == 1 {
			var ps [][]byte
			for _, g := range m.Groups {
				ps = append(ps, g.Prefix)
			}
			return s.ownMembers(ps), nil
		}
		return nil, nil
	}
	return nil, s.unexpected(m)
}

// ownMembers is our members message for prefixes.
func (s *Session) ownMembers(prefixes [][]byte) *MembersMsg {
	m := &MembersMsg{Kind: s.list.kind}
	for _, p := range prefixes {
		m.Groups = append(m.Groups, s.list.group(p))
	}
	return m
}

// learn records the difference between our members and the other side's
// in each group of m.
func (s *Session) learn(m *MembersMsg) {
	for _, g := range m.Groups {
		i, j := s.list.span(g.Prefix)
		s.diff.diffGroup(s.list.ids[i:j], s.list.members[i:j], g)
	}
}

// patchedBucket is the hash of our bucket b with the sub-buckets m holds
// replaced by m's members.
func (s *Session) patchedBucket(b byte, m *MembersMsg) [32]byte {
	i, j := s.list.span([]byte{b})
	var ms [][]byte
	gi := 0
	for gi < len(m.Groups) && m.Groups[gi].Prefix[0] < b {
		gi++
	}
	for k := i; k < j || gi < len(m.Groups) && m.Groups[gi].Prefix[0] == b; {
		if gi < len(m.Groups) && m.Groups[gi].Prefix[0] == b && (k == j || s.list.ids[k][1] >= m.Groups[gi].Prefix[1]) {
			g := m.Groups[gi]
			ms = append(ms, g.Members...)
			for k < j && s.list.ids[k][1] == g.Prefix[1] {
				k++
			}
			gi++
			continue
		}
		ms = append(ms, s.list.members[k])
		k++
	}
	return groupHash(ms)
}

func bucketPrefixes(bs []byte) [][]byte {
	out := make([][]byte, len(bs))
	for i, b := range bs {
		out[i] = []byte{b}
	}
	return out
}

// samePrefixes checks that m's groups are exactly prefixes, in order.
func samePrefixes(m *MembersMsg, prefixes [][]byte) error {
	if len(m.Groups) != len(prefixes) {
		return protoErr("%d groups, want %d", len(m.Groups), len(prefixes))
	}
	for i, g := range m.Groups {
		if !bytes.Equal(g.Prefix, prefixes[i]) {
			return protoErr("group %d has prefix %x, want %x", i, g.Prefix, prefixes[i])
		}
	}
	return nil
}

// Sent is one message of a comparison run in memory.
type Sent struct {
	FromInitiator bool
	Name          string
	Bytes         int
}

// Exchange is the record of a comparison run in memory.
type Exchange struct {
	Levels           int
	Messages         []Sent
	BytesAtoB        int        // initiator to responder
	BytesBtoA        int        // responder to initiator
	A, B             Difference // what each side learnt (A.Mine = B.Theirs, ...)
	DifferingBuckets int        // buckets whose hashes differ
	DifferingSubs    int        // sub-buckets whose hashes differ (level 2)
}

// Compare runs a comparison between a (initiator) and b (responder) in
// memory, each side decoding the other's messages, and reports the bytes
// each way and what each side learnt.
func Compare(a, b *List, levels int) (*Exchange, error) {
	sa, msg, err := NewInitiator(a, levels)
	if err != nil {
		return nil, err
	}
	sb := NewResponder(b)
	x := &Exchange{Levels: levels}
	fromA := true
	for msg != nil {
		x.Messages = append(x.Messages, Sent{fromA, messageName(msg), len(msg)})
		to := sb
		if fromA {
			x.BytesAtoB += len(msg)
		} else {
			x.BytesBtoA += len(msg)
			to = sa
		}
		if msg, err = to.Receive(msg); err != nil {
			return nil, err
		}
		fromA = !fromA
		if len(x.Messages) > 8 {
			return nil, errors.New("village: compare: more than 8 messages")
		}
	}
	if !sa.Done() || !sb.Done() {
		return nil, fmt.Errorf("village: compare: the exchange stopped before both sides were done (%v, %v)", sa.Done(), sb.Done())
	}
	x.A, x.B = sa.Difference(), sb.Difference()
	x.DifferingBuckets, x.DifferingSubs = len(sa.differing), len(sb.subs)
	return x, nil
}

// messageName names an encoded message by its tag (byte 1).
func messageName(b []byte) string {
	if len(b) < 2 {
		return "?"
	}
	switch b[1] {
	case TagHash:
		return (*HashMsg)(nil).Name()
	case TagBuckets:
		return (*BucketsMsg)(nil).Name()
	case TagSubs:
		return (*SubsMsg)(nil).Name()
	case TagMembers:
		return (*MembersMsg)(nil).Name()
	}
	return "?"
}
