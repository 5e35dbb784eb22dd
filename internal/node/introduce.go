package node

import (
	"context"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/introduce"
	"github.com/kithnet/kith/internal/netnode"
)

// introduceTimeout bounds one answer on /kith/introduce/1, the
// certificate exchanges it may need included.
const introduceTimeout = 10 * time.Second

// serveIntroduce answers a browser peer's /kith/introduce/1
// (doc/protocol/introduce.md): the other browser peers that hold a slot
// at this node's signalling relay and that it may meet. The node
// introduces two browsers only when it knows both accounts and each is
// its own or one it follows (its circle: a stranger learns of no one,
// and no one learns of a stranger); at most introduce.MaxPeers.
func (n *Node) serveIntroduce(ctx context.Context, nw *network, remote identity.PublicKey, s netnode.Stream) {
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, introduceTimeout)
	defer cancel()
	_ = s.SetDeadline(time.Now().Add(introduceTimeout))
	var peers []identity.PublicKey
	if n.inCircle(ctx, nw, remote) {
		for _, p := range nw.host.SignalPeers() {
			if len(peers) == introduce.MaxPeers {
				break
			}
			if p != remote && n.inCircle(ctx, nw, p) {
				peers = append(peers, p)
			}
		}
	}
	b, err := introduce.Encode(peers)
	if err != nil {
		_ = s.Reset()
		return
	}
	_, _ = s.Write(b)
}

// inCircle reports whether device belongs to this node's account or to an
// account it follows.
func (n *Node) inCircle(ctx context.Context, nw *network, device identity.PublicKey) bool {
	account, err := n.knownAccount(ctx, nw, device)
	if err != nil {
		return false
	}
	if account == n.account {
		return true
	}
	id := account.Account()
	for _, f := range nw.scope.Following() {
		if f == id {
			return true
		}
	}
	return false
}
