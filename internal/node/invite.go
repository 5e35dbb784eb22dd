package node

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/store"
)

const (
	inviteFile     = "invites.json"
	inviteProtocol = invite.Protocol
	// DefaultInviteTTL is how long an invite is valid unless told otherwise.
	DefaultInviteTTL = 24 * time.Hour
	// MaxInviteTTL bounds an invite's validity.
	MaxInviteTTL = 30 * 24 * time.Hour
)

// NewInvite makes a single-use invitation valid for ttl (0: DefaultInviteTTL).
func (n *Node) NewInvite(ttl time.Duration) (Invite, error) {
	nw := n.net.Load()
	if nw == nil {
		return Invite{}, ErrNotServing
	}
	// Whoever uses the code makes this node follow them.
	if err := n.checkNotRevoked(context.Background()); err != nil {
		return Invite{}, err
	}
	if ttl == 0 {
		ttl = DefaultInviteTTL
	}
	if ttl < time.Minute || ttl > MaxInviteTTL {
		return Invite{}, fmt.Errorf("an invite is valid for 1 minute to %d days, not %v", int(MaxInviteTTL.Hours()/24), ttl)
	}
	c := invite.Code{Account: n.account, Device: n.device.Public(), Expires: time.Now().Add(ttl).Truncate(time.Second).UTC()}
	if _, err := rand.Read(c.Secret[:]); err != nil {
		return Invite{}, err
	}
	c.Addrs = inviteAddrs(nw.host.Addrs())
	text, err := c.Encode()
	if err != nil {
		return Invite{}, err
	}
	if err := nw.invites.add(c.Secret, c.Expires, time.Now()); err != nil {
		return Invite{}, fmt.Errorf("remember the invite: %w", err)
	}
	return Invite{Code: text, Account: n.account.Account(), Device: n.device.Public().Device(), Addrs: c.Addrs, Expires: c.Expires}, nil
}

// inviteAddrs picks at most invite.MaxAddrs listen addresses for a code,
// without /p2p/, those reachable from elsewhere first and loopback last.
func inviteAddrs(all []string) []string {
	var outer, loop []string
	seen := map[string]bool{}
	for _, a := range all {
		if i := strings.Index(a, "/p2p/"); i >= 0 {
			a = a[:i]
		}
		if a == "" || len(a) > invite.MaxAddrLen || seen[a] || strings.Contains(a, "/p2p-circuit") {
			continue
		}
		seen[a] = true
		if strings.HasPrefix(a, "/ip4/127.") || strings.HasPrefix(a, "/ip6/::1/") {
			loop = append(loop, a)
		} else {
			outer = append(outer, a)
		}
	}
	out := append(outer, loop...)
	if len(out) > invite.MaxAddrs {
		out = out[:invite.MaxAddrs]
	}
	return out
}

