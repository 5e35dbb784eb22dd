package message

// Book is the conversations one device holds, for finding which one a log
// belongs to (messages.md §1, §6): a log not seen before costs one HMAC
// per conversation held, then the answer is remembered. It is not safe
// for concurrent use.
type Book struct {
	convs map[ID]*Conversation // by conversation id
	known map[[2]ID]*Conversation
}

// NewBook returns an empty book.
func NewBook() *Book {
	return &Book{convs: map[ID]*Conversation{}, known: map[[2]ID]*Conversation{}}
}

// Add puts a conversation in the book and reports whether it was new.
func (b *Book) Add(c *Conversation) bool {
	if b.convs[c.id] != nil {
		return false
	}
	b.convs[c.id] = c
	return true
}

// Get returns the conversation with id, or nil.
func (b *Book) Get(id ID) *Conversation { return b.convs[id] }

// Len is the number of conversations held.
func (b *Book) Len() int { return len(b.convs) }

// Find returns the conversation whose log of author has the id logID, or
// nil when none the book holds does (yet: a conversation added later may
// claim the log, so a miss is not remembered).
func (b *Book) Find(author, logID ID) *Conversation {
	k := [2]ID{author, logID}
	if c := b.known[k]; c != nil {
		return c
	}
	for _, c := range b.convs {
		if c.LogID(author) == logID {
			b.known[k] = c
			return c
		}
	}
	return nil
}
