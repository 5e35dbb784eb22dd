package identity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated golden files in testdata/")

// writeGolden writes v as indented JSON to testdata/name.
func writeGolden(t *testing.T, name string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("testdata/"+name, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote testdata/%s", name)
}

// readGolden reads testdata/name into v.
func readGolden(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
}

// formatAll formats v in every way a secret could slip into a log line or a
// response: fmt verbs, as a pointer, nested in exported and unexported struct
// fields, in slices and maps, encoding/json, and log/slog.
func formatAll(v any) map[string]string {
	type exported struct{ Secret any }
	out := map[string]string{}
	for _, verb := range []string{"%v", "%s", "%+v", "%#v", "%x", "%X", "%q", "%d", "%T", "%10.3s", "%08x"} {
		out["fmt "+verb] = fmt.Sprintf(verb, v)
		out["fmt ptr "+verb] = fmt.Sprintf(verb, &v)
		out["fmt slice "+verb] = fmt.Sprintf(verb, []any{v})
		out["fmt map "+verb] = fmt.Sprintf(verb, map[string]any{"k": v})
		out["fmt exported field "+verb] = fmt.Sprintf(verb, exported{v})
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln"] = fmt.Sprintln(v)
	out["Errorf %w-less"] = fmt.Errorf("failed with %v", v).Error()
	b, err := json.Marshal(v)
	out["json"] = string(b) + fmt.Sprint(err)
	b, err = json.Marshal(exported{v})
	out["json field"] = string(b) + fmt.Sprint(err)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "k", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "k", v)
	out["slog"] = buf.String()
	return out
}

// holder keeps a key and a phrase in unexported fields, where fmt cannot call
// their Format methods and prints them by reflection.
type holder struct {
	name   string
	key    PrivateKey
	phrase Phrase
}

func TestPrivateKeyNeverFormatsTheSeed(t *testing.T) {
	seed := bytes.Repeat([]byte{0xa7}, 32) // 0xa7 = 167: easy to spot as hex or decimal
	k, err := KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePhrase(abandonArt)
	if err != nil {
		t.Fatal(err)
	}
	outs := formatAll(k)
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%d", "%s"} {
		outs["unexported field "+verb] = fmt.Sprintf(verb, holder{name: "n", key: k, phrase: p})
		outs["unexported field ptr "+verb] = fmt.Sprintf(verb, &holder{name: "n", key: k, phrase: p})
	}
	forbidden := []string{
		hex.EncodeToString(seed), strings.ToUpper(hex.EncodeToString(seed)),
		"a7a7a7a7", "A7A7A7A7", "167 167", "abandon",
		// The expanded private key holds the seed, then the public key.
		hex.EncodeToString(ed25519.NewKeyFromSeed(seed)[32:]),
	}
	for name, out := range outs {
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("%s reveals %q: %s", name, f, out)
			}
		}
	}
	if !strings.Contains(outs["fmt %v"], "redacted") {
		t.Errorf("%%v = %q, want the redaction", outs["fmt %v"])
	}
	if _, err := json.Marshal(k); err == nil {
		t.Error("json.Marshal of a private key succeeded")
	}
}

func TestPrivateKeyBasics(t *testing.T) {
	// RFC 8032 §7.1 TEST 1.
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	k, err := KeyFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Public().Hex(); got != "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" {
		t.Fatalf("public key %s", got)
	}
	sig := k.Sign(nil)
	if got := hex.EncodeToString(sig[:]); got != "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" {
		t.Fatalf("signature %s", got)
	}
	if !bytes.Equal(k.Seed(), seed) {
		t.Fatal("Seed did not round-trip")
	}
	s := k.Seed()
	s[0] ^= 1
	if !bytes.Equal(k.Seed(), seed) {
		t.Fatal("Seed returned the key's own memory")
	}
	if _, err := KeyFromSeed(seed[:31]); err != ErrBadSeed {
		t.Fatalf("31-byte seed: %v", err)
	}
	var zero PrivateKey
	if !zero.IsZero() || zero.Public() != (PublicKey{}) || zero.Seed() != nil {
		t.Fatal("zero key misbehaves")
	}
	g, err := GenerateKey(nil)
	if err != nil || g.IsZero() {
		t.Fatalf("GenerateKey: %v", err)
	}
	if got := k.Public().Account().String(); !strings.HasPrefix(got, "acc_") {
		t.Fatalf("account id %q", got)
	}
	if got := k.Public().Device().String(); !strings.HasPrefix(got, "dev_") {
		t.Fatalf("device id %q", got)
	}
}

// TestProtocolDocExamples checks that doc/protocol/identity.md still shows
// the worked examples of the golden files.
func TestProtocolDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../doc/protocol/identity.md")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var tv textIDVectors
	readGolden(t, "textid-vectors.json", &tv)
	for _, v := range tv.Vectors {
		want = append(want, v.Text, v.Checksum, strings.TrimSuffix(v.ChecksumInput, v.Bytes))
	}
	var av accountVectors
	readGolden(t, "account-key-vectors.json", &av)
	v := av.Vectors[0]
	want = append(want, v.BIP39Seed, v.ChainCode, v.PrivateKey, v.PublicKey, v.AccountID, av.Vectors[1].PublicKey, AccountPath)
	for _, f := range []string{"keyfile-plain.json", "keyfile-encrypted.json"} {
		data, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, string(data))
	}
	want = append(want, hex.EncodeToString(keyFileAD(RoleAccount, mustPub(t, v.PublicKey))))
	for _, w := range want {
		if !strings.Contains(string(doc), w) {
			t.Errorf("doc/protocol/identity.md lacks %q", w)
		}
	}
}

func mustPub(t *testing.T, h string) PublicKey {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad public key %q", h)
	}
	return PublicKey(b)
}
