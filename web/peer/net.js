// The browser peer's transport (doc/browser.md): js-libp2p over WebSocket
// with Noise and yamux, or over WebRTC-direct, as the node speaks them
// (doc/network.md), and WebRTC to other browser peers, signalled through
// the node's relay (circuit relay v2), keyed by the device key. The private key is a non-extractable WebCrypto key: libp2p
// only asks it to sign (the Noise handshake's identity signature). kith's
// own protocols run in the WebAssembly build; this file only moves bytes.
import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'

// webCryptoKey wraps a WebCrypto Ed25519 key pair as a libp2p private key
// whose secret never leaves WebCrypto.
function webCryptoKey (privateKey, publicRaw, signFn) {
  const publicKey = publicKeyFromRaw(publicRaw)
  return {
    type: 'Ed25519',
    publicKey,
    get raw () { throw new Error('the device key is not extractable') },
    equals (other) { return other === this },
    async sign (data) {
      const bytes = data instanceof Uint8Array ? data : data.subarray()
      if (signFn) return signFn(bytes) // a key without WebCrypto Ed25519 (doc/browser.md)
      return new Uint8Array(await crypto.subtle.sign('Ed25519', privateKey, bytes))
    }
  }
}

// byteStream adapts a libp2p stream to what the WebAssembly build reads and
// writes: read() → Promise<Uint8Array|null> (null at the end), write(bytes),
// close().
export function byteStream (stream) {
  const queue = []
  let waiting = null
  let ended = false
  const wake = () => { if (waiting) { const w = waiting; waiting = null; w() } }
  stream.addEventListener('message', (ev) => {
    const d = ev.data
    queue.push(d instanceof Uint8Array ? d : d.subarray())
    wake()
  })
  stream.addEventListener('remoteCloseWrite', () => { ended = true; wake() })
  stream.addEventListener('close', () => { ended = true; wake() })
  return {
    async read () {
      while (queue.length === 0) {
        if (ended) return null
        await new Promise((resolve) => { waiting = resolve })
      }
      return queue.shift()
    },
    async write (bytes) {
      if (!stream.send(bytes)) await stream.onDrain()
    },
    close () { stream.close().catch(() => stream.abort(new Error('closed'))) }
  }
}

// The ICE servers the node offered (its own STUN/TURN, asked on
// /kith/ice/1: doc/protocol/ice.md), for every WebRTC connection to
// another browser made from now on; and the ICE transport policy ('all',
// or 'relay' to use the node's relay only: a test-only switch).
let ice = { iceServers: [], iceTransportPolicy: 'all' }

// setICE sets the ICE servers (RTCIceServer objects) and the policy.
export function setICE (iceServers, iceTransportPolicy) {
  ice = { iceServers, iceTransportPolicy: iceTransportPolicy || 'all' }
}

// iceURLs are the STUN and TURN URLs of a server on port of the host in
// the node's address (the host this page dialled the node at).
export function iceURLs (nodeAddr, port) {
  const m = String(nodeAddr).match(/^\/(ip4|ip6|dns4|dns6|dns)\/([^/]+)/)
  if (!m) return []
  const host = m[1] === 'ip6' ? '[' + m[2] + ']' : m[2]
  return ['stun:' + host + ':' + port, 'turn:' + host + ':' + port + '?transport=udp']
}

// start makes the libp2p node of this device.
export async function start ({ privateKey, publicRaw, sign }) {
  return createLibp2p({
    privateKey: webCryptoKey(privateKey, publicRaw, privateKey ? null : sign),
    // Listen for other browser peers: hold a slot at the node's
    // signalling relay ('/p2p-circuit': any connected peer that relays),
    // and take WebRTC connections signalled through it ('/webrtc').
    addresses: { listen: ['/p2p-circuit', '/webrtc'] },
    // WebSocket, or WebRTC-direct (no certificate authority: the node's
    // certificate hash is in its address), whichever address is dialled;
    // WebRTC to other browsers, signalled over a relayed connection
    // through the node. The only STUN and TURN server is the node's own
    // (setICE), none until it offers one: never a third party's
    // (js-libp2p's default would ask public STUN servers).
    transports: [
      webSockets(),
      webRTCDirect(),
      webRTC({ rtcConfiguration: () => ({ iceServers: ice.iceServers, iceTransportPolicy: ice.iceTransportPolicy }) }),
      circuitRelayTransport()
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The node the page came from is on this machine or the LAN: allow it.
    connectionGater: { denyDialMultiaddr: () => false },
    // A WebRTC connection is signalled over the relay and then gathers,
    // checks and sets up DTLS and SCTP: allow it more than js-libp2p's 6
    // seconds an address (a phone, a busy machine).
    connectionManager: { dialTimeout: 30000, addressDialTimeout: 30000, inboundUpgradeTimeout: 30000 },
    services: { identify: identify(), ping: ping() }
  })
}

// remoteKey returns the raw 32-byte Ed25519 key of a connection's peer: the
// device key the Noise handshake authenticated.
export function remoteKey (connection) {
  return connection.remotePeer.publicKey.raw
}

// webRTCAddr is the address that reaches the browser peer with device
// key raw through the node at nodeAddr (the node's address with /p2p/):
// a relayed connection for signalling, upgraded to a direct WebRTC one.
export function webRTCAddr (nodeAddr, raw) {
  const id = peerIdFromPublicKey(publicKeyFromRaw(raw)).toString()
  return multiaddr(nodeAddr + '/p2p-circuit/webrtc/p2p/' + id)
}

// peerIdOf is the peer id an address ends with (/p2p/<id>), or ''.
export function peerIdOf (addr) {
  const m = String(addr).match(/\/p2p\/([^/]+)$/)
  return m ? m[1] : ''
}

// isDirect reports whether a connection carries streams without limits
// (not a relayed connection, which the node keeps to signalling).
export function isDirect (connection) {
  return connection.limits == null
}

// transportOf names a connection's transport as `kith peers` does.
export function transportOf (connection) {
  const a = connection.remoteAddr.toString()
  // the dialler's is the relay's address with /webrtc, the listener's
  // /webrtc/p2p/<id>
  if (/(^|\/p2p-circuit)\/webrtc(\/|$)/.test(a)) return 'webrtc'
  if (a.includes('/p2p-circuit')) return 'relay'
  if (a.includes('/webrtc-direct')) return 'webrtc-direct'
  if (/\/wss?(\/|$)/.test(a)) return 'ws'
  return 'other'
}

export { multiaddr }
