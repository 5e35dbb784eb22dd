// Package netnode is kith's libp2p host: the only package that imports
// libp2p. It gives the rest of kith (internal/node wires it) a host whose
// libp2p identity is the device's Ed25519 key, listening on TCP, QUIC and
// WebSocket with Noise and yamux, and offers plain authenticated streams
// (Handle, Open) on which kith's own protocols run.
//
// Around the streams it keeps the network healthy: peers it was asked to keep
// are redialled with capped exponential back-off, also after a restart
// (Keep, Forget); connect and disconnect events are reported once per peer
// (Subscribe); misbehaving peers are disconnected and refused for a back-off
// that doubles with repeats (Penalize); strangers (peers the host neither
// keeps nor wants: Want) hold a bounded share of the inbound connections,
// idle ones making room for newcomers (ConnStats); a DHT server keeps a
// bounded number of other peers' provider records (ProviderRecords);
// every host announces to each peer the services it offers it
// (OfferServices, PeerServices; doc/protocol/services.md); a hub serves
// circuit relay v2 within limits it sets (RelayService, RelayLimits) and
// a host with hubs holds a slot at each from the start (Hubs, HubSlots),
// kith's streams running over relayed connections, which are upgraded to
// direct ones where the NATs allow; wanted peers that disconnect are
// redialled at once; discovery runs through a private
// Kademlia DHT under the "/kith" protocol prefix (ConnectKey, Provide,
// FindProviders) and mDNS on the LAN. Every peer must be an Ed25519 key:
// kith speaks only to kith devices.
//
// The choices (transports, security, limits, DHT, data directory layout and
// the protocols kith registers) are explained in doc/network.md. MockNet runs
// the same Host API on libp2p's in-process mock network for tests.
package netnode
