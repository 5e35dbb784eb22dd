package village

import (
	"github.com/kithnet/kith/internal/cborwire"
	"github.com/kithnet/kith/internal/identity"
)

// Encode returns a canonical CBOR encoding of everything the state
// exposes (ignored entries included), so two replicas can compare their
// states byte for byte. It is a test and diagnostic aid, not a wire format.
func (s *State) Encode() []byte {
	b := cborwire.AppendArray(nil, 14)
	b = cborwire.AppendBytes(b, s.Village[:])
	b = cborwire.AppendText(b, s.Name)
	b = cborwire.AppendText(b, string(s.Admit))
	b = cborwire.AppendText(b, string(s.Exclude))
	b = appendRule(b, s.AdmitRule)
	b = appendRule(b, s.ExcludeRule)
	b = appendKeys(b, s.Founders)
	b = appendBool(b, s.Founded)
	b = cborwire.AppendArray(b, len(s.Locals))
	for _, l := range s.Locals {
		b = cborwire.AppendArray(b, 9)
		b = cborwire.AppendBytes(b, l.Key[:])
		b = cborwire.AppendUint(b, uint64(l.Status))
		b = cborwire.AppendText(b, string(l.Mode))
		b = appendBool(b, l.Accepted)
		b = cborwire.AppendBytes(b, l.Since[:])
		b = cborwire.AppendBytes(b, l.Until[:])
		b = cborwire.AppendText(b, l.Name)
		b = cborwire.AppendBytes(b, l.Userspec[:])
		b = cborwire.AppendBytes(b, l.State[:])
	}
	b = cborwire.AppendArray(b, len(s.Invitations))
	for _, inv := range s.Invitations {
		b = cborwire.AppendArray(b, 6)
		b = cborwire.AppendBytes(b, inv.Invitee[:])
		b = appendKeys(b, inv.Endorsers)
		b = appendBool(b, inv.Admitted)
		b = appendBool(b, inv.Joined)
		b = appendStances(b, inv.Stances)
		b = cborwire.AppendUint(b, uint64(inv.Needed+1))
	}
	b = cborwire.AppendArray(b, len(s.Strangers))
	for _, st := range s.Strangers {
		b = cborwire.AppendArray(b, 8)
		b = cborwire.AppendBytes(b, st.ID[:])
		b = appendBool(b, st.Listed)
		b = cborwire.AppendUint(b, uint64(st.Standing))
		b = appendKeys(b, st.Vetoers)
		b = cborwire.AppendArray(b, len(st.Ballots))
		for _, x := range st.Ballots {
			b = cborwire.AppendArray(b, 7)
			b = cborwire.AppendBytes(b, x.Local[:])
			b = cborwire.AppendUint(b, uint64(x.Vote))
			b = cborwire.AppendBytes(b, x.Proof[:])
			b = appendBool(b, x.Mechanical)
			b = appendBool(b, x.Counted)
			b = cborwire.AppendUint(b, uint64(x.Explicit))
			b = cborwire.AppendBytes(b, x.Entry[:])
		}
		b = cborwire.AppendArray(b, len(st.Notes))
		for _, n := range st.Notes {
			b = cborwire.AppendArray(b, 5)
			b = cborwire.AppendBytes(b, n.Local[:])
			b = cborwire.AppendText(b, n.Text)
			b = cborwire.AppendBytes(b, n.Blob[:])
			b = cborwire.AppendBytes(b, n.Hash[:])
			b = cborwire.AppendBytes(b, n.Entry[:])
		}
		b = cborwire.AppendArray(b, len(st.Requests))
		for _, r := range st.Requests {
			b = cborwire.AppendArray(b, 4)
			b = cborwire.AppendBytes(b, r.Entry[:])
			b = cborwire.AppendUint(b, r.Timestamp)
			b = cborwire.AppendText(b, r.Text)
			b = cborwire.AppendBytes(b, r.Blob[:])
		}
		b = appendKeys(b, st.Devices)
	}
	b = cborwire.AppendArray(b, len(s.Proposals))
	for _, p := range s.Proposals {
		b = cborwire.AppendArray(b, 9)
		b = appendStances(b, p.Stances)
		b = cborwire.AppendBytes(b, p.ID[:])
		b = cborwire.AppendBytes(b, p.Proposer[:])
		b = cborwire.AppendBytes(b, p.Subject[:])
		b = cborwire.AppendText(b, p.Reason)
		b = appendKeys(b, p.For)
		b = appendKeys(b, p.Against)
		b = appendKeys(b, p.NotVoted)
		b = cborwire.AppendUint(b, uint64(p.Outcome))
	}
	b = cborwire.AppendArray(b, len(s.Ignored)+len(s.Problems))
	for _, ig := range s.Ignored {
		b = cborwire.AppendArray(b, 2)
		b = cborwire.AppendBytes(b, ig.Entry[:])
		b = cborwire.AppendText(b, ig.Reason)
	}
	for _, p := range s.Problems {
		b = cborwire.AppendText(b, p)
	}
	return b
}

func appendKeys(b []byte, ks []identity.PublicKey) []byte {
	b = cborwire.AppendArray(b, len(ks))
	for _, k := range ks {
		b = cborwire.AppendBytes(b, k[:])
	}
	return b
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return cborwire.AppendUint(b, 1)
	}
	return cborwire.AppendUint(b, 0)
}

func appendRule(b []byte, r Rule) []byte {
	b = cborwire.AppendArray(b, 3)
	b = cborwire.AppendText(b, string(r.Method))
	b = cborwire.AppendArray(b, len(r.Params))
	for _, v := range r.Params {
		b = cborwire.AppendUint(b, v)
	}
	return cborwire.AppendText(b, r.Expr)
}

func appendStances(b []byte, ss []Stance) []byte {
	b = cborwire.AppendArray(b, len(ss))
	for _, st := range ss {
		b = cborwire.AppendArray(b, 3)
		b = cborwire.AppendBytes(b, st.Local[:])
		b = cborwire.AppendUint(b, uint64(st.Position))
		b = cborwire.AppendText(b, st.Reason)
	}
	return b
}
