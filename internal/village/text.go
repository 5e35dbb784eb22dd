package village

import "github.com/kithnet/kith/internal/content"

// checkName is checkText for a name (a village's, a local's): it also
// applies the name rule of payloads.md §4 (content.CheckName), so that no
// name can pass for another with bidi controls, zero-width characters or
// odd spaces.
func checkName(typ, field, s string, lo, hi int) error {
	if err := checkText(typ, field, s, lo, hi); err != nil {
		return err
	}
	if err := content.CheckName(s); err != nil {
		return fieldErr(typ, field, "%v", err)
	}
	return nil
}
