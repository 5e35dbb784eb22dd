package message

import (
	"bytes"
	"container/heap"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// Item is one opened message of a conversation, as the threading takes it.
type Item struct {
	ID      entry.ID           // the entry id
	Author  ID                 // the author device
	Account identity.PublicKey // the account the author device speaks for (node's device certificates); zero when unknown, then refused as no participant's until known
	Seq     uint64             // seq in the author's log of the conversation
	Msg     *Message
}

// Refused is a message the threading leaves out, with the reason.
type Refused struct {
	ID     entry.ID
	Reason string
}

// The reasons a message is refused (messages.md §5 step 2).
const (
	ReasonNotParticipant = "its author's account is not a participant"
	ReasonSecondStart    = "a second start of the conversation"
	ReasonBeforeStart    = "in the creator's log before the start"
	ReasonStartByOther   = "a start by another device than the creator"
	ReasonStartNotMember = "a start whose author's account is not among its participants"
)

// Thread is a conversation's messages in order and as a tree (messages.md
// §5): a function of the set of messages alone.
type Thread struct {
	// Start is the start message's entry id; zero when it is not held
	// (then Participants is nil and no message was checked against them).
	Start        entry.ID
	Participants []identity.PublicKey
	// Order is every message not refused, in the causal order.
	Order []entry.ID
	// Parent is each message's parent: its reply when that is held and not
	// refused, else the start (zero when the start is not held). The start
	// has no entry.
	Parent map[entry.ID]entry.ID
	// Children lists each message's children in Order; Children[zero] are
	// the top-level messages when the start is not held.
	Children map[entry.ID][]entry.ID
	// ReplyMissing are the messages whose reply is not held (or refused):
	// they hang under the start.
	ReplyMissing []entry.ID
	Refused      []Refused
	// Cyclic is true when the references formed a cycle (impossible with
	// real entry ids); the messages on it are placed last, by entry id.
	Cyclic bool
}

// BuildThread threads the messages of the conversation whose creator
// device is creator, in any order, duplicates ignored (same entry id).
func BuildThread(creator ID, items []Item) *Thread {
	byID := map[entry.ID]*Item{}
	var all []*Item
	for i := range items {
		it := &items[i]
		if _, dup := byID[it.ID]; dup || it.Msg == nil {
			continue
		}
		byID[it.ID] = it
		all = append(all, it)
	}
	slices.SortFunc(all, func(a, b *Item) int { return bytes.Compare(a.ID[:], b.ID[:]) })

	t := &Thread{Parent: map[entry.ID]entry.ID{}, Children: map[entry.ID][]entry.ID{}}
	var start *Item
	for _, it := range all {
		if it.Author == creator && it.Msg.IsStart() && slices.Contains(it.Msg.Participants, it.Account) &&
			(start == nil || it.Seq < start.Seq) {
			start = it
		}
	}
	if start != nil {
		t.Start, t.Participants = start.ID, start.Msg.Participants
	}
	kept := map[entry.ID]*Item{}
	for _, it := range all {
		reason := ""
		switch {
		case it.Msg.IsStart() && it.Author != creator:
			reason = ReasonStartByOther
		case it.Msg.IsStart() && !slices.Contains(it.Msg.Participants, it.Account):
			reason = ReasonStartNotMember
		case start == nil || it == start:
		case it.Msg.IsStart():
			reason = ReasonSecondStart
		case it.Author == creator && it.Seq < start.Seq:
			reason = ReasonBeforeStart
		case !slices.Contains(t.Participants, it.Account):
			reason = ReasonNotParticipant
		}
		if reason != "" {
			t.Refused = append(t.Refused, Refused{it.ID, reason})
			continue
		}
		kept[it.ID] = it
	}

	// Edges: the start before all; each log's messages in seq order; a
	// message's reply and refs before it.
	succ := map[entry.ID][]entry.ID{}
	indeg := map[entry.ID]int{}
	edge := func(from, to entry.ID) {
		if from == to {
			return
		}
		succ[from] = append(succ[from], to)
		indeg[to]++
	}
	logs := map[ID][]*Item{}
	for _, it := range all {
		if kept[it.ID] == nil {
			continue
		}
		logs[it.Author] = append(logs[it.Author], it)
		if start != nil && it != start {
			edge(start.ID, it.ID)
		}
		preds := append([]entry.ID{}, it.Msg.Refs...)
		if it.Msg.ReplyTo != (entry.ID{}) {
			preds = append(preds, it.Msg.ReplyTo)
		}
		for _, p := range preds {
			if kept[p] != nil {
				edge(p, it.ID)
			}
		}
	}
	for _, l := range logs {
		slices.SortFunc(l, func(a, b *Item) int {
			if a.Seq != b.Seq {
				return cmpUint(a.Seq, b.Seq)
			}
			return bytes.Compare(a.ID[:], b.ID[:])
		})
		for i := 1; i < len(l); i++ {
			edge(l[i-1].ID, l[i].ID)
		}
	}

	// Kahn's algorithm, smallest entry id first among the ready ones.
	ready := &idHeap{}
	for _, it := range all {
		if kept[it.ID] != nil && indeg[it.ID] == 0 {
			heap.Push(ready, it.ID)
		}
	}
	placed := map[entry.ID]bool{}
	for ready.Len() > 0 {
		id := heap.Pop(ready).(entry.ID)
		placed[id] = true
		t.Order = append(t.Order, id)
		for _, s := range succ[id] {
			if indeg[s]--; indeg[s] == 0 {
				heap.Push(ready, s)
			}
		}
	}
	for _, it := range all {
		if kept[it.ID] != nil && !placed[it.ID] {
			t.Cyclic = true
			t.Order = append(t.Order, it.ID)
		}
	}

	for _, id := range t.Order {
		it := kept[id]
		if it == start {
			continue
		}
		parent := t.Start
		if r := it.Msg.ReplyTo; r != (entry.ID{}) {
			if kept[r] != nil && r != id {
				parent = r
			} else {
				t.ReplyMissing = append(t.ReplyMissing, id)
			}
		}
		t.Parent[id] = parent
		t.Children[parent] = append(t.Children[parent], id)
	}
	return t
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type idHeap []entry.ID

func (h idHeap) Len() int           { return len(h) }
func (h idHeap) Less(i, j int) bool { return bytes.Compare(h[i][:], h[j][:]) < 0 }
func (h idHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *idHeap) Push(x any)        { *h = append(*h, x.(entry.ID)) }
func (h *idHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
