//go:build js && wasm

package conversation

import "fmt"

// CostLimit bounds the CEL cost of one evaluation of an expression
// (conversation.md §4); see cel.go.
const CostLimit = 10000

// Expr is a compiled consensus expression. The WebAssembly build of a
// browser peer (doc/browser.md, "Villages") leaves CEL out: cel-go, with
// protocol buffers and ANTLR, would triple kith.wasm (24 MB, 4.9 MB
// compressed, against 8 MB and 2.2 MB). Every other method is the same
// code as a node's; a rule with an expression is refused, with the
// reason, so that a village or conversation whose charter has one is
// never counted differently in a browser, only not read there.
type Expr struct{}

// CompileExpr refuses every expression in the WebAssembly build.
func CompileExpr(src string) (*Expr, error) {
	return nil, fmt.Errorf("this browser does not evaluate CEL expressions (they are left out of its WebAssembly build to keep it small): a rule written as the expression %q is read on a node (kith serve)", src)
}

// eval is never reached: no Expr is made.
func (x *Expr) eval(*Tally, []uint64, int, int, int) (bool, error) {
	return false, fmt.Errorf("this browser does not evaluate CEL expressions")
}
