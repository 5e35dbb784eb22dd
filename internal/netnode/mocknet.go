package netnode

import (
	"fmt"
	"sync"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/libp2p/go-libp2p/core/peerstore"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	ma "github.com/multiformats/go-multiaddr"
)

// MockNet is libp2p's in-process mock network, for tests: its hosts have
// the full Host API, are all linked to each other and connect without
// sockets. They have no DHT, no mDNS and no pings (the mock network dials
// for any stream, so a ping could revive a connection just closed), so
// PeerInfo.Latency stays 0. Penalties are enforced by disconnecting refused
// peers as they connect and by refusing their streams, since the mock
// network has no connection gater.
type MockNet struct {
	net mocknet.Mocknet

	mu    sync.Mutex
	next  int // numbers the hosts' fake addresses
	hosts []*Host
}

// NewMockNet returns an empty mock network.
func NewMockNet() *MockNet {
	return &MockNet{net: mocknet.New()}
}

// NewHost adds a host with key to the network and links it to every host
// already there. Kept peers live in memory only; back-offs are the
// defaults, with redials from 100 ms to 2 s to suit tests.
func (m *MockNet) NewHost(key identity.PrivateKey) (*Host, error) {
	return m.NewHostConfig(Config{Key: key, RedialMin: 100 * time.Millisecond, RedialMax: 2 * time.Second})
}

// NewHostConfig is NewHost with a configuration; only Key, Logger and the
// redial and penalty back-offs apply.
func (m *MockNet) NewHostConfig(cfg Config) (*Host, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	sk, err := libp2pKey(cfg.Key)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.next++
	n := m.next
	m.mu.Unlock()
	// A fake loopback address: the mock network never opens a socket.
	addr, err := ma.NewMultiaddr(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", 10000+n))
	if err != nil {
		return nil, fmt.Errorf("netnode: mock address: %w", err)
	}
	lh, err := m.net.AddPeer(sk, addr)
	if err != nil {
		return nil, fmt.Errorf("netnode: adding a host to the mock network: %w", err)
	}
	// Link the new host to every other one, and tell both peerstores
	// where the other is, so that ConnectKey and Open find each other.
	for _, other := range m.net.Hosts() {
		if other.ID() == lh.ID() {
			continue
		}
		if _, err := m.net.LinkPeers(lh.ID(), other.ID()); err != nil {
			return nil, fmt.Errorf("netnode: linking mock hosts: %w", err)
		}
		lh.Peerstore().AddAddrs(other.ID(), other.Addrs(), peerstore.PermanentAddrTTL)
		other.Peerstore().AddAddrs(lh.ID(), lh.Addrs(), peerstore.PermanentAddrTTL)
	}
	pen := newPenalties(cfg.PenaltyBase, cfg.PenaltyMax, time.Now)
	h, err := assemble(lh, cfg, pen, "", false, nil)
	if err != nil {
		return nil, err
	}
	h.keeper.start()
	m.mu.Lock()
	m.hosts = append(m.hosts, h)
	m.mu.Unlock()
	return h, nil
}

// Close closes every host of the network, then the network.
func (m *MockNet) Close() error {
	m.mu.Lock()
	hosts := m.hosts
	m.hosts = nil
	m.mu.Unlock()
	var first error
	for _, h := range hosts {
		if err := h.Close(); err != nil && first == nil {
			first = err
		}
	}
	if err := m.net.Close(); err != nil && first == nil {
		first = fmt.Errorf("netnode: closing the mock network: %w", err)
	}
	return first
}
