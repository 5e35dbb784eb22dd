package hostile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/invite"
	"github.com/kithnet/kith/internal/village"
)

// villageRequestSpam is strangers' requests from many keys (issue 11 item
// 13: 200 fresh keys sent 6,400 requests in 37 s and every local's home
// grew by ~45 MB): Options.Attackers at a time, each a fresh key that
// sends its village log of 32 requests of 2,000 bytes (the most the
// protocol takes from one key) to Options.Village, then makes way for the
// next key. Each request is valid; a node must bound what it keeps of
// strangers nobody listed.
var villageRequestSpam = Attack{
	Name:  "village-request-spam",
	About: "fresh keys, -attackers at a time, each sending 32 valid requests of 2,000 bytes to a village (-village) (issue 11 item 13)",
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		vid := o.Village
		if vid == (entry.ID{}) {
			copy(vid[:], randomKeys(newRand(), 1)[0][:32])
		}
		text := strings.Repeat("let me in ", 200) // 2,000 bytes
		each(o.Attackers, func(int) {
			for ctx.Err() == nil {
				a, err := r.newAttacker(false)
				if err != nil {
					r.fail(err)
					return
				}
				if err := sendRequests(ctx, a, t, vid, text, r); err != nil {
					r.fail(err)
				}
				_ = a.Close()
			}
		})
	},
}

// sendRequests sends a's village log of 32 requests to t and records the
// answer.
func sendRequests(ctx context.Context, a *Attacker, t Target, vid entry.ID, text string, r *recorder) error {
	var prev entry.ID
	var es []*entry.Entry
	now := uint64(time.Now().UnixMilli())
	for seq := 1; seq <= village.MaxRequests; seq++ {
		p, err := village.Encode(&village.Request{Village: vid, User: [32]byte(a.Account.Public()), Text: text, Cert: village.CertOf(a.Cert)})
		if err != nil {
			return err
		}
		e, err := entry.Sign(a.Device, entry.Draft{LogID: entry.LogID(vid), Seq: uint64(seq), Backlink: prev, Timestamp: now + uint64(seq), Payload: p})
		if err != nil {
			return err
		}
		prev = e.ID
		es = append(es, e)
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := a.Open(octx, t, villageProtocol)
	if err != nil {
		r.answer("village: refused")
		return nil
	}
	r.conns.Add(1)
	r.streams.Add(1)
	defer s.Close()
	defer cutOnDone(ctx, s)()
	_ = s.SetDeadline(time.Now().Add(30 * time.Second))
	for _, e := range es {
		if err := invite.WriteCert(s, invite.Cert{Header: e.Raw, Payload: e.Payload}); err != nil {
			r.answer(streamEnd("village", err))
			return nil
		}
		r.sent(1, len(e.Raw)+len(e.Payload))
	}
	if err := s.CloseWrite(); err != nil {
		return nil
	}
	resp, err := invite.ReadResponse(s)
	if err != nil {
		r.answer(streamEnd("village", err))
		return nil
	}
	r.answer(fmt.Sprintf("village: status %d", resp.Status))
	return nil
}
