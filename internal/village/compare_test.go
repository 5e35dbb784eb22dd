package village

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randID returns a random stranger id; the first bytes can be forced to
// crowd one bucket or sub-bucket.
func randID(r *rand.Rand, prefix ...byte) StrangerID {
	var id StrangerID
	for i := range id {
		id[i] = byte(r.UintN(256))
	}
	copy(id[:], prefix)
	id[31], id[63] = 1, 1 // neither half zero
	return id
}

func randMember(r *rand.Rand, id StrangerID) []byte {
	v := VoteKind(r.UintN(3))
	var p [32]byte
	if v == VoteAccept {
		p[0], p[1] = 1, byte(r.UintN(4))
	}
	return StrangersMember(id, v, p)
}

func mustList(t testing.TB, kind ListKind, ms [][]byte) *List {
	t.Helper()
	l, err := NewList(kind, ms)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func sortIDs(ids []StrangerID) []StrangerID {
	slices.SortFunc(ids, func(a, b StrangerID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

func sameIDs(t *testing.T, what string, got, want []StrangerID) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, sortIDs(slices.Clone(want))) {
		t.Errorf("%s: got %d ids, want %d", what, len(got), len(want))
	}
}

// checkExchange checks that both sides learnt exactly the difference.
func checkExchange(t *testing.T, x *Exchange, onlyA, onlyB, changed []StrangerID) {
	t.Helper()
	sameIDs(t, "A.Mine", x.A.Mine, onlyA)
	sameIDs(t, "A.Theirs", x.A.Theirs, onlyB)
	sameIDs(t, "A.Changed", x.A.Changed, changed)
	sameIDs(t, "B.Mine", x.B.Mine, onlyB)
	sameIDs(t, "B.Theirs", x.B.Theirs, onlyA)
	sameIDs(t, "B.Changed", x.B.Changed, changed)
	if x.BytesAtoB+x.BytesBtoA != sumBytes(x) {
		t.Errorf("byte counts do not add up")
	}
}

func sumBytes(x *Exchange) int {
	n := 0
	for _, m := range x.Messages {
		n += m.Bytes
	}
	return n
}

// TestListHashIsTheComponent: the lists the comparison builds hash to
// components 5 and 6 of the state.
func TestListHashIsTheComponent(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	w := founded(t, Majority, Majority, a, b, c)
	for i := range byte(40) {
		w.post(a, &Vote{Village: w.village, Stranger: stranger(i * 7), Vote: VoteAccept, Proof: proof(i % 3)})
		if i%3 == 0 {
			w.post(b, &Vote{Village: w.village, Stranger: stranger(i * 7), Vote: VoteVeto})
			w.post(c, &Strangerspec{Village: w.village, Stranger: stranger(i * 7), Text: "note"})
		}
	}
	w.post(b, &Userspec{Village: w.village, Mode: Passive, Name: "b"})
	s := w.reduce()
	for _, loc := range s.Members() {
		comp, err := s.Components(loc, [32]byte{})
		if err != nil {
			t.Fatal(err)
		}
		if got := StrangersList(s, loc).Hash(); got != comp.Strangers {
			t.Errorf("strangers list of %x: hash %x, component %x", loc[:4], got[:4], comp.Strangers[:4])
		}
		if got := StrangersStateList(s).Hash(); got != comp.StrangersState {
			t.Errorf("strangers state: hash %x, component %x", got[:4], comp.StrangersState[:4])
		}
	}
	// Rebuilt from its members' encodings, a list hashes the same.
	l := StrangersStateList(s)
	var ms [][]byte
	for i := range l.Len() {
		_, m := l.Member(i)
		ms = append(ms, m)
	}
	if mustList(t, KindStrangersState, ms).Hash() != l.Hash() {
		t.Error("NewList of the strangers state's members hashes differently")
	}
}

// TestCompareEqual: equal lists exchange only the two hash messages, 38
// bytes each.
func TestCompareEqual(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var ms [][]byte
	for range 1000 {
		ms = append(ms, randMember(r, randID(r)))
	}
	for _, levels := range []int{1, 2} {
		for _, ms := range [][][]byte{nil, ms} {
			x, err := Compare(mustList(t, KindStrangers, ms), mustList(t, KindStrangers, ms), levels)
			if err != nil {
				t.Fatal(err)
			}
			want := []Sent{{true, "compare.hash", 38}, {false, "compare.hash", 38}}
			if !slices.Equal(x.Messages, want) || x.BytesAtoB != 38 || x.BytesBtoA != 38 {
				t.Errorf("levels %d, %d members: messages %v, bytes %d/%d; want %v", levels, len(ms), x.Messages, x.BytesAtoB, x.BytesBtoA, want)
			}
			if x.A.Len() != 0 || x.B.Len() != 0 {
				t.Errorf("a difference between equal lists: %+v", x)
			}
		}
	}
}

// TestCompareExact: lists differing by k strangers; both sides find
// exactly those k, with exact message sequences and byte counts.
func TestCompareExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var ms [][]byte
	var ids []StrangerID
	for range 2000 {
		id := randID(r)
		ids, ms = append(ids, id), append(ms, randMember(r, id))
	}
	a := mustList(t, KindStrangers, ms)
	for _, k := range []int{1, 2, 10, 100} {
		drop := ids[:k] // in A only
		b := a.Without(drop...)
		for _, levels := range []int{1, 2} {
			x, err := Compare(a, b, levels)
			if err != nil {
				t.Fatalf("k=%d levels %d: %v", k, levels, err)
			}
			checkExchange(t, x, drop, nil, nil)
			n := 4 + levels - 1
			if len(x.Messages) != n {
				t.Errorf("k=%d levels %d: %d messages, want %d", k, levels, len(x.Messages), n)
			}
			// Reversed roles: the responder holds the extra strangers.
			y, err := Compare(b, a, levels)
			if err != nil {
				t.Fatal(err)
			}
			checkExchange(t, y, nil, drop, nil)
		}
	}

	// One stranger changes its vote: Changed, not Mine/Theirs.
	id := ids[5]
	ms2 := slices.Clone(ms)
	ms2[5] = StrangersMember(id, VoteVeto, [32]byte{})
	if bytes.Equal(ms2[5], ms[5]) {
		ms2[5] = StrangersMember(id, VoteDeferred, [32]byte{})
	}
	x, err := Compare(a, mustList(t, KindStrangers, ms2), 2)
	if err != nil {
		t.Fatal(err)
	}
	checkExchange(t, x, nil, nil, []StrangerID{id})

	// The exact sizes for one stranger missing from B, A holding three
	// strangers in three buckets.
	small := [][]byte{
		StrangersMember(StrangerID{0x01, 63: 1, 31: 1}, VoteDeferred, [32]byte{}),
		StrangersMember(StrangerID{0x02, 63: 1, 31: 1}, VoteVeto, [32]byte{}),
		StrangersMember(StrangerID{0x03, 63: 1, 31: 1}, VoteAccept, [32]byte{1}),
	}
	sa, sb := mustList(t, KindStrangers, small), mustList(t, KindStrangers, small[:2])
	// Each member: array head 1, id 2+64, vote 1, null 1 (or proof 2+32).
	const memberNull = 1 + 66 + 1 + 1
	for _, tc := range []struct {
		levels int
		want   []Sent
	}{
		{1, []Sent{
			{true, "compare.hash", 38},
			{false, "compare.buckets", 1 + 1 + 2 + 32 + 2 + 2*32}, // [2, present, 2 hashes]
			{true, "compare.members", 1 + 1 + 1 + 1 + 1 + 2 + 1 + memberNull + 33},
			{false, "compare.members", 1 + 1 + 1 + 1 + 1 + 2 + 1},
		}},
		{2, []Sent{
			{true, "compare.hash", 38},
			{false, "compare.buckets", 1 + 1 + 2 + 32 + 2 + 2*32},
			{true, "compare.subs", 1 + 1 + 1 + 1 + 1 + 2 + 32 + 2 + 32}, // [3, [[3, present, 1 hash]]]
			{false, "compare.members", 1 + 1 + 1 + 1 + 1 + 3 + 1},
			{true, "compare.members", 1 + 1 + 1 + 1 + 1 + 3 + 1 + memberNull + 33},
		}},
	} {
		x, err := Compare(sa, sb, tc.levels)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x.Messages, tc.want) {
			t.Errorf("levels %d: messages %v, want %v", tc.levels, x.Messages, tc.want)
		}
		checkExchange(t, x, []StrangerID{{0x03, 63: 1, 31: 1}}, nil, nil)
	}
}

