package hostile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// blobUnknown asks for blobs nobody has, as fast as the node answers: GETs
// of random ids and, every 64th request, a QUERY of 256 random ids,
// pipelined on one stream, past the 2,048 requests one stream may carry;
// then again on a new stream. Past the limit is a breach (blobsync.md,
// "Misbehaviour").
var blobUnknown = Attack{
	Name:      "blob-unknown",
	About:     "GETs of random blob ids and QUERYs of 256 of them, pipelined, past the 2,048 requests a stream may carry",
	Penalised: true,
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(true)
			if err != nil {
				r.fail(err)
				return
			}
			for ctx.Err() == nil {
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				s, err := a.Open(octx, t, blobProtocol)
				cancel()
				if err != nil {
					r.answer("blob: refused")
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				r.streams.Add(1)
				stop := cutOnDone(ctx, s)
				go func() {
					rng := newRand()
					for i := 0; ctx.Err() == nil; i++ {
						var f []byte
						if i%64 == 63 {
							ids := make([][32]byte, 256)
							for j := range ids {
								copy(ids[j][:], randomKeys(rng, 1)[0][:32])
							}
							f = frame(blobQuery(ids))
						} else {
							var id [32]byte
							copy(id[:], randomKeys(rng, 1)[0][:32])
							f = frame(blobGet(id, 0))
						}
						if _, err := s.Write(f); err != nil {
							return
						}
						r.sent(1, len(f))
					}
				}()
				for {
					body, err := readFrame(s, maxBlobBody)
					if err != nil {
						r.answer(streamEnd("blob", err))
						break
					}
					switch kindOf(body) {
					case 1:
						r.answer("blob: have")
					case 5:
						r.answer("blob: not found")
					case 6:
						r.answer(fmt.Sprintf("blob: error %d", byeCode(body)))
					}
				}
				stop()
				_ = s.Reset()
			}
		})
	},
}

// slowRead is the pace of a slow blob reader: 1 KiB every 2 s, within
// the node's 30 s idle timeout, so the transfer never ends.
const (
	slowReadBytes = 1024
	slowReadEvery = 2 * time.Second
)

// blobSlowRead takes every blob-serving slot it can: per attacker, 32
// streams (a peer's limit) that GET the blob Options.Blob and read it 1 KiB
// every 2 s. A GET the node answers "busy" is asked again a second later.
// Reading slowly breaks no rule; a node must still serve its other peers
// (issue 11 item 5).
var blobSlowRead = Attack{
	Name:  "blob-slow-read",
	About: "32 streams per attacker that GET a blob the node holds (-blob) and read it 1 KiB every 2 s, holding the node's serving slots (issue 11 item 5)",
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		if o.Blob == [32]byte{} {
			r.fail(errors.New("blob-slow-read needs the id of a blob the target holds (Options.Blob, -blob)"))
			return
		}
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(false)
			if err != nil {
				r.fail(err)
				return
			}
			defer a.Close()
			each(32, func(int) {
				for ctx.Err() == nil {
					octx, cancel := context.WithTimeout(ctx, 15*time.Second)
					s, err := a.Open(octx, t, blobProtocol)
					cancel()
					if err != nil {
						r.answer("blob: refused")
						if !pause(ctx, time.Second) {
							return
						}
						continue
					}
					r.streams.Add(1)
					stop := cutOnDone(ctx, s)
					f := frame(blobGet(o.Blob, 0))
					if _, err := s.Write(f); err == nil {
						r.sent(1, len(f))
						r.answer("blob: " + readSlowly(ctx, s))
					}
					stop()
					_ = s.Reset()
					if !pause(ctx, time.Second) {
						return
					}
				}
			})
		})
	},
}

// readSlowly reads the answer to a GET: the BLOB head at once, then the
// data slowly, until ctx ends or the node ends the stream.
func readSlowly(ctx context.Context, s io.Reader) string {
	head, err := readFrame(s, maxBlobBody)
	if err != nil {
		return streamEnd("", err)[2:]
	}
	switch kindOf(head) {
	case 5:
		return "not found"
	case 6:
		return fmt.Sprintf("error %d", byeCode(head))
	case 3:
	default:
		return fmt.Sprintf("unexpected message kind %d", kindOf(head))
	}
	buf := make([]byte, slowReadBytes)
	for {
		if !pause(ctx, slowReadEvery) {
			return "transfer held to the end"
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			if ctx.Err() != nil {
				return "transfer held to the end"
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return "transfer completed"
			}
			return "transfer " + streamEnd("", err)[2:]
		}
	}
}
