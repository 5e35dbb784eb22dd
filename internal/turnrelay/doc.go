// Package turnrelay is a kith node's STUN and TURN server for the browser
// peers it serves (doc/protocol/ice.md): pion/turn over UDP, with the
// credentials of internal/ice and the limits that keep a relay from being
// an open bandwidth amplifier: allocations per device and in all, bytes
// and lifetime per allocation, permissions only towards browsers'
// addresses, and never a datagram to this machine's own services.
package turnrelay
