// Package hostile is a kith peer that misbehaves on purpose, for testing
// how a node holds up against hostile peers (issue 11): it speaks kith's
// protocols badly from real libp2p hosts with throwaway identities.
//
// Each Attack (Attacks lists them, Lookup finds one by name) runs against
// one Target, a running node's multiaddr with /p2p/, with as many attacker
// identities at once and for as long as Options say, and returns a Report
// of what it sent and what the target answered. An attack whose peers a
// node must refuse afterwards (Attack.Penalised) probes each attacker
// after the attack: a node that penalised it refuses a fresh connection or
// resets a fresh stream (Attacker.Refused).
//
// Every attacker is a device key of an account key of its own, with a
// valid device certificate that it sends when the node asks
// (/kith/cert/1), so the node talks to it as to any stranger; the
// misbehaviour is in what follows. The wire formats are written here by
// hand (doc/protocol/sync.md, blobsync.md, invite.md, village.md §6, and
// the DHT's ADD_PROVIDER), so that malformed and oversized messages can be
// built at all; this package imports no code of the node that it attacks.
//
// The node's own side is never stubbed: bench/hostile runs the attacks
// against real 'kith serve' processes, measures the node's memory and CPU
// and an honest peer's sync rate during each attack, and its test asserts
// what a node with kith's defences must hold to (RELIABILITY.md).
package hostile
