// Package cli is kith's command line: it parses arguments, calls the node,
// and prints results for people or, with --json, for scripts. Every command
// exits non-zero with a message that says what to do when it fails.
package cli
