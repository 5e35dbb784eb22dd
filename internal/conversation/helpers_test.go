package conversation

import (
	"crypto/sha256"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

func key(t testing.TB, n int) identity.PrivateKey {
	t.Helper()
	seed := sha256.Sum256([]byte{'c', byte(n), byte(n >> 8), byte(n >> 16)})
	k, err := identity.KeyFromSeed(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// log appends signed entries to one author's log.
type log struct {
	key  identity.PrivateKey
	seq  uint64
	prev entry.ID
}

func (l *log) add(t testing.TB, p Payload) *entry.Entry {
	t.Helper()
	b, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	l.seq++
	pub := l.key.Public()
	e, err := entry.Sign(l.key, entry.Draft{LogID: entry.LogID(sha256.Sum256(pub[:])), Seq: l.seq, Backlink: l.prev, Timestamp: 1000 - l.seq, Payload: b})
	if err != nil {
		t.Fatal(err)
	}
	l.prev = e.ID
	return e
}

// conv is a conversation under construction: logs[i] belongs to key i.
type conv struct {
	logs  []*log
	start *entry.Entry
	all   []*entry.Entry
}

func newConv(t testing.TB, n int, st *Start) *conv {
	t.Helper()
	c := &conv{}
	for i := range n {
		c.logs = append(c.logs, &log{key: key(t, i)})
	}
	if st.Participants == nil && st.Members.IsZero() {
		for _, l := range c.logs {
			st.Participants = append(st.Participants, l.key.Public())
		}
		sortKeys(st.Participants)
	}
	c.start = c.logs[0].add(t, st)
	c.all = []*entry.Entry{c.start}
	return c
}

func (c *conv) say(t testing.TB, who int, p Payload) *entry.Entry {
	switch p := p.(type) {
	case *Say:
		p.Conversation = c.start.ID
	case *Amend:
		p.Conversation = c.start.ID
	case *PositionMsg:
		p.Conversation = c.start.ID
	case *Ballot:
		p.Conversation = c.start.ID
	case *Ack:
		p.Conversation = c.start.ID
	case *AnswerMsg:
		p.Conversation = c.start.ID
	case *Argument:
		p.Conversation = c.start.ID
	case *DeadlineMsg:
		p.Conversation = c.start.ID
	}
	if len(p.causal().Refs) == 0 {
		p.causal().Refs = []entry.ID{c.start.ID}
		if c.logs[who].seq > 0 {
			p.causal().Refs = nil
		}
	}
	e := c.logs[who].add(t, p)
	c.all = append(c.all, e)
	return e
}

func (c *conv) reduce() *State {
	return Reduce(Input{Conversation: c.start.ID, Entries: c.all})
}

// then appends p by who, written after every entry so far: its refs name
// the last entry appended (unless p names refs already).
func (c *conv) then(t testing.TB, who int, p Payload) *entry.Entry {
	t.Helper()
	if len(p.causal().Refs) == 0 {
		last := c.all[len(c.all)-1]
		if last.Header.Author != c.logs[who].key.Public() {
			p.causal().Refs = []entry.ID{last.ID}
		} else if c.logs[who].seq == 0 {
			p.causal().Refs = []entry.ID{c.start.ID}
		}
	}
	return c.say(t, who, p)
}

// pub returns participant i's key.
func (c *conv) pub(i int) identity.PublicKey { return c.logs[i].key.Public() }
