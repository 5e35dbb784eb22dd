package node

import (
	"container/list"
	"sync"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/message"
)

// openedCacheBytes bounds the decrypted payloads the views keep in memory
// (spaces.md §6, messages.md: never on disk): the texts and references
// of the entries opened most recently, plus openedOverhead per entry.
const (
	openedCacheBytes = 8 << 20
	openedOverhead   = 256
)

// openedKey names one opened payload: the space or conversation it was
// opened in (its key depends on it) and the entry.
type openedKey struct {
	scope [32]byte
	id    entry.ID
}

type openedItem struct {
	key  openedKey
	val  any
	size int
}

// viewCache is what the space and conversation views keep between reads,
// in memory only: an LRU of opened payloads of at most openedCacheBytes,
// and the epochs of each space content log (spacepage.go). The zero value
// is ready; it has its own lock.
type viewCache struct {
	mu     sync.Mutex
	order  *list.List // of *openedItem, most recently used first
	byKey  map[openedKey]*list.Element
	bytes  int
	epochs logEpochIndex

	skels     map[message.ID]*list.Element // of *convSkeleton
	skelOrder *list.List                   // most recently used first
	skelMsgs  int                          // messages in the skeletons kept
}

// maxSkeletonMessages bounds the messages of the conversation skeletons
// kept (about 200 bytes each, no text): the least recently read
// conversations are dropped first; a larger conversation is not kept.
const maxSkeletonMessages = 100_000

// skeleton returns the skeleton of conversation id kept, or nil.
func (c *viewCache) skeleton(id message.ID) *convSkeleton {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.skels[id]
	if !ok {
		return nil
	}
	c.skelOrder.MoveToFront(el)
	return el.Value.(*convSkeleton)
}

// keepSkeleton keeps sk in place of the conversation's earlier one.
func (c *viewCache) keepSkeleton(sk *convSkeleton) {
	if len(sk.thread) > maxSkeletonMessages {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.skels == nil {
		c.skels, c.skelOrder = map[message.ID]*list.Element{}, list.New()
	}
	if el, ok := c.skels[sk.id]; ok {
		c.skelMsgs -= len(el.Value.(*convSkeleton).thread)
		c.skelOrder.Remove(el)
	}
	c.skels[sk.id] = c.skelOrder.PushFront(sk)
	c.skelMsgs += len(sk.thread)
	for c.skelMsgs > maxSkeletonMessages {
		el := c.skelOrder.Back()
		old := el.Value.(*convSkeleton)
		c.skelOrder.Remove(el)
		delete(c.skels, old.id)
		c.skelMsgs -= len(old.thread)
	}
}

// opened returns the cached payload of key, if held.
func (c *viewCache) opened(key openedKey) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*openedItem).val, true
}

// keepOpened caches val, of about size bytes of plaintext, under key,
// dropping the least recently used payloads beyond openedCacheBytes.
func (c *viewCache) keepOpened(key openedKey, val any, size int) {
	size += openedOverhead
	if size > openedCacheBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil {
		c.byKey, c.order = map[openedKey]*list.Element{}, list.New()
	}
	if el, ok := c.byKey[key]; ok {
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&openedItem{key, val, size})
	c.bytes += size
	for c.bytes > openedCacheBytes {
		el := c.order.Back()
		it := el.Value.(*openedItem)
		c.order.Remove(el)
		delete(c.byKey, it.key)
		c.bytes -= it.size
	}
}

// openedLen returns how many payloads and bytes the cache holds.
func (c *viewCache) openedLen() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.bytes
}

// forgetOpened drops the opened payloads only (tests).
func (c *viewCache) forgetOpened() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order, c.byKey, c.bytes = nil, nil, 0
}

// reset forgets everything (tests and benchmarks of a first read).
func (c *viewCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order, c.byKey, c.bytes = nil, nil, 0
	c.epochs = logEpochIndex{}
	c.skels, c.skelOrder, c.skelMsgs = nil, nil, 0
}
