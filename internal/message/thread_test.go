package message

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Devices and accounts of the threading tests: the creator (account 1),
// bob (account 2), carol (account 3), mallory (account 9, no participant).
var (
	tCreator, tBob, tCarol, tMallory = id(0xc0), id(0xb0), id(0xca), id(0x99)
	tAccount                         = map[ID]identity.PublicKey{tCreator: acct(1), tBob: acct(2), tCarol: acct(3), tMallory: acct(9)}
)

// it is a message with entry id eid(n).
func it(n byte, author ID, seq uint64, m *Message) Item {
	return Item{ID: eid(n), Author: author, Account: tAccount[author], Seq: seq, Msg: m}
}

func startMsg() *Message {
	return &Message{Text: "start", Participants: []identity.PublicKey{acct(1), acct(2), acct(3)}}
}
func re(to byte, refs ...byte) *Message {
	m := &Message{Text: "re"}
	if to != 0 {
		m.ReplyTo = eid(to)
	}
	for _, r := range refs {
		m.Refs = append(m.Refs, eid(r))
	}
	return m
}

// names renders ids as their first byte, for readable expectations.
func names(ids []entry.ID) []byte {
	var b []byte
	for _, i := range ids {
		b = append(b, i[0])
	}
	return b
}

func TestBuildThread(t *testing.T) {
	for _, c := range []struct {
		name     string
		items    []Item
		order    []byte
		parents  map[byte]byte // message → parent (0: the start or top level)
		refused  map[byte]string
		missing  []byte
		noStart  bool
		isCyclic bool
	}{
		{
			name:    "a reply chain across logs",
			items:   []Item{it(0x50, tCreator, 2, startMsg()), it(0x40, tBob, 1, re(0x50)), it(0x30, tCreator, 3, re(0x40, 0x40))},
			order:   []byte{0x50, 0x40, 0x30},
			parents: map[byte]byte{0x40: 0x50, 0x30: 0x40},
		},
		{
			name:    "concurrent replies: by entry id, not by arrival",
			items:   []Item{it(0x50, tCreator, 2, startMsg()), it(0x42, tCarol, 1, re(0x50)), it(0x41, tBob, 1, re(0x50))},
			order:   []byte{0x50, 0x41, 0x42},
			parents: map[byte]byte{0x41: 0x50, 0x42: 0x50},
		},
		{
			name:    "seq within a log beats entry id",
			items:   []Item{it(0x50, tCreator, 2, startMsg()), it(0x90, tBob, 1, re(0)), it(0x10, tBob, 2, re(0))},
			order:   []byte{0x50, 0x90, 0x10},
			parents: map[byte]byte{0x90: 0x50, 0x10: 0x50},
		},
		{
			name:    "refs order a message after what its author had seen",
			items:   []Item{it(0x50, tCreator, 2, startMsg()), it(0x90, tBob, 1, re(0)), it(0x10, tCarol, 1, re(0, 0x90))},
			order:   []byte{0x50, 0x90, 0x10},
			parents: map[byte]byte{0x90: 0x50, 0x10: 0x50},
		},
		{
			name: "refused: a non-participant, a second start, before the start, a start by another",
			items: []Item{it(0x50, tCreator, 3, startMsg()), it(0x20, tMallory, 1, re(0x50)), it(0x21, tCreator, 4, startMsg()),
				it(0x22, tCreator, 2, re(0)), it(0x23, tBob, 1, startMsg()), it(0x60, tBob, 2, re(0x20))},
			order:   []byte{0x50, 0x60},
			parents: map[byte]byte{0x60: 0x50},
			refused: map[byte]string{0x20: ReasonNotParticipant, 0x21: ReasonSecondStart, 0x22: ReasonBeforeStart, 0x23: ReasonStartByOther},
			missing: []byte{0x60},
		},
		{
			name: "a start whose author's account it does not name is no start",
			items: []Item{it(0x10, tCreator, 2, &Message{Text: "x", Participants: []identity.PublicKey{acct(2), acct(3)}}),
				it(0x50, tCreator, 3, startMsg()), it(0x40, tBob, 1, re(0x50))},
			order:   []byte{0x50, 0x40},
			parents: map[byte]byte{0x40: 0x50},
			refused: map[byte]string{0x10: ReasonStartNotMember},
		},
		{
			name:    "a reply to a message not held hangs under the start",
			items:   []Item{it(0x50, tCreator, 2, startMsg()), it(0x30, tBob, 5, re(0x77))},
			order:   []byte{0x50, 0x30},
			parents: map[byte]byte{0x30: 0x50},
			missing: []byte{0x30},
		},
		{
			name:    "without the start: ordered, not checked",
			items:   []Item{it(0x30, tMallory, 1, re(0x40)), it(0x40, tBob, 1, re(0))},
			order:   []byte{0x40, 0x30},
			parents: map[byte]byte{0x40: 0, 0x30: 0x40},
			noStart: true,
		},
		{
			name:     "a cycle (impossible with real ids) is placed last, by id",
			items:    []Item{it(0x50, tCreator, 2, startMsg()), it(0x31, tBob, 1, re(0, 0x32)), it(0x32, tCarol, 1, re(0, 0x31)), it(0x60, tBob, 7, re(0x50))},
			order:    []byte{0x50, 0x31, 0x32, 0x60},
			parents:  map[byte]byte{0x31: 0x50, 0x32: 0x50, 0x60: 0x50},
			isCyclic: true,
		},
		{
			name:    "duplicates are ignored",
			items:   []Item{it(0x50, tCreator, 2, startMsg()), it(0x40, tBob, 1, re(0x50)), it(0x40, tBob, 1, re(0x50)), it(0x50, tCreator, 2, startMsg())},
			order:   []byte{0x50, 0x40},
			parents: map[byte]byte{0x40: 0x50},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			th := BuildThread(tCreator, c.items)
			if got := names(th.Order); !slices.Equal(got, c.order) {
				t.Errorf("order %x, want %x", got, c.order)
			}
			if (th.Start == entry.ID{}) != c.noStart || (!c.noStart && th.Start != eid(0x50)) {
				t.Errorf("start %x", th.Start[:1])
			}
			if !c.noStart && len(th.Participants) != 3 {
				t.Errorf("participants %d", len(th.Participants))
			}
			parents := map[byte]byte{}
			for k, v := range th.Parent {
				parents[k[0]] = v[0]
			}
			if !reflect.DeepEqual(parents, c.parents) {
				t.Errorf("parents %x, want %x", parents, c.parents)
			}
			refused := map[byte]string{}
			for _, r := range th.Refused {
				refused[r.ID[0]] = r.Reason
			}
			if len(refused) != len(c.refused) || (len(c.refused) > 0 && !reflect.DeepEqual(refused, c.refused)) {
				t.Errorf("refused %v, want %v", refused, c.refused)
			}
			if got := names(th.ReplyMissing); !slices.Equal(got, c.missing) {
				t.Errorf("reply missing %x, want %x", got, c.missing)
			}
			if th.Cyclic != c.isCyclic {
				t.Errorf("cyclic %v", th.Cyclic)
			}
			// Children list every placed message but the start, in order.
			var kids []entry.ID
			for _, id := range append([]entry.ID{{}}, th.Order...) {
				kids = append(kids, th.Children[id]...)
			}
			if len(kids) != len(th.Order)-btoi(!c.noStart) {
				t.Errorf("children cover %d messages, order %d", len(kids), len(th.Order))
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Any delivery order (and duplicates) gives the same thread, and the
// order respects every causal edge.
func TestThreadDeliveryOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	for round := range 200 {
		items := randomConversation(r)
		want := BuildThread(tCreator, items)
		pos := map[entry.ID]int{}
		for i, id := range want.Order {
			pos[id] = i
		}
		for _, x := range items {
			p, ok := pos[x.ID]
			if !ok {
				continue
			}
			for _, ref := range append(slices.Clone(x.Msg.Refs), x.Msg.ReplyTo) {
				if q, held := pos[ref]; held && q >= p {
					t.Fatalf("round %d: %x placed before what it references", round, x.ID[:2])
				}
			}
		}
		for k := range 5 {
			shuffled := slices.Clone(items)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if k%2 == 1 {
				shuffled = append(shuffled, shuffled[:len(shuffled)/2]...)
			}
			got := BuildThread(tCreator, shuffled)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, delivery %d: a different thread", round, k)
			}
		}
	}
}

// randomConversation makes a start and up to 30 messages by the three
// participants and mallory, each replying to and referencing earlier ones.
func randomConversation(r *rand.Rand) []Item {
	var items []Item
	seq := map[ID]uint64{tCreator: 1}
	mk := func(author ID, m *Message) {
		seq[author]++
		var x entry.ID
		x[0], x[1], x[2] = byte(r.Uint32()), byte(len(items)), 1
		items = append(items, Item{ID: x, Author: author, Account: tAccount[author], Seq: seq[author], Msg: m})
	}
	mk(tCreator, startMsg())
	authors := []ID{tCreator, tBob, tCarol, tMallory}
	for range r.IntN(30) {
		m := &Message{Text: fmt.Sprint(r.Int())}
		if r.IntN(3) > 0 {
			m.ReplyTo = items[r.IntN(len(items))].ID
		}
		if r.IntN(2) == 0 {
			ref := items[r.IntN(len(items))].ID
			m.Refs = []entry.ID{ref}
		}
		mk(authors[r.IntN(len(authors))], m)
	}
	return items
}
