// Package archtest checks the dependency direction of kith's packages.
//
// It has no code of its own, only a test (arch_test.go) that loads the import
// graph with "go list -e -deps -json ./..." and fails when a package breaks the
// layering of DESIGN.md ("Code layout"): lower layers never import higher
// ones, replicate and netnode do not import each other, only netnode imports
// libp2p, only cmd, bench, api and cli import node, pure domain packages do
// no networking, databases or subprocesses, no package is called util (or
// similar), and every package under internal/ and cmd/ has a package doc
// comment.
//
// A new package under internal/ must be added to the layer table in
// arch_test.go; the test fails until it is.
package archtest
