//go:build js && wasm

package main

import (
	"errors"
	"strings"
	"syscall/js"

	"github.com/mr-tron/base58"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/pairing"
)

// peerID is the libp2p peer id of an Ed25519 key: the identity multihash
// of its protobuf encoding, in base58btc.
func peerID(k identity.PublicKey) string {
	b := append([]byte{0x00, 0x24, 0x08, 0x01, 0x12, 0x20}, k[:]...)
	return base58.Encode(b)
}

// browserAddrs are the addresses of addrs a browser can dial (WebSocket,
// WebRTC-direct), each with /p2p/ of device.
func browserAddrs(addrs []string, device identity.PublicKey) []string {
	var out []string
	for _, a := range addrs {
		if strings.Contains(a, "/ws") || strings.Contains(a, "/webrtc-direct") {
			out = append(out, a+"/p2p/"+peerID(device))
		}
	}
	return out
}

// pairCode(text): a pairing code as the page needs it: {account_id,
// device, device_id, addrs (those a browser can dial, with /p2p/),
// expires_ms}, or {error} saying what is wrong and what to do.
func pairCode(_ js.Value, args []js.Value) any {
	if len(args) != 1 {
		return fail(errors.New("pairCode(text)"))
	}
	c, err := pairing.Parse(args[0].String())
	if err != nil {
		return fail(err)
	}
	addrs := browserAddrs(c.Addrs, c.Device)
	if len(addrs) == 0 {
		return fail(errors.New("the pairing device listens on no address a browser can reach (WebSocket or WebRTC-direct): add one such as /ip4/0.0.0.0/tcp/7697/ws to its listen addresses (doc/config.md), restart it and make a new code"))
	}
	as := make([]any, len(addrs))
	for i, a := range addrs {
		as[i] = a
	}
	return obj{"account_id": c.Account.Account().String(), "device": c.Device.Hex(), "device_id": c.Device.Device().String(), "addrs": as, "expires_ms": float64(c.Expires.UnixMilli())}
}
