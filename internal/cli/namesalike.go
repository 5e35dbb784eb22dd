package cli

import (
	"fmt"

	"github.com/kithnet/kith/internal/content"
)

// namesAlike counts the names of a list that a person could take for one
// another (content.NameKey), so that the list can say so beside each.
type namesAlike map[string]int

// alikeNames counts names; empty names count nothing.
func alikeNames(names []string) namesAlike {
	n := namesAlike{}
	for _, s := range names {
		if k := content.NameKey(s); k != "" {
			n[k]++
		}
	}
	return n
}

// note is " (N NOUNS named alike)" when name looks like another name of
// the list, else "". noun is plural ("locals").
func (n namesAlike) note(name, nouns string) string {
	if c := n[content.NameKey(name)]; c > 1 && content.NameKey(name) != "" {
		return fmt.Sprintf(" (%d %s named alike)", c, nouns)
	}
	return ""
}
