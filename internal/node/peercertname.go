package node

import (
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// PeerCertName returns the name and account that the certificate a
// connected device sent about itself gives it, when that certificate is
// only cached (a device not in the scope, such as a hub this node uses:
// its store holds no certificate of it). ok is false when none is cached.
// The name is the device's own claim, as a stored certificate's is.
func (n *Node) PeerCertName(device identity.PublicKey) (name string, account identity.PublicKey, ok bool) {
	nw := n.net.Load()
	if nw == nil {
		return "", identity.PublicKey{}, false
	}
	cert, ok := nw.certs.cache.cert(device)
	if !ok {
		return "", identity.PublicKey{}, false
	}
	p, err := content.Decode(cert.Payload)
	if err != nil {
		return "", identity.PublicKey{}, false
	}
	add, isAdd := p.(*content.DeviceAdd)
	if !isAdd {
		return "", identity.PublicKey{}, false
	}
	return add.Name, cert.Header.Author, true
}

// cert returns device's cached certificate, if any.
func (c *certCache) cert(device identity.PublicKey) (*entry.Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	el, ok := c.byDev[device]
	if !ok {
		return nil, false
	}
	return el.Value.(certOf).cert, true
}
