package village

import (
	"bytes"
	"errors"
	"fmt"
	"math/bits"

	"github.com/kithnet/kith/internal/cborwire"
)

// Limits of the comparison messages (doc/protocol/village-compare.md §4).
const (
	MaxCompareMessage = 64 << 20 // bytes of one message
	MaxLevels         = 2        // bucket levels: 1 (id[0]) or 2 (id[0], id[1])
	MaxMemberGroups   = 1 << 16  // groups in a members message
	MaxGroupMembers   = 1 << 20  // members in one group
	MaxMemberNotes    = 4096     // notes in one strangers-state member
)

// The message tags (the first element of every message).
const (
	TagHash    = 1
	TagBuckets = 2
	TagSubs    = 3
	TagMembers = 4
)

// Message is one message of a comparison.
type Message interface {
	// Name is the message's name in errors and reports.
	Name() string
	// Encode returns the message's canonical encoding.
	Encode() []byte
}

// HashMsg opens a comparison (initiator) or closes it when the lists are
// equal (responder): [1, kind, levels, list hash].
type HashMsg struct {
	Kind   ListKind
	Levels int
	Hash   [32]byte
}

// BucketsMsg is the responder's 256 bucket hashes: [2, present, hashes].
type BucketsMsg struct{ Hashes [Buckets][32]byte }

// SubGroup is the 256 sub-bucket hashes of one bucket.
type SubGroup struct {
	Bucket byte
	Hashes [Buckets][32]byte
}

// SubsMsg is the initiator's sub-bucket hashes of each differing bucket:
// [3, [[bucket, present, hashes], ...]].
type SubsMsg struct{ Groups []SubGroup }

// MemberGroup is the members of one bucket (1-byte prefix) or sub-bucket
// (2-byte prefix), sorted by id.
type MemberGroup struct {
	Prefix  []byte
	IDs     []StrangerID
	Members [][]byte
}

// MembersMsg is one side's members of the differing (sub-)buckets:
// [4, kind, [[prefix, [member, ...]], ...]].
type MembersMsg struct {
	Kind   ListKind
	Groups []MemberGroup
}

// Name implements Message.
func (*HashMsg) Name() string { return "compare.hash" }

// Name implements Message.
func (*BucketsMsg) Name() string { return "compare.buckets" }

// Name implements Message.
func (*SubsMsg) Name() string { return "compare.subs" }

// Name implements Message.
func (*MembersMsg) Name() string { return "compare.members" }

// Encode implements Message.
func (m *HashMsg) Encode() []byte {
	b := cborwire.AppendArray(nil, 4)
	b = cborwire.AppendUint(b, TagHash)
	b = cborwire.AppendUint(b, uint64(m.Kind))
	b = cborwire.AppendUint(b, uint64(m.Levels))
	return cborwire.AppendBytes(b, m.Hash[:])
}

// Encode implements Message.
func (m *BucketsMsg) Encode() []byte {
	b := cborwire.AppendArray(nil, 3)
	b = cborwire.AppendUint(b, TagBuckets)
	return appendSparse(b, &m.Hashes)
}

// Encode implements Message.
func (m *SubsMsg) Encode() []byte {
	b := cborwire.AppendArray(nil, 2)
	b = cborwire.AppendUint(b, TagSubs)
	b = cborwire.AppendArray(b, len(m.Groups))
	for i := range m.Groups {
		b = cborwire.AppendArray(b, 3)
		b = cborwire.AppendUint(b, uint64(m.Groups[i].Bucket))
		b = appendSparse(b, &m.Groups[i].Hashes)
	}
	return b
}

// Encode implements Message.
func (m *MembersMsg) Encode() []byte {
	b := cborwire.AppendArray(nil, 3)
	b = cborwire.AppendUint(b, TagMembers)
	b = cborwire.AppendUint(b, uint64(m.Kind))
	b = cborwire.AppendArray(b, len(m.Groups))
	for _, g := range m.Groups {
		b = cborwire.AppendArray(b, 2)
		b = cborwire.AppendBytes(b, g.Prefix)
		b = cborwire.AppendArray(b, len(g.Members))
		for _, x := range g.Members {
			b = append(b, x...)
		}
	}
	return b
}

// appendSparse appends 256 hashes as two byte strings: a 32-byte bitmap of
// the non-zero hashes (bit 7 of byte 0 is hash 0) and those hashes in order.
func appendSparse(b []byte, h *[Buckets][32]byte) []byte {
	var present [Buckets / 8]byte
	n := 0
	for i := range h {
		if h[i] != ([32]byte{}) {
			present[i/8] |= 0x80 >> (i % 8)
			n++
		}
	}
	b = cborwire.AppendBytes(b, present[:])
	b = cborwire.AppendHead(b, cborwire.MajorBytes, uint64(32*n))
	for i := range h {
		if h[i] != ([32]byte{}) {
			b = append(b, h[i][:]...)
		}
	}
	return b
}

