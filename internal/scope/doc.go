// Package scope decides which logs a node replicates: the logs of its own
// account's devices, of the accounts it follows and (hops deep) the accounts
// they follow, and logs added explicitly; never anything of an account it
// blocks, and nothing at all to a peer whose account it blocks. The
// account's other current devices are mirrors: this node takes every log
// they offer (WantsFrom), offers them the logs it wants itself, and
// acknowledges the account's own logs to them (doc/protocol/sync.md,
// "Mirrors").
//
// The answer is computed from the store (follow, block and device entries)
// into an immutable snapshot, so the questions the sync protocol asks for
// every log — Wants and Offers — are map lookups. Refresh recomputes the
// snapshot after entries that can change it were stored. The follow and
// block statements are kept per account in a Ledger (pure: statements in,
// answers out, in any order), into which Note folds each statement stored
// since; Recompute then reads none of them again, so following the
// 10,000th account costs what changed, not 10,000 statements.
package scope
