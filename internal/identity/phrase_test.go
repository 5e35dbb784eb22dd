package identity

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tyler-smith/go-bip39/wordlists"
)

// trezorVectors loads testdata/bip39-trezor-vectors.json: for each language,
// rows of [entropy hex, mnemonic, seed hex (passphrase "TREZOR"), BIP32 xprv].
func trezorVectors(t testing.TB) map[string][][4]string {
	t.Helper()
	data, err := os.ReadFile("testdata/bip39-trezor-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string][][4]string
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBIP39TrezorEnglish(t *testing.T) {
	vecs := trezorVectors(t)["english"]
	if len(vecs) != 24 {
		t.Fatalf("got %d English vectors, want 24", len(vecs))
	}
	for _, v := range vecs {
		entropyHex, mnemonic, seedHex, xprv := v[0], v[1], v[2], v[3]
		t.Run(entropyHex, func(t *testing.T) {
			entropy, err := hex.DecodeString(entropyHex)
			if err != nil {
				t.Fatal(err)
			}
			p, err := phraseFromEntropy(entropy)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Reveal(); got != mnemonic {
				t.Fatalf("entropy → mnemonic:\n got %q\nwant %q", got, mnemonic)
			}
			q, err := parseMnemonic(mnemonic, false)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if q.Reveal() != mnemonic {
				t.Fatalf("parse changed the words: %q", q.Reveal())
			}
			seed := q.Seed("TREZOR")
			if got := hex.EncodeToString(seed); got != seedHex {
				t.Fatalf("seed:\n got %s\nwant %s", got, seedHex)
			}
			if got := bip32MasterXprv(seed); got != xprv {
				t.Fatalf("BIP32 master xprv:\n got %s\nwant %s", got, xprv)
			}
			_, err = ParsePhrase(mnemonic)
			if n := len(strings.Fields(mnemonic)); n == 24 && err != nil {
				t.Fatalf("ParsePhrase rejected a 24-word vector: %v", err)
			} else if n != 24 && err == nil {
				t.Fatalf("ParsePhrase accepted a %d-word phrase", n)
			}
		})
	}
}

// TestBIP39SeedAllLanguages runs the mnemonic → seed step of every vector in
// every language. The phrase type is English only, but these vectors check
// the NFKD normalisation of bip39Seed (accented Latin letters, Hangul, and
// the ideographic spaces of the Japanese mnemonics).
func TestBIP39SeedAllLanguages(t *testing.T) {
	t.Parallel()
	all := trezorVectors(t)
	if len(all) != 12 {
		t.Fatalf("%d languages, want 12", len(all))
	}
	for lang, vecs := range all {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			if len(vecs) != 24 {
				t.Fatalf("%d vectors, want 24", len(vecs))
			}
			for i, v := range vecs {
				if got := hex.EncodeToString(bip39Seed(v[1], "TREZOR")); got != v[2] {
					t.Errorf("#%d: seed\n got %s\nwant %s", i, got, v[2])
				}
			}
		})
	}
}

