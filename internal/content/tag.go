package content

import "github.com/kithnet/kith/internal/entry"

// TypeTag is the type of a label an account puts on an entry, its own or
// another's (payloads.md §5, "tag").
const TypeTag = "tag"

// MaxTagLabel bounds a tag's label, in bytes.
const MaxTagLabel = 64

// Tag marks an entry with a label, or (Removed) takes the label off again.
// Type "tag". Which of an account's tags of one entry with one label
// counts is decided by Current, never by a timestamp.
type Tag struct {
	Target entry.ID // "target": the entry marked
	Label  string   // "label": 1–MaxTagLabel bytes, a name (§4)
	// Removed ("removed", optional, true when present) takes the label
	// off the target.
	Removed bool
	// Replaces ("replaces", optional) names the tags of the same account,
	// target and label that this one supersedes, as for Reaction.
	Replaces []entry.ID
}

// Type returns TypeTag.
func (*Tag) Type() string { return TypeTag }

func init() {
	register(TypeTag, &typeDef{
		fields: fieldNames{"label", "target", "removed", "replaces"},
		read: func(r *fields) Payload {
			p := &Tag{}
			p.Target = entry.ID(r.id32("target", true))
			p.Label = r.text("label", true)
			p.Removed = r.onlyTrue("removed")
			p.Replaces = idArray[entry.ID](r, "replaces", MaxReplaces)
			return p
		},
		check: func(p Payload) error {
			v := p.(*Tag)
			if v == nil {
				return nilErr(TypeTag)
			}
			if err := checkKey(TypeTag, "target", v.Target); err != nil {
				return err
			}
			if v.Label == "" {
				return fieldErr(TypeTag, "label", "empty; a tag needs a label")
			}
			if err := checkName(TypeTag, "label", v.Label, MaxTagLabel); err != nil {
				return err
			}
			return checkSortedIDs(TypeTag, "replaces", v.Replaces, MaxReplaces)
		},
		marshal: func(p Payload) map[string]any {
			v := p.(*Tag)
			m := map[string]any{"target": v.Target[:], "label": v.Label}
			if v.Removed {
				m["removed"] = true
			}
			if len(v.Replaces) > 0 {
				m["replaces"] = idList(v.Replaces)
			}
			return m
		},
		json: func(p Payload) map[string]any {
			v := p.(*Tag)
			if v == nil {
				return nil
			}
			m := map[string]any{"type": TypeTag, "target": v.Target.String(), "label": v.Label}
			if v.Removed {
				m["removed"] = true
			}
			if len(v.Replaces) > 0 {
				m["replaces"] = idStrings(v.Replaces)
			}
			return m
		},
	})
}