// msgReader reads one message and words its errors.
type msgReader struct {
	r    *cborwire.Reader
	raw  []byte
	name string
}

func (d *msgReader) fail(err error) error {
	return &Error{Type: d.name, Msg: err.Error()}
}

func (d *msgReader) failf(at int, format string, args ...any) error {
	return &Error{Type: d.name, Msg: fmt.Sprintf("byte %d: ", at) + fmt.Sprintf(format, args...)}
}

// ErrMessageTooLarge is wrapped by the error for a message over
// MaxCompareMessage bytes.
var ErrMessageTooLarge = errors.New("message too large")

// DecodeMessage decodes one comparison message strictly: canonical
// encoding, every limit, no trailing bytes. It never panics; every error is
// an *Error whose Type names the message ("compare" before the tag is known).
func DecodeMessage(b []byte) (Message, error) {
	if len(b) > MaxCompareMessage {
		return nil, &Error{Type: "compare", Msg: fmt.Sprintf("%d bytes exceed the limit %d", len(b), MaxCompareMessage), Err: ErrMessageTooLarge}
	}
	d := &msgReader{r: cborwire.NewReader(b, nil), raw: b, name: "compare"}
	n, err := d.r.Array("message", 2, 4)
	if err != nil {
		return nil, d.fail(err)
	}
	at := d.r.Offset()
	tag, err := d.r.Uint("tag", TagMembers)
	if err != nil {
		return nil, d.fail(err)
	}
	want := map[uint64]int{TagHash: 4, TagBuckets: 3, TagSubs: 2, TagMembers: 3}[tag]
	if tag == 0 {
		return nil, d.failf(at, "unknown message tag 0")
	}
	var m Message
	switch tag {
	case TagHash:
		m = &HashMsg{}
	case TagBuckets:
		m = &BucketsMsg{}
	case TagSubs:
		m = &SubsMsg{}
	default:
		m = &MembersMsg{}
	}
	d.name = m.Name()
	if n != want {
		return nil, d.failf(0, "an array of %d elements, want %d", n, want)
	}
	switch m := m.(type) {
	case *HashMsg:
		err = d.hash(m)
	case *BucketsMsg:
		err = d.sparse(&m.Hashes)
	case *SubsMsg:
		err = d.subs(m)
	case *MembersMsg:
		err = d.members(m)
	}
	if err != nil {
		return nil, err
	}
	if err := d.r.End(); err != nil {
		return nil, d.fail(err)
	}
	return m, nil
}

func (d *msgReader) kind() (ListKind, error) {
	k, err := d.r.Uint("kind", uint64(KindStrangersState))
	if err != nil {
		return 0, d.fail(err)
	}
	return ListKind(k), nil
}

func (d *msgReader) hash(m *HashMsg) error {
	var err error
	if m.Kind, err = d.kind(); err != nil {
		return err
	}
	at := d.r.Offset()
	lv, err := d.r.Uint("levels", MaxLevels)
	if err != nil {
		return d.fail(err)
	}
	if lv < 1 {
		return d.failf(at, "levels: 0 is below the minimum 1")
	}
	m.Levels = int(lv)
	if err := d.r.Fixed("hash", m.Hash[:]); err != nil {
		return d.fail(err)
	}
	return nil
}

// sparse reads the two byte strings of appendSparse into h.
func (d *msgReader) sparse(h *[Buckets][32]byte) error {
	var present [Buckets / 8]byte
	if err := d.r.Fixed("present", present[:]); err != nil {
		return d.fail(err)
	}
	n := 0
	for _, x := range present {
		n += bits.OnesCount8(x)
	}
	at := d.r.Offset()
	hs, err := d.r.Bytes("hashes", 32*n, 32*n)
	if err != nil {
		return d.fail(err)
	}
	k := 0
	for i := range h {
		if present[i/8]&(0x80>>(i%8)) == 0 {
			continue
		}
		copy(h[i][:], hs[32*k:])
		if h[i] == ([32]byte{}) {
			return d.failf(at, "hashes: hash %d is all zero (an empty bucket is absent from present)", i)
		}
		k++
	}
	return nil
}

