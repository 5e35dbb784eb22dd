package hostile

import (
	"context"
	"fmt"
	"time"

	"github.com/kithnet/kith/internal/invite"
)

// inviteGuess guesses invite secrets (issue 11 item 6: 6,209 wrong guesses
// a second from 8 identities, none penalised): each attacker sends invite
// requests with random 16-byte secrets and its valid certificate, one
// stream each, as fast as the node answers. A node must penalise wrong
// guesses and make them cheap.
var inviteGuess = Attack{
	Name:      "invite-guess",
	About:     "invite requests with random secrets and a valid certificate, as fast as the node answers (issue 11 item 6)",
	Penalised: true,
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(true)
			if err != nil {
				r.fail(err)
				return
			}
			rng := newRand()
			for ctx.Err() == nil {
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				s, err := a.Open(octx, t, inviteProtocol)
				cancel()
				if err != nil {
					r.answer("invite: refused")
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				r.streams.Add(1)
				stop := cutOnDone(ctx, s)
				_ = s.SetDeadline(time.Now().Add(15 * time.Second))
				req := invite.Request{CertHeader: a.Cert.Raw, CertPayload: a.Cert.Payload}
				copy(req.Secret[:], randomKeys(rng, 1)[0][:invite.SecretSize])
				if err := invite.WriteRequest(s, req); err != nil {
					r.answer(streamEnd("invite", err))
					stop()
					_ = s.Reset()
					continue
				}
				r.sent(1, invite.SecretSize+len(a.Cert.Raw)+len(a.Cert.Payload))
				resp, err := invite.ReadResponse(s)
				if err != nil {
					r.answer(streamEnd("invite", err))
				} else {
					r.answer(fmt.Sprintf("invite: status %d", resp.Status))
				}
				stop()
				_ = s.Close()
			}
		})
	},
}
