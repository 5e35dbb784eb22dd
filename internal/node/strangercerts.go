package node

import (
	"container/list"
	"sync"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// MaxStrangerCerts bounds the certificates of peers outside the scope that
// a node remembers (in memory, least recently used dropped first). Keys
// are free: every throwaway identity that opens a stream hands over a
// certificate, and the store keeps only what the node replicates.
const MaxStrangerCerts = 1024

// certCache holds the checked device certificates of peers whose
// certificate log the node does not want: it tells their accounts (to
// refuse blocked ones, to show them) without writing them to the store.
// Safe for concurrent use; the zero value holds MaxStrangerCerts.
type certCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *entry.Entry, most recently used first
	byDev map[identity.PublicKey]*list.Element
}

// init readies the zero value. c.mu is held.
func (c *certCache) init() {
	if c.order == nil {
		c.order = list.New()
		c.byDev = map[identity.PublicKey]*list.Element{}
	}
	if c.max <= 0 {
		c.max = MaxStrangerCerts
	}
}

// put remembers cert, dropping the least recently used one when full.
func (c *certCache) put(device identity.PublicKey, cert *entry.Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	if el, ok := c.byDev[device]; ok {
		el.Value = certOf{device, cert}
		c.order.MoveToFront(el)
		return
	}
	c.byDev[device] = c.order.PushFront(certOf{device, cert})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byDev, last.Value.(certOf).device)
	}
}

// certOf is one cached certificate.
type certOf struct {
	device identity.PublicKey
	cert   *entry.Entry
}

// account returns the account of device if its certificate is cached.
func (c *certCache) account(device identity.PublicKey) (identity.PublicKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	el, ok := c.byDev[device]
	if !ok {
		return identity.PublicKey{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(certOf).cert.Header.Author, true
}

// take removes and returns the cached certificates for which keep reports
// true.
func (c *certCache) take(keep func(device identity.PublicKey, cert *entry.Entry) bool) []certOf {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	var out []certOf
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		co := el.Value.(certOf)
		if keep(co.device, co.cert) {
			out = append(out, co)
			c.order.Remove(el)
			delete(c.byDev, co.device)
		}
		el = next
	}
	return out
}

// len returns how many certificates are cached.
func (c *certCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	return c.order.Len()
}
