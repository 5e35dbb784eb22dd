package conversation

import "testing"

// BenchmarkRuleHolds: one evaluation of a charter rule over a tally, the
// built-in qualified majority and the cel "two thirds with no block".
func BenchmarkRuleHolds(b *testing.B) {
	for _, c := range []struct {
		name string
		r    Rule
	}{{"qualified", Rule{Method: MethodQualified, Params: []uint64{2, 3}}}, {"cel", Rule{Method: MethodCEL, Expr: "agree * 3 >= participants * 2 && block == 0"}}} {
		b.Run(c.name, func(b *testing.B) {
			cr, err := CompileRule(c.r)
			if err != nil {
				b.Fatal(err)
			}
			t := Tally{Participants: 1000, Agree: 600, Answered: 600}
			for b.Loop() {
				cr.Holds(t)
			}
		})
	}
}
