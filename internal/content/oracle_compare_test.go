package content

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// bigKeyMsg is how the oracle rejects a nested map key that is a negative
// integer below -2^63: the CBOR library decodes it to a big.Int, which
// cannot key a Go map. payloads.md allows every 64-bit integer as a nested
// map key, and checkStrict accepts it, so Decode accepts it too; it is the
// one place where Decode and the oracle are meant to differ.
const bigKeyMsg = "invalid encoding: invalid map key type: big.Int"

// agreeWithOracle decodes b with Decode and with the oracle (the CBOR
// library's generic decoding, oracle_test.go) and describes how their
// results differ, or returns "".
func agreeWithOracle(b []byte) string {
	p, extra, err := decode(b)
	op, oextra, oerr := oracleDecode(b)
	if oerr != nil && strings.HasSuffix(oerr.Error(), bigKeyMsg) {
		if cerr := checkStrict(b); cerr != nil {
			return fmt.Sprintf("oracle: %v, but checkStrict rejects: %v", oerr, cerr)
		}
		// The oracle stopped before the field rules, so only their
		// verdict can be left.
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Field == "") {
			return fmt.Sprintf("oracle: %v; Decode: %v, want success or a field error", oerr, err)
		}
		return ""
	}
	if (err == nil) != (oerr == nil) {
		return fmt.Sprintf("Decode: %v; oracle: %v", err, oerr)
	}
	if err != nil {
		var e, oe *Error
		if !errors.As(err, &e) || !errors.As(oerr, &oe) || !reflect.DeepEqual(e, oe) {
			return fmt.Sprintf("Decode: %#v; oracle: %#v", err, oerr)
		}
		return ""
	}
	if !reflect.DeepEqual(p, op) || extra != oextra {
		return fmt.Sprintf("Decode: %#v (%d extra keys); oracle: %#v (%d extra keys)", p, extra, op, oextra)
	}
	return ""
}

