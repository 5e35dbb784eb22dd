package identity

import (
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tyler-smith/go-bip39"
	"github.com/tyler-smith/go-bip39/wordlists"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/text/unicode/norm"
)

// PhraseWords is the number of words in an account recovery phrase: 256 bits
// of entropy plus an 8-bit checksum, 11 bits a word (BIP39).
const PhraseWords = 24

// Phrase is a BIP39 recovery phrase in the English word list. An account key
// is derived from it (see AccountKeyFromPhrase), so whoever holds the words
// holds the account.
//
// Like PrivateKey, a Phrase is redacted by every formatting verb and refuses
// to be marshalled; call Words or Reveal to get the words on purpose (to show
// them to their owner once, or to write them down).
type Phrase struct {
	_ [0]func() // makes the type incomparable
	// The words are held by a closure, so that fmt, when it prints a Phrase
	// stored in an unexported field through reflection, prints an address
	// (see PrivateKey). They are lower case, each in the English list, and
	// their checksum is verified.
	words func() []string
}

// ErrPhraseChecksum is returned (wrapped) by ParsePhrase when every word is in
// the word list but the phrase's built-in checksum does not match.
var ErrPhraseChecksum = errors.New("the recovery phrase's checksum does not match: a word is wrong, or two words are swapped")

// PhraseWordError is returned by ParsePhrase when a word is not in the BIP39
// English word list.
type PhraseWordError struct {
	Position    int      // 1-based position of the word in the phrase
	Word        string   // the word as read, lower-cased
	Suggestions []string // list words that share the longest prefix with Word (at most 3), if any
}

// Error says which word is wrong and, when it can, which word was meant.
func (e *PhraseWordError) Error() string {
	msg := fmt.Sprintf("word %d of the recovery phrase, %q, is not in the BIP39 English word list", e.Position, e.Word)
	switch len(e.Suggestions) {
	case 0:
		return msg + "; check it against your written copy"
	case 1:
		return msg + fmt.Sprintf("; did you mean %q?", e.Suggestions[0])
	default:
		quoted := make([]string, len(e.Suggestions))
		for i, w := range e.Suggestions {
			quoted[i] = fmt.Sprintf("%q", w)
		}
		return msg + "; did you mean one of " + strings.Join(quoted, ", ") + "?"
	}
}

// englishIndex maps each word of the BIP39 English list to its index. It is
// built from the list itself rather than read from go-bip39's package-wide,
// settable word map, so another package calling bip39.SetWordList cannot
// change which words are accepted here.
var englishIndex = func() map[string]int {
	m := make(map[string]int, len(wordlists.English))
	for i, w := range wordlists.English {
		m[w] = i
	}
	return m
}()

// NewPhrase returns a fresh 24-word phrase encoding 256 bits read from r, or
// from crypto/rand when r is nil.
func NewPhrase(r io.Reader) (Phrase, error) {
	if r == nil {
		r = rand.Reader
	}
	entropy := make([]byte, 32)
	defer clear(entropy)
	if _, err := io.ReadFull(r, entropy); err != nil {
		return Phrase{}, fmt.Errorf("identity: new recovery phrase: reading randomness: %w", err)
	}
	return phraseFromEntropy(entropy)
}

// ParsePhrase parses a 24-word recovery phrase as a person would type or
// paste it: words separated by any white space (including new lines), in any
// letter case. It names the first word that is not in the word list, with a
// suggestion when one is close (a *PhraseWordError), and wraps
// ErrPhraseChecksum when the words do not form a valid phrase.
func ParsePhrase(s string) (Phrase, error) {
	return parseMnemonic(s, true)
}

// parseMnemonic parses a BIP39 English mnemonic: of exactly 24 words when
// only24 is set (ParsePhrase), else of 12, 15, 18, 21 or 24 words (the BIP39
// test vectors use them all).
func parseMnemonic(s string, only24 bool) (Phrase, error) {
	// NFKD first, as BIP39 prescribes, so that compatibility forms of ASCII
	// letters (full-width letters, for instance) and of spaces are read as
	// the letters and spaces they stand for.
	fields := strings.Fields(strings.ToLower(norm.NFKD.String(s)))
	n := len(fields)
	if n == 0 {
		return Phrase{}, fmt.Errorf("identity: the recovery phrase is empty; enter its %d words separated by spaces", PhraseWords)
	}
	for i, w := range fields {
		if _, ok := englishIndex[w]; !ok {
			return Phrase{}, &PhraseWordError{Position: i + 1, Word: w, Suggestions: suggestWords(w)}
		}
	}
	switch {
	case only24 && n != PhraseWords:
		return Phrase{}, fmt.Errorf("identity: a kith recovery phrase has %d words, this one has %d; check that no word is missing or repeated (phrases of other lengths from other wallets cannot be used)", PhraseWords, n)
	case n < 12 || n > 24 || n%3 != 0:
		return Phrase{}, fmt.Errorf("identity: a BIP39 phrase has 12, 15, 18, 21 or 24 words, this one has %d", n)
	}
	joined := strings.Join(fields, " ")
	// The 11-bit packing and the checksum are go-bip39's. It looks words up in
	// its settable package-wide list, so the result is cross-checked below by
	// re-encoding the entropy and comparing with the words validated above.
	entropy, err := bip39.EntropyFromMnemonic(joined)
	if errors.Is(err, bip39.ErrChecksumIncorrect) {
		return Phrase{}, fmt.Errorf("identity: %w", ErrPhraseChecksum)
	}
	if err != nil {
		return Phrase{}, fmt.Errorf("identity: reading the recovery phrase: %v", err)
	}
	defer clear(entropy)
	p, err := phraseFromEntropy(entropy)
	if err != nil {
		return Phrase{}, err
	}
	if strings.Join(p.words(), " ") != joined {
		return Phrase{}, errWordList
	}
	return p, nil
}

