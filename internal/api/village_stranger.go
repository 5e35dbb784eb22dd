package api

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// A stranger id is 64 bytes (village.md §1): the individual id, here an
// account key, then the user id. People name a stranger by its account
// (acc_…, checksummed like every other id), by one of its requests
// (ent_…), or, for scripts, by the 128 hexadecimal digits (doc/api.md,
// "Naming a stranger").

// strangerAccount is the individual half of a stranger id as an account.
func strangerAccount(id village.StrangerID) string {
	return identity.Encode(identity.KindAccount, [32]byte(id[:32]))
}

// userIsAccount reports whether the user half of id is its account, the
// id a kith node's request carries unless told otherwise (village.md §6).
func userIsAccount(id village.StrangerID) bool {
	return bytes.Equal(id[:32], id[32:])
}

// nameStrangers fills in the profile names held here of the strangers'
// accounts.
func (s *Service) nameStrangers(ctx context.Context, ss []wire.VillageStranger) {
	for i := range ss {
		if a, err := identity.ParseAccount(ss[i].Account); err == nil {
			ss[i].Name = s.profileName(ctx, identity.PublicKey(a))
		}
	}
}

// resolveStranger reads the stranger a person names in village idText:
//   - 128 hexadecimal digits: that id, as it is;
//   - acc_…: the one stranger of that account the village holds, or, when
//     it holds none, the account with its own key as user id (what a kith
//     node's request would carry); two or more held ids of the account
//     (they claimed different user ids) are refused, naming both ways to
//     pick one;
//   - ent_…: the stranger whose request that entry is.
func (s *Service) resolveStranger(ctx context.Context, idText, text string) (village.StrangerID, error) {
	var sid village.StrangerID
	t := strings.TrimSpace(text)
	lower := strings.ToLower(t)
	if len(lower) == 2*len(sid) && !strings.Contains(lower, "_") {
		b, err := hex.DecodeString(lower)
		if err != nil {
			return sid, apiError(wire.CodeBadRequest, "stranger: %q is not a stranger id: name a stranger by its account (acc_…), one of its requests (ent_…) or its 128 hexadecimal digits", shortText(text))
		}
		copy(sid[:], b)
		return sid, nil
	}
	kind, raw, err := identity.ParseAny(t, identity.KindAccount, identity.KindEntry)
	if err != nil {
		return sid, apiError(wire.CodeBadRequest, "stranger: %v (name a stranger by its account, acc_…, one of its requests, ent_…, or its 128 hexadecimal digits)", err)
	}
	vid, err := parseVillageID(idText)
	if err != nil {
		return sid, err
	}
	st, err := s.n.Village(ctx, vid)
	if err != nil {
		return sid, villageErr(err)
	}
	switch kind {
	case identity.KindAccount:
		var found []village.StrangerID
		for _, sg := range st.Strangers {
			if [32]byte(sg.ID[:32]) == raw {
				found = append(found, sg.ID)
			}
		}
		switch len(found) {
		case 0:
			return village.RequestStranger(identity.PublicKey(raw), raw), nil
		case 1:
			return found[0], nil
		}
		return sid, apiError(wire.CodeBadRequest, "stranger: %s is %d strangers in this village (its requests claimed %d user ids): name one by one of its requests (ent_…) or by its 128 hexadecimal digits, as the village lists them",
			identity.Encode(identity.KindAccount, raw), len(found), len(found))
	default:
		for _, sg := range st.Strangers {
			for _, r := range sg.Requests {
				if r.Entry == entry.ID(raw) {
					return sg.ID, nil
				}
			}
		}
		return sid, apiError(wire.CodeBadRequest, "stranger: %s is not a stranger's request held in this village (%s)", identity.Encode(identity.KindEntry, raw), fmt.Sprint(vid))
	}
}
