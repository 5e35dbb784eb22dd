package cli

import "testing"

// TestGenericSummary: payload types kith's log has no words of its own
// for (village, space, and types to come) still read as their fields.
func TestGenericSummary(t *testing.T) {
	for _, c := range []struct {
		p    map[string]any
		want string
	}{
		{map[string]any{"type": "village.found", "name": "Elm street", "founders": []any{"acc_a", "acc_b"}, "charter": map[string]any{"admit": "all"}},
			`founders (2), name "Elm street"`},
		{map[string]any{"type": "village.vote", "stranger": "acc_xyz", "vote": float64(-1), "refs": []any{"ent_a"}},
			"refs (1), stranger acc_xyz, vote -1"},
		{map[string]any{"type": "space.epoch", "sealed": true, "key_hex": "00112233445566778899aabbccddeeff00112233445566778899"}, "sealed"},
		{map[string]any{"type": "tag", "target": "ent_abc", "hidden": false, "label": "bread"}, `not hidden, label "bread", target ent_abc`},
		{map[string]any{"opaque_hex": "a1b2c3"}, "(3 bytes, not a payload kith reads; sealed or unknown)"},
		{map[string]any{"type": "x"}, ""},
	} {
		if got := genericSummary(c.p); got != c.want {
			t.Errorf("genericSummary(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}