var errWordList = errors.New("identity: the BIP39 library's word list is not English (did some package call bip39.SetWordList?)")

// phraseFromEntropy encodes 16, 20, 24, 28 or 32 bytes of entropy as a
// mnemonic of 12 to 24 words.
func phraseFromEntropy(entropy []byte) (Phrase, error) {
	m, err := bip39.NewMnemonic(entropy)
	if err != nil {
		return Phrase{}, fmt.Errorf("identity: encoding %d bytes as a BIP39 phrase: %v", len(entropy), err)
	}
	words := strings.Split(m, " ")
	for _, w := range words {
		if _, ok := englishIndex[w]; !ok {
			return Phrase{}, errWordList
		}
	}
	return Phrase{words: func() []string { return words }}, nil
}

// suggestWords returns up to three list words that w was probably meant to
// be. Candidates are the words sharing the longest prefix with w (at least 3
// letters, or all of a shorter w) and the words one typo away (one letter
// changed, added or dropped, or two neighbours swapped); a group of more than
// three is too vague and dropped. A shared prefix of four or more letters
// comes first (BIP39 English words are unique in their first four letters),
// else the typo matches do. It returns nil when nothing is close.
func suggestWords(w string) []string {
	best, need := 0, min(3, len(w))
	var prefixed, typos []string
	for _, cand := range wordlists.English {
		if oneTypo(w, cand) {
			typos = append(typos, cand)
		}
		n := commonPrefix(w, cand)
		if n < need || n < best {
			continue
		}
		if n > best {
			best, prefixed = n, prefixed[:0]
		}
		prefixed = append(prefixed, cand)
	}
	if len(prefixed) > 3 {
		prefixed = nil
	}
	if len(typos) > 3 {
		typos = nil
	}
	first, second := typos, prefixed
	if best >= 4 {
		first, second = prefixed, typos
	}
	out := append([]string(nil), first...)
	for _, c := range second {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) > 3 {
		out = out[:3]
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// oneTypo reports whether a and b differ by one substituted, inserted or
// deleted byte, or by one swap of adjacent bytes.
func oneTypo(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := commonPrefix(a, b)
	if i == len(a) {
		return len(a) != len(b) // b is a plus one trailing byte
	}
	if len(a) < len(b) {
		return a[i:] == b[i+1:] // one byte inserted in b
	}
	if a[i+1:] == b[i+1:] {
		return true // one byte substituted
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // neighbours swapped
}

// IsZero reports whether the phrase is unset.
func (p Phrase) IsZero() bool { return p.words == nil }

// Words returns a copy of the words, lower case, in order. They are the
// secret: show them only to their owner.
func (p Phrase) Words() []string {
	if p.IsZero() {
		return nil
	}
	return append([]string(nil), p.words()...)
}

// Reveal returns the words joined by single spaces. It is the secret: show it
// only to its owner.
func (p Phrase) Reveal() string {
	if p.IsZero() {
		return ""
	}
	return strings.Join(p.words(), " ")
}

// Seed returns the 64-byte BIP39 seed of the phrase and passphrase:
// PBKDF2-HMAC-SHA512 with 2048 iterations of the phrase, salted with
// "mnemonic" followed by the passphrase, both NFKD-normalised. An empty
// passphrase is the usual choice. It returns nil for an unset phrase.
func (p Phrase) Seed(passphrase string) []byte {
	if p.IsZero() {
		return nil
	}
	return bip39Seed(p.Reveal(), passphrase)
}

// bip39Seed is the BIP39 mnemonic-to-seed function for a mnemonic in any
// language. (go-bip39's NewSeed does not normalise its inputs.)
func bip39Seed(mnemonic, passphrase string) []byte {
	password := []byte(norm.NFKD.String(mnemonic))
	defer clear(password)
	salt := []byte(norm.NFKD.String("mnemonic" + passphrase))
	return pbkdf2.Key(password, salt, 2048, 64, sha512.New)
}

// String implements fmt.Stringer with a redaction.
func (p Phrase) String() string { return "identity.Phrase(redacted)" }

// GoString implements fmt.GoStringer with a redaction.
func (p Phrase) GoString() string { return p.String() }

// Format makes every fmt verb print the redaction.
func (p Phrase) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// MarshalText refuses to serialise a recovery phrase (so encoding/json and
// friends fail loudly instead of leaking it).
func (p Phrase) MarshalText() ([]byte, error) {
	return nil, errors.New("identity: refusing to marshal a recovery phrase; use Reveal to show it to its owner")
}
