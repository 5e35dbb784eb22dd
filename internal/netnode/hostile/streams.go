package hostile

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// A slow stream's pace: one byte every slowByte.
const slowByte = time.Second

// slowStreams keeps streams open that never finish: per attacker, a sync
// stream that sends HELLO and then a frame one byte a second (one: a
// node keeps one session per peer), eight blob streams that send a QUERY
// one byte a second, and an invite and a village request stream that send
// nothing. A stream the node closes is opened again (after a second, if
// it lasted less). Nothing sent is wrong, only too slow: a node must time
// them out and serve its honest peers meanwhile.
var slowStreams = Attack{
	Name:  "slow-streams",
	About: "endless and slow streams: a sync stream sending a frame a byte a second after HELLO, blob streams a byte a second, silent invite and village request streams; reopened when closed",
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		type kind struct {
			proto string
			pre   []byte // sent at once
			drip  []byte // then a byte every slowByte (nil: silence)
		}
		sent := frame(blobQuery(make([][32]byte, 256)))
		kinds := []kind{
			{syncProtocol, frame(syncHello()), frame(syncCredit(1, 65536))},
			{blobProtocol, nil, sent},
			{inviteProtocol, nil, nil},
			{villageProtocol, nil, nil},
		}
		counts := []int{1, 8, 1, 1} // per attacker
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(false)
			if err != nil {
				r.fail(err)
				return
			}
			defer a.Close()
			var jobs []kind
			for i, k := range kinds {
				for range counts[i] {
					jobs = append(jobs, k)
				}
			}
			each(len(jobs), func(j int) {
				k := jobs[j]
				for ctx.Err() == nil {
					octx, cancel := context.WithTimeout(ctx, 15*time.Second)
					s, err := a.Open(octx, t, k.proto)
					cancel()
					if err != nil {
						r.answer(k.proto + ": refused")
						if !pause(ctx, time.Second) {
							return
						}
						continue
					}
					r.streams.Add(1)
					start := time.Now()
					end := dribble(ctx, s, k.pre, k.drip, r)
					lasted := time.Since(start)
					r.answer(k.proto + ": " + end + " after " + (lasted / time.Second * time.Second).String())
					_ = s.Reset()
					if lasted < time.Second && !pause(ctx, time.Second) {
						return
					}
				}
			})
		})
	},
}

// dribble writes pre, then drip a byte every slowByte (or nothing), while
// reading and dropping what the node sends, until the node ends the stream
// or ctx ends; it says how the stream ended.
func dribble(ctx context.Context, s network.Stream, pre, drip []byte, r *recorder) string {
	ended := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := s.Read(buf); err != nil {
				ended <- streamEnd("", err)[2:]
				return
			}
		}
	}()
	if len(pre) > 0 {
		if _, err := s.Write(pre); err != nil {
			return "write failed"
		}
		r.sent(1, len(pre))
	}
	tick := time.NewTicker(slowByte)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return "still open"
		case e := <-ended:
			return e
		case <-tick.C:
			if drip != nil {
				if _, err := s.Write(drip[i%len(drip) : i%len(drip)+1]); err != nil {
					return "write failed"
				}
				r.sent(0, 1)
			}
		}
	}
}
