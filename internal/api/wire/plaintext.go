package wire

import (
	"regexp"
	"strings"
)

// packagePrefix is a Go package's name at the start of an error text or of
// one of its parts, as the packages below the API write them ("netnode:
// connect to …"): the names of kith's own packages mean nothing to the
// people who read the message. Only names that are no word a message
// uses as a label are taken ("village: …" also names the village a request
// is about, "space: …" a space).
var packagePrefix = regexp.MustCompile(`(^|: |\(|; )(?:netnode|sqlite|replicate|blobsync|cborwire|codetext|keyring|storetest|identity|entry|store|mem|bundle|services|pairing|seal|kem): `)

// payloadPrefix is the name of package village or space before the
// payload type an error is about ("village: village.vote: field …",
// "space: post: not a space membership payload type"): the type says
// what the message is about, the package's name says it again. Only a
// word that reads as a payload type (lower-case letters, dotted) is taken,
// so a message that names a village ("village: Elm street: …") keeps it.
var payloadPrefix = regexp.MustCompile(`(^|: |\(|; )(?:village|space): ([a-z]+(?:\.[a-z_]+)?: )`)

// PlainMessage returns an error text as people should read it: without the
// names of kith's Go packages (also before the payload type a village or
// space error is about), and without a part repeated right after itself
// ("x: x" says x once).
func PlainMessage(s string) string {
	for {
		t := payloadPrefix.ReplaceAllString(packagePrefix.ReplaceAllString(s, "$1"), "$1$2")
		if t == s {
			break
		}
		s = t
	}
	parts := strings.Split(s, ": ")
	out := parts[:1]
	for _, p := range parts[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}
