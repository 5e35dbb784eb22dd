package hostile

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// badFrame is one way to send a frame that breaks a protocol.
type badFrame struct {
	name  string
	proto string   // the stream opened
	pre   [][]byte // well-formed frames sent first
	raw   []byte   // then these bytes as they are
	cert  []byte   // the attacker's answer to /kith/cert/1 (nil: its valid certificate)
}

// oversized is a length prefix of n followed by junk: a receiver must refuse
// it by the prefix alone.
func oversized(n int) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(n)), make([]byte, 4096)...)
}

var oversizedVariants = []badFrame{
	{name: "sync frame of 2,097,153 bytes", proto: syncProtocol, pre: [][]byte{syncHello()}, raw: oversized(maxSyncBody + 1)},
	{name: "sync frame of 4 GiB", proto: syncProtocol, pre: [][]byte{syncHello()}, raw: oversized(0xffffffff)},
	{name: "blob frame of 70,001 bytes", proto: blobProtocol, raw: oversized(maxBlobBody + 1)},
	{name: "invite frame of 8,193 bytes", proto: inviteProtocol, raw: oversized(maxInviteBody + 1)},
	{name: "village request frame of 8,193 bytes", proto: villageProtocol, raw: oversized(maxInviteBody + 1)},
	{name: "certificate frame of 8,193 bytes", proto: syncProtocol, pre: [][]byte{syncHello()}, cert: oversized(maxInviteBody + 1)},
}

var malformedVariants = []badFrame{
	{name: "sync message of unknown kind", proto: syncProtocol, pre: [][]byte{syncHello()}, raw: frame([]byte{0x81, 0x18, 99})},
	{name: "sync CREDIT with a non-shortest integer", proto: syncProtocol, pre: [][]byte{syncHello()}, raw: frame([]byte{0x83, 0x04, 0x18, 0x01, 0x00})},
	{name: "sync frame of length 0", proto: syncProtocol, pre: [][]byte{syncHello()}, raw: []byte{0, 0, 0, 0}},
	{name: "sync second HELLO", proto: syncProtocol, pre: [][]byte{syncHello()}, raw: frame(syncHello())},
	{name: "sync RECONCILE with bounds out of order", proto: syncProtocol, pre: [][]byte{syncHello()},
		raw: frame([]byte{0x82, 0x01, 0x82, 0x83, 0x41, 0x09, 0x00, 0xf6, 0x83, 0x41, 0x01, 0x00, 0xf6})},
	{name: "blob message that is not CBOR", proto: blobProtocol, raw: frame([]byte{0xff, 0xff, 0xff})},
	{name: "blob GET with a short id", proto: blobProtocol, raw: frame([]byte{0x83, 0x02, 0x43, 1, 2, 3, 0x00})},
	{name: "invite request of the wrong shape", proto: inviteProtocol, raw: frame([]byte{0x81, 0x01})},
	{name: "village request that is a map", proto: villageProtocol, raw: frame([]byte{0xa0})},
	{name: "certificate that is an empty array", proto: syncProtocol, pre: [][]byte{syncHello()}, cert: frame([]byte{0x80})},
}

// oversizedFrames sends, from a fresh identity each, a frame whose length
// is over the limit of each protocol kith serves (and of the certificate
// it asks for). Every one is a protocol breach: the node must refuse the
// peer afterwards.
var oversizedFrames = Attack{
	Name:      "oversized-frames",
	About:     "frames over the length limit of sync, blob, invite, village request and certificate messages, one identity each",
	Penalised: true,
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		sendBadFrames(ctx, t, o, r, oversizedVariants)
	},
}

// malformedFrames sends malformed messages (unknown kind, non-shortest
// integer, zero length, out of sequence, bounds out of order, not CBOR,
// wrong shapes), from a fresh identity each.
var malformedFrames = Attack{
	Name:      "malformed-frames",
	About:     "malformed messages on every protocol (unknown kind, non-shortest CBOR, zero length, second HELLO, unordered bounds, wrong shapes, a bad certificate)",
	Penalised: true,
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		sendBadFrames(ctx, t, o, r, malformedVariants)
	},
}

// sendBadFrames runs every variant from max(attackers, variants) fresh
// identities, and records how the node answered each.
func sendBadFrames(ctx context.Context, t Target, o Options, r *recorder, variants []badFrame) {
	each(max(o.Attackers, len(variants)), func(i int) {
		v := variants[i%len(variants)]
		a, err := r.newAttacker(true)
		if err != nil {
			r.fail(err)
			return
		}
		if v.cert != nil {
			a.CertFrame(v.cert)
		}
		octx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		s, err := a.Open(octx, t, v.proto)
		if err != nil {
			r.answer(v.name + ": refused")
			return
		}
		r.streams.Add(1)
		defer cutOnDone(ctx, s)()
		_ = s.SetDeadline(time.Now().Add(15 * time.Second))
		for _, f := range v.pre {
			f = frame(f)
			if _, err := s.Write(f); err != nil {
				break
			}
			r.sent(1, len(f))
		}
		if v.raw != nil {
			if _, err := s.Write(v.raw); err == nil {
				r.sent(1, len(v.raw))
			}
		}
		r.answer(v.name + ": " + answerOf(s, v.proto))
		_ = s.Reset()
	})
}

// answerOf reads what the node sends until the stream ends: the code of
// its BYE or ERROR, or how the stream ended.
func answerOf(s io.Reader, proto string) string {
	for {
		body, err := readFrame(s, maxSyncBody)
		if err != nil {
			return streamEnd("", err)[2:]
		}
		switch {
		case proto == syncProtocol && kindOf(body) == kindBye:
			return fmt.Sprintf("bye %d", byeCode(body))
		case proto == blobProtocol && kindOf(body) == 6:
			return fmt.Sprintf("error %d", byeCode(body))
		case proto == inviteProtocol || proto == villageProtocol:
			return fmt.Sprintf("answer %x", body)
		}
	}
}
