// Package cli is kith's command line: it parses arguments, calls the node,
// and prints results for people or, with --json, for scripts. Every command
// exits non-zero with a message that says what to do when it fails. While a
// node runs on the home ('kith serve'), commands go through its local API
// and never open the store; otherwise they open the home themselves. Both
// ways print the same (see backend).
package cli
