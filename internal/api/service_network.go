package api

import (
	"context"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

// networkTimeout bounds a dial (AddPeer, Join) made for one request.
const networkTimeout = time.Minute

// Peers lists the connected peers.
func (s *Service) Peers(ctx context.Context) (wire.PeerList, error) {
	if !s.n.Serving() {
		return wire.PeerList{}, notServing()
	}
	out := wire.PeerList{Peers: []wire.Peer{}}
	for _, p := range s.n.Peers() {
		out.Peers = append(out.Peers, s.named(ctx, peerOf(p), p))
	}
	return out, nil
}

// named fills in the names people know a peer by: its account's profile
// name and its device's name, when this node holds them (the device's
// name also from the certificate it sent when it connected).
func (s *Service) named(ctx context.Context, w wire.Peer, p node.PeerInfo) wire.Peer {
	if p.Account == (identity.AccountID{}) {
		return w
	}
	w.Name = s.profileName(ctx, p.Account.Key())
	if d, err := s.n.Store().AccountOf(ctx, p.Device.Key()); err == nil {
		w.DeviceName = d.Name
	} else if name, _, ok := s.n.PeerCertName(p.Device.Key()); ok {
		w.DeviceName = name // the certificate it sent when it connected
	}
	return w
}

// AddPeer dials a peer by multiaddr and keeps it connected.
func (s *Service) AddPeer(ctx context.Context, req wire.AddPeerRequest) (wire.Peer, error) {
	addr := strings.TrimSpace(req.Addr)
	switch {
	case addr == "":
		return wire.Peer{}, apiError(wire.CodeBadRequest, "addr is missing: give a multiaddr ending in /p2p/PEER_ID")
	case len(addr) > wire.MaxAddrLen:
		return wire.Peer{}, apiError(wire.CodeBadRequest, "addr is %d bytes long, more than %d", len(addr), wire.MaxAddrLen)
	}
	if !s.n.Serving() {
		return wire.Peer{}, notServing()
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	p, err := s.n.AddPeer(ctx, addr)
	if err != nil {
		return wire.Peer{}, err
	}
	return s.named(ctx, peerOf(p), p), nil
}

// Status reports the node's network state and what it holds.
func (s *Service) Status(ctx context.Context) (wire.Status, error) {
	st, err := s.n.Status(ctx)
	if err != nil {
		return wire.Status{}, err
	}
	addrs := st.Addrs
	if addrs == nil {
		addrs = []string{}
	}
	var revoked *wire.SelfRevoked
	if r := st.Revoked; r != nil {
		revoked = &wire.SelfRevoked{Account: r.Account.String(), By: r.By.String(), Reason: r.Reason, Message: r.Message()}
	}
	slots := []string{}
	for _, d := range st.HubSlots {
		slots = append(slots, d.String())
	}
	var turn *wire.TURN
	if t := st.TURN; t != nil {
		turn = &wire.TURN{Listen: t.Addrs, Allocations: t.Allocations, AllocationsTotal: t.AllocationsTotal, BytesRelayed: t.BytesRelayed,
			RefusedAuth: t.RefusedAuth, RefusedQuota: t.RefusedQuota, RefusedPeer: t.RefusedPeer, DroppedOwn: t.DroppedOwn,
			DroppedStranger: t.DroppedStranger, DroppedErrors: t.DroppedErrors,
			EndedBytes: t.EndedBytes, EndedLifetime: t.EndedLifetime, EndedHourly: t.EndedHourly, EndedLeft: t.EndedLeft}
	}
	return wire.Status{
		TURN:     turn,
		Hub:      st.Hub,
		HubSlots: slots,
		Warnings: st.Warnings,
		Revoked:  revoked,
		Account:  st.Account.String(),
		Device:   st.Device.String(),
		Serving:  st.Serving,
		Addrs:    addrs,
		Peers:    st.Peers,
		Logs:     st.Logs,
		Entries:  st.Entries,
		Sync: wire.SyncTotals{
			Sessions:        st.Sync.Sessions,
			CaughtUp:        st.Sync.CaughtUp,
			EntriesExpected: st.Sync.EntriesExpected,
			EntriesReceived: st.Sync.EntriesReceived,
			EntriesSent:     st.Sync.EntriesSent,
		},
		Blobs:     wire.BlobTotals{Pending: st.Blobs.Pending, Fetched: st.Blobs.Fetched, Served: st.Blobs.Served, Failed: st.Blobs.Failed},
		Copies:    copiesOf(st.Copies),
		Strangers: s.strangers(),
	}, nil
}

func strangerWork(w node.StrangerWorkStats) wire.StrangerWork {
	return wire.StrangerWork{Rate: w.Rate, Waiting: w.Waiting, MaxWaiting: w.MaxWaiting, Admitted: w.Admitted, Waited: w.Waited, Refused: w.Refused, Evicted: w.Evicted, Full: w.Full}
}

// strangers reports the node's guards against strangers; nil while the
// network does not run.
func (s *Service) strangers() *wire.Strangers {
	if !s.n.Serving() {
		return nil
	}
	g := s.n.NetGuards()
	return &wire.Strangers{
		Connections:       wire.StrangerConnections{Held: g.Conns.Strangers, Limit: g.Conns.StrangerLimit, Trimmed: g.Conns.Trimmed, Refused: g.Conns.Refused},
		Sessions:          strangerWork(g.StrangerSessions),
		Requests:          strangerWork(g.StrangerRequests),
		Certificates:      g.StrangerCerts,
		CertificatesLimit: node.MaxStrangerCerts,
		DHTRecords:        g.Providers.Records,
		DHTRecordsRefused: g.Providers.Refused,
	}
}

// NewInvite makes an invitation to connect and follow each other.
func (s *Service) NewInvite(_ context.Context, req wire.InviteRequest) (wire.Invite, error) {
	ttl := req.TTLSeconds
	if ttl == 0 {
		ttl = wire.DefaultInviteTTL
	}
	if ttl < wire.MinInviteTTL || ttl > wire.MaxInviteTTL {
		return wire.Invite{}, apiError(wire.CodeBadRequest, "ttl_seconds %d is not between %d (1 minute) and %d (30 days)", req.TTLSeconds, wire.MinInviteTTL, wire.MaxInviteTTL)
	}
	if !s.n.Serving() {
		return wire.Invite{}, notServing()
	}
	inv, err := s.n.NewInvite(time.Duration(ttl) * time.Second)
	if err != nil {
		return wire.Invite{}, err
	}
	addrs := inv.Addrs
	if addrs == nil {
		addrs = []string{}
	}
	svg, _ := qrSVG(inv.Code) // a code too long to draw still works pasted
	return wire.Invite{Code: inv.Code, Account: inv.Account.String(), Device: inv.Device.String(), Addrs: addrs, Expires: inv.Expires.UTC(), QRSVG: svg}, nil
}

// Join uses an invitation code: connect to the inviter, follow it, and ask
// it to follow back.
func (s *Service) Join(ctx context.Context, req wire.JoinRequest) (wire.JoinResult, error) {
	code := strings.TrimSpace(req.Code)
	switch {
	case code == "":
		return wire.JoinResult{}, apiError(wire.CodeBadRequest, "code is missing: give the invite code 'kith invite' printed")
	case len(code) > wire.MaxInviteCodeLen:
		return wire.JoinResult{}, apiError(wire.CodeBadRequest, "code is %d bytes long, more than %d: it is not an invite code", len(code), wire.MaxInviteCodeLen)
	}
	if !s.n.Serving() {
		return wire.JoinResult{}, notServing()
	}
	ctx, cancel := context.WithTimeout(ctx, networkTimeout)
	defer cancel()
	r, err := s.n.Join(ctx, code)
	if err != nil {
		return wire.JoinResult{}, err
	}
	return wire.JoinResult{Account: r.Account.String(), Device: r.Device.String(), Mutual: r.Mutual, FollowID: r.FollowID,
		Name: s.profileName(ctx, r.Account.Key())}, nil
}

func peerOf(p node.PeerInfo) wire.Peer {
	out := wire.Peer{
		Device:    p.Device.String(),
		PeerID:    p.PeerID,
		Addr:      p.Addr,
		Outbound:  p.Outbound,
		Transport: p.Transport,
		Direct:    p.Direct,
		Since:     p.Since.UTC(),
	}
	if p.Account != (identity.AccountID{}) {
		out.Account = p.Account.String()
	}
	if p.Latency > 0 {
		ms := float64(p.Latency.Microseconds()) / 1000
		out.LatencyMS = &ms
	}
	if s := p.Sync; s != nil {
		out.Sync = &wire.PeerSync{
			Phase:           s.Phase,
			CaughtUp:        s.CaughtUp,
			LogsWanted:      s.LogsWanted,
			EntriesExpected: s.EntriesExpected,
			EntriesReceived: s.EntriesReceived,
			EntriesSent:     s.EntriesSent,
			BytesIn:         s.BytesIn,
			BytesOut:        s.BytesOut,
			Forks:           s.Forks,
			Revoked:         s.Revoked,
		}
	}
	out.Services = peerServicesOf(p.Services)
	return out
}
