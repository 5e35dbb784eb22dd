package api

import (
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// The reducer's problems name locals by their keys in hex, lists of them
// in Go's brackets ("founders [3f… 9a…] have not accepted").
var (
	problemKeyList = regexp.MustCompile(`\[([0-9a-f]{64}(?: [0-9a-f]{64})*)\]`)
	problemKey     = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
)

// problemTexts are a village's problems as people read them: each local
// named by its name in the village, else by profile(key) when profile is
// given, with its account id after it ("Ada (acc_…)"), or by the account
// id alone; lists joined with commas.
func problemTexts(st *village.State, profile func(identity.PublicKey) string) []string {
	names := map[identity.PublicKey]string{}
	for _, l := range st.Locals {
		names[l.Key] = l.Name
	}
	name := func(h string) string {
		var k identity.PublicKey
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != len(k) {
			return h
		}
		copy(k[:], b)
		n := strings.TrimSpace(names[k])
		if n == "" && profile != nil {
			n = strings.TrimSpace(profile(k))
		}
		if n != "" {
			return n + " (" + accText(k) + ")"
		}
		return accText(k)
	}
	out := make([]string, 0, len(st.Problems))
	for _, p := range st.Problems {
		p = problemKeyList.ReplaceAllStringFunc(p, func(list string) string {
			return strings.Join(strings.Fields(strings.Trim(list, "[]")), ", ")
		})
		out = append(out, problemKey.ReplaceAllStringFunc(p, name))
	}
	return out
}