// Join uses an invitation: it connects to the inviter and sends the code's
// secret so that the inviter follows this account back; once the inviter
// accepted, it follows the inviter's account and both nodes keep each other
// connected. A refused or failed join publishes nothing.
func (n *Node) Join(ctx context.Context, code string) (JoinResult, error) {
	nw := n.net.Load()
	if nw == nil {
		return JoinResult{}, ErrNotServing
	}
	c, err := invite.Parse(code)
	if err != nil {
		return JoinResult{}, fmt.Errorf("%w: %v", ErrBadInvite, err)
	}
	// Before the code is used up: the follow could not be published.
	if err := n.checkNotRevoked(ctx); err != nil {
		return JoinResult{}, err
	}
	if c.Device == n.device.Public() || c.Account == n.account {
		return JoinResult{}, fmt.Errorf("%w: it was made by your own account", ErrBadInvite)
	}
	if time.Now().After(c.Expires) {
		return JoinResult{}, fmt.Errorf("%w at %s; ask for a new one", ErrInviteExpired, c.Expires.Local().Format(time.RFC1123))
	}
	res := JoinResult{Account: c.Account.Account(), Device: c.Device.Device()}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := nw.host.ConnectKey(cctx, c.Device, c.Addrs); err != nil {
		return res, fmt.Errorf("%w: the inviter at %s: %v", ErrUnreachable, strings.Join(c.Addrs, ", "), err)
	}
	cert, err := n.ownCert(ctx)
	if err != nil {
		return res, err
	}
	s, err := nw.host.Open(cctx, c.Device, inviteProtocol)
	if err != nil {
		return res, fmt.Errorf("open the invite exchange: %w", err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(30 * time.Second))
	if err := invite.WriteRequest(s, invite.Request{Secret: c.Secret, CertHeader: cert.Raw, CertPayload: cert.Payload}); err != nil {
		return res, fmt.Errorf("send the invite: %w", err)
	}
	resp, err := invite.ReadResponse(s)
	if err != nil {
		return res, fmt.Errorf("the inviter's answer: %w", err)
	}
	// Only an accepted invite makes this node follow the inviter and keep
	// it connected: a refused one leaves nothing behind.
	if resp.Status != invite.Accepted {
		if resp.Status == invite.Expired {
			return res, fmt.Errorf("%w (the inviter says so); nothing was published: ask them for a new invite code", ErrInviteExpired)
		}
		why := resp.Status.String()
		if resp.Message != "" && resp.Message != why {
			why += " (" + resp.Message + ")"
		}
		return res, fmt.Errorf("%w: %s; nothing was published: ask them for a new invite code", ErrInviteRefused, why)
	}
	nw.host.Keep(c.Device, c.Addrs)
	following := false
	for _, a := range nw.scope.Following() {
		if a == c.Account.Account() {
			following = true
		}
	}
	if !following {
		e, err := n.Follow(ctx, c.Account, true)
		if err != nil {
			return res, err
		}
		res.FollowID = e.ID.String()
	}
	res.Mutual = true
	return res, nil
}

// ownCert returns this device's certificate entry.
func (n *Node) ownCert(ctx context.Context) (*store.Stored, error) {
	d, err := n.store.AccountOf(ctx, n.device.Public())
	if err != nil {
		return nil, err
	}
	return n.store.Get(ctx, d.Cert)
}

// guessAnswerWait bounds how long the answer to a guess may take to reach
// the guesser before its connection is closed.
const guessAnswerWait = 2 * time.Second

// awaitClose ends our side of s and waits, at most for wait, until the
// peer has closed its side too (it has read our answer), so that closing
// the connection right after does not lose the answer.
func awaitClose(s io.ReadWriteCloser, wait time.Duration) {
	st, ok := s.(interface {
		CloseWrite() error
		SetReadDeadline(time.Time) error
	})
	if !ok {
		return
	}
	_ = st.CloseWrite()
	_ = st.SetReadDeadline(time.Now().Add(wait))
	_, _ = io.Copy(io.Discard, io.LimitReader(s, invite.MaxMessage))
}

// serveInvite answers one invite exchange (doc/protocol/invite.md).
func (n *Node) serveInvite(ctx context.Context, nw *network, remote identity.PublicKey, s io.ReadWriteCloser) {
	defer s.Close()
	if d, ok := s.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(time.Now().Add(30 * time.Second))
	}
	req, err := invite.ReadRequest(s)
	if err != nil {
		if streamBreach(err) {
			nw.log.Warn("bad invite request", "peer", remote.Device(), "err", err)
			nw.host.Penalize(remote, "invite: "+err.Error())
		} else {
			nw.log.Info("an invite request broke off", "peer", remote.Device(), "err", err)
		}
		return
	}
	answer := func(st invite.Status, msg string) {
		_ = invite.WriteResponse(s, invite.Response{Status: st, Message: msg})
	}
	st, known, barred := nw.invites.judge(remote, req.Secret, time.Now())
	if barred {
		if r, ok := s.(interface{ Reset() error }); ok {
			_ = r.Reset()
		}
		return
	}
	if !known {
		// A secret of no invite this node made: a guess (a code mistyped
		// fails its check digits before it is sent). Penalised, so that
		// every guess costs a new identity and a new connection.
		answer(st, st.String())
		awaitClose(s, guessAnswerWait)
		nw.log.Info("invite secret of no invite: the peer is penalised", "peer", remote.Device())
		nw.host.Penalize(remote, "invite: a secret of no invite (a guess)")
		return
	}
	if st != invite.Accepted {
		if err := nw.invites.lastReadError(); err != nil {
			nw.log.Error("an invite was refused because the invites file cannot be read; fix or remove it (its invites are then lost)", "err", err)
		}
		answer(st, st.String())
		return
	}
	cert, err := checkCert(req.CertHeader, req.CertPayload, remote)
	if err != nil {
		answer(invite.BadCertificate, err.Error())
		return
	}
	account := cert.Header.Author
	if nw.scope.Blocked(account) {
		answer(invite.Blocked, "blocked")
		return
	}
	if err := n.storeCert(ctx, nw, remote, cert); err != nil {
		answer(invite.BadCertificate, "could not store the certificate: "+err.Error())
		return
	}
	if st := nw.invites.use(req.Secret, account.Account(), time.Now()); st != invite.Accepted {
		answer(st, st.String())
		return
	}
	if _, err := n.Follow(ctx, account, true); err != nil {
		answer(invite.BadCertificate, "could not follow back: "+err.Error())
		return
	}
	nw.host.Keep(remote, nil)
	answer(invite.Accepted, "welcome")
}
