package node

import (
	"bytes"
	"context"
	"slices"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/scope"
	"github.com/kithnet/kith/internal/village"
)

// FoundVillageRules founds a village as FoundVillage does, with the
// charter's rules in full: any consensus method of village.md §3 with its
// parameters or CEL expression. A rule that does not check (an expression
// that does not compile, say) is refused with what to change, and nothing
// is written.
func (n *Node) FoundVillageRules(ctx context.Context, name string, admit, exclude village.Rule, cofounders []identity.PublicKey) (*entry.Entry, error) {
	founders := []identity.PublicKey{n.account}
	for _, k := range cofounders {
		if !slices.Contains(founders, k) {
			founders = append(founders, k)
		}
	}
	slices.SortFunc(founders, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	if len(founders) < village.MinFounders {
		return nil, &village.Error{Type: village.TypeFound, Field: "founders", Msg: "a village needs at least one co-founder besides your account"}
	}
	payload, err := village.Encode(&village.Found{Name: name, Admit: admit.Method, AdmitParams: admit.Params, AdmitExpr: admit.Expr,
		Exclude: exclude.Method, ExcludeParams: exclude.Params, ExcludeExpr: exclude.Expr, Founders: founders})
	if err != nil {
		return nil, err
	}
	e, err := n.AppendRaw(ctx, scope.FoundLog, payload)
	if err == nil {
		n.reach.wake() // deliver it to the co-founders (villagefound.go)
	}
	return e, err
}
