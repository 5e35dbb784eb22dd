// The browser peer's transport (doc/browser.md): js-libp2p over WebSocket
// with Noise and yamux, or over WebRTC-direct, as the node speaks them (doc/network.md), keyed by
// the device key. The private key is a non-extractable WebCrypto key: libp2p
// only asks it to sign (the Noise handshake's identity signature). kith's
// own protocols run in the WebAssembly build; this file only moves bytes.
import { createLibp2p } from 'libp2p'
import { webSockets } from '@libp2p/websockets'
import { webRTCDirect } from '@libp2p/webrtc'
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

// start makes the libp2p node of this device.
export async function start ({ privateKey, publicRaw, sign }) {
  return createLibp2p({
    privateKey: webCryptoKey(privateKey, publicRaw, privateKey ? null : sign),
    // WebSocket, or WebRTC-direct (no certificate authority: the node's
    // certificate hash is in its address), whichever address is dialled.
    transports: [webSockets(), webRTCDirect()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The node the page came from is on this machine or the LAN: allow it.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
}

// remoteKey returns the raw 32-byte Ed25519 key of a connection's peer: the
// device key the Noise handshake authenticated.
export function remoteKey (connection) {
  return connection.remotePeer.publicKey.raw
}

export { multiaddr }
