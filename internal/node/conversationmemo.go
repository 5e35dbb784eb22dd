package node

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"sync"

	"github.com/kithnet/kith/internal/conversation"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// maxDecisionMemo is how many reduced conversations the node keeps in
// memory.
const maxDecisionMemo = 64

// decisionMemo keeps the latest reduced states in memory (never on disk):
// a conversation read again with the same entries, members and account
// mapping is not reduced again. A cel rule is evaluated after every
// applied entry, and a costly one over thousands of entries takes seconds
// (BenchmarkDecisionReadCostlyRule); a page that reloads on every event
// would pay that at each read.
type decisionMemo struct {
	mu    sync.Mutex
	state map[[32]byte]*conversation.State
	order [][32]byte // oldest first
}

// reduceMemo is g.reduce(id), from the memo when the input is the same.
// The state answered is shared: callers do not change it.
func (n *Node) reduceMemo(g *gathered, id entry.ID) *conversation.State {
	key := g.digest(id)
	m := &n.decisionMemo
	m.mu.Lock()
	if st, ok := m.state[key]; ok {
		m.mu.Unlock()
		return st
	}
	m.mu.Unlock()
	st := g.reduce(id)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		m.state = map[[32]byte]*conversation.State{}
	}
	if _, ok := m.state[key]; !ok {
		m.state[key] = st
		m.order = append(m.order, key)
		if len(m.order) > maxDecisionMemo {
			delete(m.state, m.order[0])
			m.order = m.order[1:]
		}
	}
	return st
}

// digest is a hash of everything the reducer reads of conversation id: the
// entries (id, payload hash, author, seq, backlink, and the account each
// speaks for), in id order, and the members.
func (g *gathered) digest(id entry.ID) [32]byte {
	es := g.of(id)
	slices.SortFunc(es, func(a, b *entry.Entry) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	h := sha256.New()
	h.Write([]byte("kith-decision-memo\x00"))
	h.Write(id[:])
	for _, e := range es {
		h.Write(e.ID[:])
		h.Write(e.Header.PayloadHash[:])
		h.Write(e.Header.Author[:])
		h.Write(e.Header.Backlink[:])
		var seq [8]byte
		for i := range seq {
			seq[i] = byte(e.Header.Seq >> (56 - 8*i))
		}
		h.Write(seq[:])
		a, ok := g.account(e)
		h.Write(a[:])
		if ok {
			h.Write([]byte{1})
		} else {
			h.Write([]byte{0})
		}
	}
	ms := slices.Clone(g.members)
	slices.SortFunc(ms, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	h.Write([]byte{0xff})
	for _, k := range ms {
		h.Write(k[:])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}