// TestCompareProperty: random lists with random differences, crowded into
// few buckets or spread; both sides learn exactly the difference at both
// levels.
func TestCompareProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := range 200 {
		n := r.IntN(600)
		var prefix []byte
		switch iter % 3 {
		case 1:
			prefix = []byte{byte(r.UintN(4))} // few buckets
		case 2:
			prefix = []byte{7, byte(r.UintN(3))} // few sub-buckets
		}
		p := func() []byte { return prefix[:r.IntN(len(prefix)+1)] }
		var common, onlyA, onlyB, changed []StrangerID
		var ma, mb [][]byte
		for range n {
			id := randID(r, p()...)
			m := randMember(r, id)
			switch r.IntN(20) {
			case 0:
				onlyA = append(onlyA, id)
				ma = append(ma, m)
			case 1:
				onlyB = append(onlyB, id)
				mb = append(mb, m)
			case 2:
				changed = append(changed, id)
				ma = append(ma, StrangersMember(id, VoteVeto, [32]byte{}))
				mb = append(mb, StrangersMember(id, VoteAccept, [32]byte{9}))
			default:
				common = append(common, id)
				ma, mb = append(ma, m), append(mb, m)
			}
		}
		_ = common
		la, lb := mustList(t, KindStrangers, ma), mustList(t, KindStrangers, mb)
		for _, levels := range []int{1, 2} {
			x, err := Compare(la, lb, levels)
			if err != nil {
				t.Fatalf("iteration %d, levels %d: %v", iter, levels, err)
			}
			checkExchange(t, x, onlyA, onlyB, changed)
			if t.Failed() {
				t.Fatalf("iteration %d, levels %d", iter, levels)
			}
		}
	}
}