// bip32MasterXprv returns the BIP32 mainnet master extended private key of
// seed, base58check-encoded.
func bip32MasterXprv(seed []byte) string {
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	i := mac.Sum(nil)
	var b []byte
	b = append(b, 0x04, 0x88, 0xad, 0xe4) // xprv version
	b = append(b, 0)                      // depth
	b = append(b, 0, 0, 0, 0)             // parent fingerprint
	b = append(b, 0, 0, 0, 0)             // child number
	b = append(b, i[32:]...)              // chain code
	b = append(b, 0)
	b = append(b, i[:32]...) // key
	h1 := sha256.Sum256(b)
	h2 := sha256.Sum256(h1[:])
	b = append(b, h2[:4]...)
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	x := new(big.Int).SetBytes(b)
	base, mod := big.NewInt(58), new(big.Int)
	var out []byte
	for x.Sign() > 0 {
		x.DivMod(x, base, mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return string(out)
}

const abandonArt = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon " +
	"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art"

func TestParsePhraseAcceptsSloppyInput(t *testing.T) {
	words := strings.Fields(abandonArt)
	tests := []struct {
		name, in string
	}{
		{"canonical", abandonArt},
		{"upper case", strings.ToUpper(abandonArt)},
		{"mixed case", "Abandon ABANDON " + strings.Join(words[2:], " ")},
		{"extra spaces", "  " + strings.Join(words, "   ") + "  "},
		{"new lines and tabs", strings.Join(words[:12], "\n") + "\r\n\t" + strings.Join(words[12:], " \n")},
		{"numbered rows of six", strings.Join(words[:6], " ") + "\n" + strings.Join(words[6:12], " ") + "\n\n" + strings.Join(words[12:18], " ") + "\n" + strings.Join(words[18:], " ") + "\n"},
		{"full-width letters (NFKD)", strings.Replace(abandonArt, "art", "ａｒｔ", 1)},
		{"ideographic space (NFKD)", strings.Replace(abandonArt, " ", "\u3000", 3)},
		{"no-break space", strings.Replace(abandonArt, " ", "\u00a0", 5)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePhrase(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Reveal() != abandonArt {
				t.Fatalf("Reveal = %q", p.Reveal())
			}
			if got := strings.Join(p.Words(), " "); got != abandonArt {
				t.Fatalf("Words = %q", got)
			}
		})
	}
}

// hamsterSwapped is a 24-word BIP39 test vector with words 1 and 2 swapped.
const hamsterSwapped = "diagram hamster private dutch cause delay private meat slide toddler razor book " +
	"happy fancy gospel tennis maple dilemma loan word shrug inflict delay length"

func TestParsePhraseErrors(t *testing.T) {
	words := strings.Fields(abandonArt)
	with := func(i int, w string) string {
		c := append([]string(nil), words...)
		c[i] = w
		return strings.Join(c, " ")
	}
	tests := []struct {
		name, in string
		pos      int      // for a *PhraseWordError
		word     string   // for a *PhraseWordError
		suggest  []string // for a *PhraseWordError
		checksum bool     // ErrPhraseChecksum
		contains []string // in the message
	}{
		{name: "empty", in: " \n ", contains: []string{"empty", "24 words"}},
		{name: "typo mid word", in: with(4, "abandn"), pos: 5, word: "abandn", suggest: []string{"abandon"},
			contains: []string{`word 5 of the recovery phrase, "abandn", is not in the BIP39 English word list; did you mean "abandon"?`}},
		{name: "four-letter abbreviation", in: with(0, "aban"), pos: 1, word: "aban", suggest: []string{"abandon"}},
		{name: "typo first letter", in: with(23, "zrt"), pos: 24, word: "zrt", suggest: []string{"art"}},
		{name: "swapped letters", in: with(9, "abnadon"), pos: 10, word: "abnadon", suggest: []string{"abandon"}},
		{name: "ambiguous prefix", in: with(2, "zo"), pos: 3, word: "zo", suggest: []string{"zoo", "zone"},
			contains: []string{`did you mean one of "zoo", "zone"?`}},
		{name: "nothing close", in: with(6, "qqqqqq"), pos: 7, word: "qqqqqq",
			contains: []string{"check it against your written copy"}},
		{name: "upper-case typo reported lower case", in: with(1, "ABANDN"), pos: 2, word: "abandn", suggest: []string{"abandon"}},
		{name: "punctuation", in: with(0, "abandon,"), pos: 1, word: "abandon,", suggest: []string{"abandon"}},
		{name: "digit", in: "1. " + abandonArt, pos: 1, word: "1."},
		{name: "23 words", in: strings.Join(words[1:], " "), contains: []string{"has 24 words, this one has 23"}},
		{name: "25 words", in: "abandon " + abandonArt, contains: []string{"has 24 words, this one has 25"}},
		{name: "12 valid words", in: "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
			contains: []string{"has 24 words, this one has 12"}},
		{name: "bad checksum", in: with(23, "zoo"), checksum: true, contains: []string{"checksum does not match"}},
		{name: "last word wrong", in: with(23, "abandon"), checksum: true},
		{name: "two words swapped", in: hamsterSwapped, checksum: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePhrase(tt.in)
			if err == nil {
				t.Fatal("accepted")
			}
			var we *PhraseWordError
			if tt.pos != 0 {
				if !errors.As(err, &we) {
					t.Fatalf("error %q is not a *PhraseWordError", err)
				}
				if we.Position != tt.pos || we.Word != tt.word || strings.Join(we.Suggestions, ",") != strings.Join(tt.suggest, ",") {
					t.Fatalf("got %+v, want position %d word %q suggestions %q", *we, tt.pos, tt.word, tt.suggest)
				}
			} else if errors.As(err, &we) {
				t.Fatalf("unexpected word error %v", err)
			}
			if errors.Is(err, ErrPhraseChecksum) != tt.checksum {
				t.Fatalf("errors.Is(ErrPhraseChecksum) = %v for %q", !tt.checksum, err)
			}
			for _, c := range tt.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("error %q does not contain %q", err, c)
				}
			}
		})
	}
}

// TestSuggestWordsEveryWord checks, for every list word, that its first four
// letters suggest exactly that word (BIP39 English words are unique in their
// first four letters), and that a suggestion for the word with one letter
// dropped or changed includes it unless more than three words are one typo
// away or three closer candidates fill the list.
func TestSuggestWordsEveryWord(t *testing.T) {
	t.Parallel()
	var typos, suggested int
	for _, w := range wordlists.English {
		if p := w[:min(4, len(w))]; p != w {
			if _, isWord := englishIndex[p]; !isWord {
				if got := suggestWords(p); len(got) == 0 || got[0] != w {
					t.Errorf("suggestWords(%q) = %q, want %q first", p, got, w)
				}
			}
		}
		for _, typo := range []string{w[:len(w)-1], w[1:], w[:1] + "q" + w[2:]} {
			if _, isWord := englishIndex[typo]; isWord {
				continue
			}
			typos++
			got := suggestWords(typo)
			if len(got) > 3 {
				t.Errorf("suggestWords(%q) = %q: more than 3", typo, got)
			}
			if len(got) == 0 {
				continue
			}
			suggested++
			if slices.Contains(got, w) {
				continue
			}
			// Missing w is fine only when too many words are one typo away
			// to list them all, or when the three places are taken.
			near := 0
			for _, c := range wordlists.English {
				if oneTypo(typo, c) {
					near++
				}
			}
			if near <= 3 && len(got) < 3 {
				t.Errorf("suggestWords(%q) = %q, want it to include %q", typo, got, w)
			}
		}
	}
	t.Logf("%d of %d one-letter typos got a suggestion", suggested, typos)
	if suggested < typos*9/10 {
		t.Errorf("only %d of %d one-letter typos got a suggestion", suggested, typos)
	}
}

