package content

import (
	"slices"

	"github.com/kithnet/kith/internal/entry"
)

// TypeReaction is the type of a reaction to an entry (payloads.md §5,
// "reaction").
const TypeReaction = "reaction"

// Limits of a reaction.
const (
	MaxReactionText = 32 // reaction "text": a short word or two
	MaxReplaces     = 16 // "replaces" of a reaction or a tag: earlier statements it supersedes
)

// Emoji is the bounded set a reaction's "emoji" field takes its value from,
// in the order clients show them. Each is exactly these bytes (no other
// spelling, no skin tone): payloads.md §5.
var Emoji = []string{
	"\U0001F44D",   // 👍 thumbs up
	"\u2764\uFE0F", // ❤️ red heart
	"\U0001F602",   // 😂 face with tears of joy
	"\U0001F62E",   // 😮 face with open mouth
	"\U0001F622",   // 😢 crying face
	"\U0001F64F",   // 🙏 folded hands
	"\U0001F389",   // 🎉 party popper
	"\U0001F440",   // 👀 eyes
}

// IsEmoji reports whether s is one of Emoji.
func IsEmoji(s string) bool { return slices.Contains(Emoji, s) }

// Reaction is an account's reaction to an entry: one emoji of Emoji, or a
// short text, or neither, which withdraws the account's reaction. Type
// "reaction". Which of an account's reactions to an entry counts is
// decided by Current, never by a timestamp.
type Reaction struct {
	Target entry.ID // "target": the entry reacted to
	Emoji  string   // "emoji": optional, one of Emoji
	Text   string   // "text": optional, 1–MaxReactionText bytes, a name (§4), not one of Emoji
	// Replaces ("replaces", optional) names the reactions of the same
	// account to the same target that this one supersedes: the ones its
	// writer held as current. Sorted ascending, no repeats, at most
	// MaxReplaces.
	Replaces []entry.ID
}

// Type returns TypeReaction.
func (*Reaction) Type() string { return TypeReaction }

// Withdrawn reports whether r withdraws the account's reaction.
func (r *Reaction) Withdrawn() bool { return r.Emoji == "" && r.Text == "" }

// Value is what the reaction shows: its emoji or its text ("" when withdrawn).
func (r *Reaction) Value() string {
	if r.Emoji != "" {
		return r.Emoji
	}
	return r.Text
}

func init() {
	register(TypeReaction, &typeDef{
		fields: fieldNames{"text", "emoji", "target", "replaces"},
		read: func(r *fields) Payload {
			p := &Reaction{}
			p.Target = entry.ID(r.id32("target", true))
			p.Emoji = r.text("emoji", false)
			p.Text = r.text("text", false)
			p.Replaces = idArray[entry.ID](r, "replaces", MaxReplaces)
			return p
		},
		check: func(p Payload) error {
			v := p.(*Reaction)
			if v == nil {
				return nilErr(TypeReaction)
			}
			if err := checkKey(TypeReaction, "target", v.Target); err != nil {
				return err
			}
			if v.Emoji != "" && !IsEmoji(v.Emoji) {
				return fieldErr(TypeReaction, "emoji", "%q is not one of the %d reaction emoji; give a short text instead", v.Emoji, len(Emoji))
			}
			if v.Emoji != "" && v.Text != "" {
				return fieldErr(TypeReaction, "text", "set together with emoji; a reaction is one or the other")
			}
			if err := checkName(TypeReaction, "text", v.Text, MaxReactionText); err != nil {
				return err
			}
			if IsEmoji(v.Text) {
				return fieldErr(TypeReaction, "text", "%q is one of the reaction emoji; put it in emoji", v.Text)
			}
			return checkSortedIDs(TypeReaction, "replaces", v.Replaces, MaxReplaces)
		},
		marshal: func(p Payload) map[string]any {
			v := p.(*Reaction)
			m := map[string]any{"target": v.Target[:]}
			if v.Emoji != "" {
				m["emoji"] = v.Emoji
			}
			if v.Text != "" {
				m["text"] = v.Text
			}
			if len(v.Replaces) > 0 {
				m["replaces"] = idList(v.Replaces)
			}
			return m
		},
		json: func(p Payload) map[string]any {
			v := p.(*Reaction)
			if v == nil {
				return nil
			}
			m := map[string]any{"type": TypeReaction, "target": v.Target.String()}
			if v.Emoji != "" {
				m["emoji"] = v.Emoji
			}
			if v.Text != "" {
				m["text"] = v.Text
			}
			if len(v.Replaces) > 0 {
				m["replaces"] = idStrings(v.Replaces)
			}
			return m
		},
	})
}