// oracleSeeds are the payloads of the tables and the vector file, valid
// and invalid, a payload with a big negative map key, and one of every
// known type with a field of every wrong kind.
func oracleSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, c := range typedCases() {
		b, err := Encode(c.p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, c := range rejectCases() {
		out = append(out, unhex(t, c.hex))
	}
	for _, c := range fieldRejectCases() {
		out = append(out, cborOf(t, c.m))
	}
	for _, c := range limitCases() {
		out = append(out, c.at(t), c.over(t))
	}
	raw, err := os.ReadFile(vectorPath)
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	for _, v := range f.Valid {
		out = append(out, unhex(t, v.Hex))
	}
	for _, v := range f.Invalid {
		out = append(out, unhex(t, v.Hex))
	}
	out = append(out, unhex(t, bigKeyPost), unhex(t, bigKeyUnknown))
	wrong := []any{uint64(1), int64(-1), new(big.Int).Lsh(big.NewInt(-1), 64), []byte{}, make([]byte, 32), "", "x", true, nil, []any{}, []any{make([]byte, 32)}, map[any]any{}}
	for _, typ := range []string{TypeProfile, TypePost, TypeFollow, TypeBlock, TypeDelete, TypeDeviceAdd, TypeDeviceRevoke} {
		for _, name := range fieldsOf(typ) {
			if name == "" {
				continue
			}
			for _, w := range wrong {
				m := plausible(rand.New(rand.NewPCG(1, 2)), typ)
				m[name] = w
				out = append(out, cborOf(t, m))
			}
		}
	}
	return out
}

// A post and an unknown payload whose extra key "a" holds the map
// {-2^64: 0}.
const (
	bigKeyPost    = "a3" + hA + "a1" + "3bffffffffffffffff" + "00" + hText + "626869" + hType + hPost
	bigKeyUnknown = "a2" + hA + "a1" + "3bffffffffffffffff" + "00" + hType + hX
)

// TestBigNegativeMapKey pins down the one difference from the oracle: a
// nested map key below -2^63 is a valid integer key (payloads.md §2).
func TestBigNegativeMapKey(t *testing.T) {
	p, extra, err := decode(unhex(t, bigKeyPost))
	if err != nil || extra != 1 || !reflect.DeepEqual(p, &Post{Text: "hi"}) {
		t.Fatalf("post: %#v, %d extra, %v", p, extra, err)
	}
	b := unhex(t, bigKeyUnknown)
	p, err = Decode(b)
	if err != nil || !reflect.DeepEqual(p, &Unknown{TypeName: "x", Raw: b}) {
		t.Fatalf("unknown: %#v, %v", p, err)
	}
	_, _, err = oracleDecode(b)
	wantErr(t, err, "x: "+bigKeyMsg)
	// The same key in an unsorted map is still refused, by the scanner.
	_, err = Decode(unhex(t, "a2"+hA+"a2"+"3bffffffffffffffff"+"00"+"3bfffffffffffffffe"+"00"+hType+hX))
	wantErr(t, err, "x: invalid encoding: map key 0x3bfffffffffffffffe at byte 14 is out of order (keys are sorted by their encoded bytes)")
}

// TestDecodeMatchesOracle checks Decode against the oracle on the seeds,
// on random payloads of the data model (mostly of known types, with fields
// of the right and of the wrong kinds), and on random mutations of both.
func TestDecodeMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	inputs := oracleSeeds(t)
	for range 5000 {
		b, err := encMode.Marshal(genPayload(rng))
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	var accepted, rejected int
	check := func(b []byte) {
		t.Helper()
		if diff := agreeWithOracle(b); diff != "" {
			t.Fatalf("input %x:\n%s", b, diff)
		}
		if _, err := Decode(b); err == nil {
			accepted++
		} else {
			rejected++
		}
	}
	for _, b := range inputs {
		check(b)
		for range 4 {
			check(mutate(rng, b))
		}
	}
	// Both outcomes must be common, or the comparison proves little.
	if n := len(inputs) * 5; accepted < n/10 || rejected < n/10 {
		t.Fatalf("%d accepted, %d rejected of %d inputs", accepted, rejected, n)
	}
}

func FuzzDecodeOracle(f *testing.F) {
	for _, b := range oracleSeeds(f) {
		if len(b) <= 512 { // large inputs slow mutation and minimisation down
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if diff := agreeWithOracle(b); diff != "" {
			t.Fatal(diff)
		}
	})
}

// mutate returns a copy of b with one random change: a byte changed, a
// byte inserted or removed, or the end cut off.
func mutate(rng *rand.Rand, b []byte) []byte {
	out := bytes.Clone(b)
	if len(out) == 0 {
		return []byte{byte(rng.Uint32())}
	}
	i := rng.IntN(len(out))
	switch rng.IntN(5) {
	case 0:
		out[i] ^= 1 << rng.IntN(8)
	case 1:
		out[i] = byte(rng.Uint32())
	case 2:
		out = append(out[:i], append([]byte{byte(rng.Uint32())}, out[i:]...)...)
	case 3:
		out = append(out[:i], out[i+1:]...)
	default:
		out = out[:i]
	}
	return out
}

// genPayload returns a random payload map: of a known type four times in
// five, with each of the type's fields present or not, plausible or of a
// random kind, and sometimes extra keys.
func genPayload(rng *rand.Rand) map[string]any {
	types := []string{TypeProfile, TypePost, TypeFollow, TypeBlock, TypeDelete, TypeDeviceAdd, TypeDeviceRevoke}
	if rng.IntN(5) == 0 {
		m := map[string]any{"type": []string{"x", "village.found", "post2"}[rng.IntN(3)]}
		addExtra(rng, m)
		return m
	}
	typ := types[rng.IntN(len(types))]
	m := plausible(rng, typ)
	for name := range m {
		switch {
		case name == "type":
		case rng.IntN(8) == 0:
			delete(m, name)
		case rng.IntN(8) == 0:
			m[name] = genValue(rng, 2)
		}
	}
	if rng.IntN(4) == 0 {
		addExtra(rng, m)
	}
	return m
}

func addExtra(rng *rand.Rand, m map[string]any) {
	for range 1 + rng.IntN(3) {
		m[[]string{"a", "lang", "zz", "text2", "imagesx"}[rng.IntN(5)]] = genValue(rng, 3)
	}
}

// plausible returns a payload of type typ with every field the type
// defines, of the right kind and mostly within the rules.
func plausible(rng *rand.Rand, typ string) map[string]any {
	m := map[string]any{"type": typ}
	for _, name := range fieldsOf(typ) {
		switch name {
		case "":
		case "name", "about", "text", "reason":
			m[name] = genText(rng)
		case "following", "blocking":
			m[name] = rng.IntN(2) == 0
		case "images":
			imgs := make([]any, []int{0, 1, 2, 16, 17}[rng.IntN(5)])
			for i := range imgs {
				imgs[i] = genID(rng, 32)
			}
			m[name] = imgs
		case "device_sig":
			m[name] = genID(rng, 64)
		default: // ids and keys
			m[name] = genID(rng, 32)
		}
	}
	return m
}

func genText(rng *rand.Rand) string {
	switch rng.IntN(6) {
	case 0:
		return ""
	case 1:
		return strings.Repeat("é", 50+rng.IntN(2))
	case 2:
		return strings.Repeat("a", []int{100, 101, 1000, 1001, 2000, 2001}[rng.IntN(6)])
	}
	return "hello ☀ " + fmt.Sprint(rng.IntN(1000))
}

// genID returns n bytes, mostly random; sometimes all zero or a byte too
// short or too long.
func genID(rng *rand.Rand, n int) []byte {
	switch rng.IntN(12) {
	case 0:
		return make([]byte, n)
	case 1:
		n--
	case 2:
		n++
	}
	b := genBytes(rng, n)
	// Two ids of one payload are sometimes equal (a root equal to its
	// reply_to, a device equal to its account).
	if rng.IntN(4) == 0 {
		b = bytes.Repeat([]byte{1}, n)
	}
	return b
}

func genBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// genValue returns a random value of the data model, nested at most depth
// more levels.
func genValue(rng *rand.Rand, depth int) any {
	k := rng.IntN(12)
	if depth == 0 {
		k = rng.IntN(8)
	}
	switch k {
	case 0:
		return rng.Uint64() >> rng.IntN(64)
	case 1:
		return -1 - int64(rng.Uint64()>>(1+rng.IntN(63)))
	case 2:
		return new(big.Int).Sub(big.NewInt(-1<<63), new(big.Int).SetUint64(rng.Uint64()>>rng.IntN(64)))
	case 3:
		return genBytes(rng, rng.IntN(40))
	case 4:
		return genText(rng)
	case 5:
		return rng.IntN(2) == 0
	case 6:
		return nil
	case 7:
		return []any{}
	case 8, 9:
		a := make([]any, rng.IntN(4))
		for i := range a {
			a[i] = genValue(rng, depth-1)
		}
		return a
	default:
		m := map[any]any{}
		for range rng.IntN(4) {
			var key any
			switch rng.IntN(4) {
			case 0:
				key = rng.Uint64() >> rng.IntN(64)
			case 1:
				key = -1 - int64(rng.Uint64()>>(1+rng.IntN(63)))
			case 2:
				key = cbor.ByteString(genBytes(rng, rng.IntN(3)))
			default:
				key = hex.EncodeToString(genBytes(rng, rng.IntN(3)))
			}
			m[key] = genValue(rng, depth-1)
		}
		return m
	}
}