// TestCompareStrangersState compares two replicas' strangers states.
func TestCompareStrangersState(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	w := founded(t, Majority, Majority, a, b)
	for i := range byte(30) {
		w.post(a, &Vote{Village: w.village, Stranger: stranger(i), Vote: VoteDeferred})
	}
	full := w.reduce()
	w.post(b, &Strangerspec{Village: w.village, Stranger: stranger(4), Text: "seen at the market"})
	w.post(b, &Vote{Village: w.village, Stranger: stranger(200), Vote: VoteVeto})
	more := w.reduce()
	x, err := Compare(StrangersStateList(full), StrangersStateList(more), 2)
	if err != nil {
		t.Fatal(err)
	}
	checkExchange(t, x, nil, []StrangerID{stranger(200)}, []StrangerID{stranger(4)})
}

// TestDecodeMessageRejects: malformed messages give clear errors.
func TestDecodeMessageRejects(t *testing.T) {
	for _, c := range messageRejectCases() {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeMessage(c.b)
			if err == nil {
				t.Fatalf("accepted %x", c.b)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if err.Error() != c.want {
				t.Errorf("error\n  %s\nwant\n  %s", err, c.want)
			}
		})
	}
}

type messageCase struct {
	name string
	b    []byte
	want string
}

func hexb(s string) []byte {
	s = strings.ReplaceAll(s, " ", "")
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return b
}