func (d *msgReader) subs(m *SubsMsg) error {
	n, err := d.r.Array("groups", 1, Buckets)
	if err != nil {
		return d.fail(err)
	}
	m.Groups = make([]SubGroup, n)
	for i := range m.Groups {
		if _, err := d.r.Array("group", 3, 3); err != nil {
			return d.fail(err)
		}
		at := d.r.Offset()
		b, err := d.r.Uint("bucket", Buckets-1)
		if err != nil {
			return d.fail(err)
		}
		if i > 0 && byte(b) <= m.Groups[i-1].Bucket {
			return d.failf(at, "bucket %d does not follow bucket %d (ascending, no repeats)", b, m.Groups[i-1].Bucket)
		}
		m.Groups[i].Bucket = byte(b)
		if err := d.sparse(&m.Groups[i].Hashes); err != nil {
			return err
		}
	}
	return nil
}

func (d *msgReader) members(m *MembersMsg) error {
	var err error
	if m.Kind, err = d.kind(); err != nil {
		return err
	}
	n, err := d.r.Array("groups", 1, MaxMemberGroups)
	if err != nil {
		return d.fail(err)
	}
	for i := range n {
		if _, err := d.r.Array("group", 2, 2); err != nil {
			return d.fail(err)
		}
		at := d.r.Offset()
		p, err := d.r.Bytes("prefix", 1, MaxLevels)
		if err != nil {
			return d.fail(err)
		}
		if i > 0 {
			prev := m.Groups[i-1].Prefix
			if len(p) != len(prev) {
				return d.failf(at, "prefix of %d bytes after one of %d (all groups have the same level)", len(p), len(prev))
			}
			if bytes.Compare(p, prev) <= 0 {
				return d.failf(at, "prefix %x does not follow %x (ascending, no repeats)", p, prev)
			}
		}
		g := MemberGroup{Prefix: bytes.Clone(p)}
		k, err := d.r.Array("members", 0, MaxGroupMembers)
		if err != nil {
			return d.fail(err)
		}
		for j := range k {
			start := d.r.Offset()
			id, err := readMember(d.r, m.Kind)
			if err != nil {
				return d.fail(err)
			}
			if !bytes.HasPrefix(id[:], g.Prefix) {
				return d.failf(start, "member %d: stranger %x does not start with the group's prefix %x", j, id[:4], g.Prefix)
			}
			if j > 0 && bytes.Compare(id[:], g.IDs[j-1][:]) <= 0 {
				return d.failf(start, "member %d: stranger ids not ascending (or repeated)", j)
			}
			g.IDs = append(g.IDs, id)
			g.Members = append(g.Members, bytes.Clone(d.body()[start:d.r.Offset()]))
		}
		m.Groups = append(m.Groups, g)
	}
	return nil
}

// body returns the bytes being read (the reader keeps them private).
func (d *msgReader) body() []byte { return d.raw }

// readMember reads one list member of kind and returns its stranger id.
func readMember(r *cborwire.Reader, kind ListKind) (StrangerID, error) {
	var id StrangerID
	if _, err := r.Array("member", 3, 3); err != nil {
		return id, err
	}
	at := r.Offset()
	if err := r.Fixed("stranger", id[:]); err != nil {
		return id, err
	}
	var zero [32]byte
	if [32]byte(id[:32]) == zero || [32]byte(id[32:]) == zero {
		return id, fmt.Errorf("byte %d: stranger: neither half of a stranger id may be all zero", at)
	}
	switch kind {
	case KindStrangers:
		v, err := r.Uint("vote", uint64(VoteAccept))
		if err != nil {
			return id, err
		}
		at := r.Offset()
		if v == uint64(VoteAccept) {
			var p [32]byte
			if err := r.Fixed("proof", p[:]); err != nil {
				return id, err
			}
		} else if !r.Null() {
			return id, fmt.Errorf("byte %d: proof: null expected with vote %d", at, v)
		}
	case KindStrangersState:
		if _, err := r.Uint("standing", uint64(Accepted)); err != nil {
			return id, err
		}
		n, err := r.Array("notes", 0, MaxMemberNotes)
		if err != nil {
			return id, err
		}
		var prev [32]byte
		for i := range n {
			if _, err := r.Array("note", 2, 2); err != nil {
				return id, err
			}
			at := r.Offset()
			var k, h [32]byte
			if err := r.Fixed("local", k[:]); err != nil {
				return id, err
			}
			if i > 0 && bytes.Compare(k[:], prev[:]) <= 0 {
				return id, fmt.Errorf("byte %d: note %d: locals not ascending (or repeated)", at, i)
			}
			prev = k
			if err := r.Fixed("strangerspec hash", h[:]); err != nil {
				return id, err
			}
		}
	default:
		return id, fmt.Errorf("unknown list kind %d", kind)
	}
	return id, nil
}
