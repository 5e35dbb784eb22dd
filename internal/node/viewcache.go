package node

import (
	"container/list"
	"sync"

	"github.com/kithnet/kith/internal/entry"
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

// reset forgets everything (tests and benchmarks of a first read).
func (c *viewCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order, c.byKey, c.bytes = nil, nil, 0
	c.epochs = logEpochIndex{}
}
