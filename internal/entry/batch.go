package entry

import (
	"crypto/rand"
	"crypto/sha512"

	"filippo.io/edwards25519"
)

// batchVerify reports whether every entry of es has a valid signature
// (ZIP-215, doc/protocol/entry.md), checking them together: when it
// reports false, some signature is bad and which one is not known.
//
// It checks the batch equation of github.com/hdevalence/ed25519consensus's
// BatchVerifier (BSD-3-Clause, © 2020 Henry de Valence), which Verify's
// single check agrees with:
//
//	[8]([−Σ zᵢsᵢ]B + Σ [zᵢ]Rᵢ + Σ [zᵢkᵢ]Aᵢ) = 0
//
// for random 128-bit zᵢ, with one change: the terms of one key are summed
// into one, [Σ zᵢkᵢ]A, as the entries of a sync mostly come log by log from
// few authors. It is the same equation (scalars are taken mod ℓ, and [8]A
// is of order ℓ or 1, so [8][Σcᵢ mod ℓ]A = [8]Σ[cᵢ mod ℓ]A), so it accepts
// exactly the batches the library's verifier does; the multiscalar
// multiplication loses most of its points (a key's coefficient has 253
// bits, a zᵢ 128: of a 128-entry chunk by one author, 130 points instead
// of 257, and the 127 costliest), and one key is decoded once, not per
// entry. A key is recognised by its 32 bytes: two encodings of one point
// stay two terms, which is the same equation too.
func batchVerify(es []*Entry) bool {
	n := len(es)
	if n == 0 {
		return false
	}
	// Points and their scalars: B, then the Rs, then one A per key.
	svals := make([]edwards25519.Scalar, 1+2*n)
	pvals := make([]edwards25519.Point, 1+2*n)
	keyAt := make(map[[32]byte]int, 4)
	bCoeff := &svals[0]
	pvals[0].Set(edwards25519.NewGeneratorPoint())
	keys := 0
	var zb [32]byte // a zᵢ: 16 random bytes, then zeros
	var digest [64]byte
	var s, k edwards25519.Scalar
	h := sha512.New()
	for i, e := range es {
		sig := e.Header.Signature[:]
		if _, err := pvals[1+i].SetBytes(sig[:32]); err != nil {
			return false
		}
		author := e.Header.Author
		j, ok := keyAt[author]
		if !ok {
			j = 1 + n + keys
			if _, err := pvals[j].SetBytes(author[:]); err != nil {
				return false
			}
			keyAt[author] = j
			keys++
		}
		if _, err := rand.Read(zb[:16]); err != nil {
			return false
		}
		z := &svals[1+i]
		if _, err := z.SetCanonicalBytes(zb[:]); err != nil {
			return false
		}
		if _, err := s.SetCanonicalBytes(sig[32:]); err != nil {
			return false
		}
		bCoeff.MultiplyAdd(z, &s, bCoeff)
		h.Reset()
		h.Write(sig[:32])
		h.Write(author[:])
		h.Write(e.Header.SigningInput())
		if _, err := k.SetUniformBytes(h.Sum(digest[:0])); err != nil {
			return false
		}
		svals[j].MultiplyAdd(z, &k, &svals[j])
	}
	bCoeff.Negate(bCoeff) // the term is subtracted
	m := 1 + n + keys
	scalars := make([]*edwards25519.Scalar, m)
	points := make([]*edwards25519.Point, m)
	for i := range m {
		scalars[i], points[i] = &svals[i], &pvals[i]
	}
	check := new(edwards25519.Point).VarTimeMultiScalarMult(scalars, points)
	check.MultByCofactor(check)
	return check.Equal(edwards25519.NewIdentityPoint()) == 1
}