func TestOneTypo(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"abandon", "abandon", false},
		{"abandn", "abandon", true},
		{"abandoon", "abandon", true},
		{"abandom", "abandon", true},
		{"abnadon", "abandon", true},
		{"abandno", "abandon", true},
		{"xbandon", "abandon", true},
		{"bandon", "abandon", true},
		{"abandonx", "abandon", true},
		{"abndn", "abandon", false},
		{"nabadon", "abandon", false},
		{"", "a", true},
		{"", "ab", false},
	}
	for _, tt := range tests {
		if got := oneTypo(tt.a, tt.b); got != tt.want {
			t.Errorf("oneTypo(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := oneTypo(tt.b, tt.a); got != tt.want {
			t.Errorf("oneTypo(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestNewPhrase(t *testing.T) {
	// Deterministic randomness gives the matching BIP39 vector.
	p, err := NewPhrase(bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Reveal() != abandonArt {
		t.Fatalf("zero entropy gave %q", p.Reveal())
	}
	ff := bytes.Repeat([]byte{0xff}, 32)
	p, err = NewPhrase(bytes.NewReader(ff))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("zoo ", 23) + "vote"; p.Reveal() != want {
		t.Fatalf("0xff entropy gave %q, want %q", p.Reveal(), want)
	}
	// Short randomness is an error, not a weak phrase.
	if _, err := NewPhrase(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Fatal("NewPhrase accepted 31 bytes of randomness")
	}
	// Real randomness: 24 words that parse back, and differ each time.
	a, err := NewPhrase(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewPhrase(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Words()) != 24 || a.Reveal() == b.Reveal() {
		t.Fatalf("NewPhrase(nil) gave %d words, equal twice: %v", len(a.Words()), a.Reveal() == b.Reveal())
	}
	c, err := ParsePhrase(a.Reveal())
	if err != nil || c.Reveal() != a.Reveal() {
		t.Fatalf("round trip: %v", err)
	}
}

func TestPhraseWordsIsACopy(t *testing.T) {
	p, err := ParsePhrase(abandonArt)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Words()
	w[0] = "zoo"
	if p.Reveal() != abandonArt {
		t.Fatal("changing the slice from Words changed the phrase")
	}
}

func TestZeroPhrase(t *testing.T) {
	var p Phrase
	if !p.IsZero() || p.Words() != nil || p.Reveal() != "" || p.Seed("") != nil {
		t.Fatal("zero phrase is not empty")
	}
	if _, err := AccountKeyFromPhrase(p, ""); err == nil {
		t.Fatal("account key from a zero phrase")
	}
}

func TestPhraseRedacted(t *testing.T) {
	p, err := ParsePhrase(abandonArt)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range formatAll(p) {
		if strings.Contains(out, "abandon") {
			t.Errorf("%s leaks the phrase: %s", name, out)
		}
	}
}

// FuzzParsePhrase checks that ParsePhrase never panics, and that what it
// accepts is 24 list words that parse back to themselves.
func FuzzParsePhrase(f *testing.F) {
	f.Add(abandonArt)
	f.Add(strings.ToUpper(abandonArt))
	f.Add(hamsterSwapped)
	f.Add("abandn " + abandonArt)
	f.Add("zo")
	f.Add("")
	f.Add(strings.Replace(abandonArt, " ", "\u3000", -1))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhrase(s)
		if err != nil {
			if !p.IsZero() {
				t.Fatal("phrase returned with an error")
			}
			return
		}
		if len(p.Words()) != PhraseWords {
			t.Fatalf("accepted %d words", len(p.Words()))
		}
		q, err := ParsePhrase(p.Reveal())
		if err != nil || q.Reveal() != p.Reveal() {
			t.Fatalf("%q does not re-parse: %v", p.Reveal(), err)
		}
	})
}

// TestEnglishWordList checks that go-bip39's list is the BIP39 English list:
// SHA-256 of english.txt from the BIP repository (the words, each followed
// by a new line).
func TestEnglishWordList(t *testing.T) {
	if len(wordlists.English) != 2048 {
		t.Fatalf("%d words", len(wordlists.English))
	}
	sum := sha256.Sum256([]byte(strings.Join(wordlists.English, "\n") + "\n"))
	if got := hex.EncodeToString(sum[:]); got != "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda" {
		t.Fatalf("English word list SHA-256 %s", got)
	}
}