func messageRejectCases() []messageCase {
	h := strings.Repeat("11", 32)
	id := strings.Repeat("05", 64)
	return []messageCase{
		{"empty", nil, `village: compare: byte 0: message: the body ends where an item is due`},
		{"not an array", hexb("01"), `village: compare: byte 0: message: want array, got unsigned integer (0x01)`},
		{"tag 0", hexb("8200 00"), `village: compare: byte 1: unknown message tag 0`},
		{"tag 5", hexb("8205 00"), `village: compare: byte 1: tag: 5 exceeds the limit 4`},
		{"hash: 3 elements", hexb("83 01 00 01"), `village: compare.hash: byte 0: an array of 3 elements, want 4`},
		{"hash: levels 0", hexb("84 01 00 00 5820" + h), `village: compare.hash: byte 3: levels: 0 is below the minimum 1`},
		{"hash: levels 3", hexb("84 01 00 03 5820" + h), `village: compare.hash: byte 3: levels: 3 exceeds the limit 2`},
		{"hash: kind 2", hexb("84 01 02 01 5820" + h), `village: compare.hash: byte 2: kind: 2 exceeds the limit 1`},
		{"hash: short hash", hexb("84 01 00 01 41 11"), `village: compare.hash: byte 4: hash: 1 bytes, want 32..32`},
		{"hash: length not shortest", hexb("84 01 00 01 5801 11"), `village: compare.hash: byte 4: hash: 1 is not in its shortest encoding`},
		{"hash: trailing", hexb("84 01 00 01 5820" + h + "00"), `village: compare.hash: byte 38: 1 trailing bytes after the last item`},
		{"hash: not shortest", hexb("84 1801 00 01 5820" + h), `village: compare: byte 1: tag: 1 is not in its shortest encoding`},
		{"buckets: count mismatch", hexb("83 02 5820 80" + strings.Repeat("00", 31) + " 40"), `village: compare.buckets: byte 36: hashes: 0 bytes, want 32..32`},
		{"buckets: zero hash", hexb("83 02 5820 80" + strings.Repeat("00", 31) + " 5820" + strings.Repeat("00", 32)), `village: compare.buckets: byte 36: hashes: hash 0 is all zero (an empty bucket is absent from present)`},
		{"subs: no groups", hexb("82 03 80"), `village: compare.subs: byte 2: groups: 0 elements, want 1..256`},
		{"subs: buckets not ascending", hexb("82 03 82 83 05 5820" + strings.Repeat("00", 32) + "40 83 05 5820" + strings.Repeat("00", 32) + "40"), `village: compare.subs: byte 41: bucket 5 does not follow bucket 5 (ascending, no repeats)`},
		{"members: prefix of 3", hexb("83 04 00 81 82 43 050505 80"), `village: compare.members: byte 5: prefix: 3 bytes, want 1..2`},
		{"members: wrong prefix", hexb("83 04 00 81 82 41 06 81 83 5840" + id + "00 f6"), `village: compare.members: byte 8: member 0: stranger 05050505 does not start with the group's prefix 06`},
		{"members: proof with veto", hexb("83 04 00 81 82 41 05 81 83 5840" + id + "01 5820" + h), `village: compare.members: byte 76: proof: null expected with vote 1`},
		{"members: no proof with accept", hexb("83 04 00 81 82 41 05 81 83 5840" + id + "02 f6"), `village: compare.members: byte 76: proof: want byte string, got major type 7 (0xf6)`},
		{"members: repeated", hexb("83 04 00 81 82 41 05 82 83 5840" + id + "00 f6 83 5840" + id + "00 f6"), `village: compare.members: byte 77: member 1: stranger ids not ascending (or repeated)`},
		{"members: zero half", hexb("83 04 00 81 82 41 05 81 83 5840" + strings.Repeat("05", 32) + strings.Repeat("00", 32) + "00 f6"), `village: compare.members: byte 9: stranger: neither half of a stranger id may be all zero`},
		{"members: mixed levels", hexb("83 04 00 82 82 41 05 80 82 42 0505 80"), `village: compare.members: byte 9: prefix of 2 bytes after one of 1 (all groups have the same level)`},
		{"members: state notes unsorted", hexb("83 04 01 81 82 41 05 81 83 5840" + id + "00 82 82 5820" + h + "5820" + h + " 82 5820" + h + "5820" + h), `village: compare.members: byte 147: note 1: locals not ascending (or repeated)`},
	}
}
