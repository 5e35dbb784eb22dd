package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kithnet/kith/internal/api/client"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
)

func init() {
	register(&command{
		name:    "init",
		summary: "create a new account and this device (prints the 24-word recovery phrase once); --restore recreates an account from its phrase",
		help: `The account key is derived from the recovery phrase and, optionally, a BIP39
passphrase (the "25th word"), given with --phrase-passphrase-file FILE or
KITH_PHRASE_PASSPHRASE. The same phrase with another passphrase, or without
one, is another account: 'kith init --restore' needs the same passphrase that
'kith init' was given, and kith does not store it, so keep it as safely as
the words. It is not the key-file passphrase (--passphrase-file or
KITH_PASSPHRASE), which only encrypts the key files in this home and can
differ from one device to the next.

Without a key-file passphrase, kith init asks for one on a terminal (typed
twice, not shown; Enter alone for none). Keys stored unencrypted are
announced with a warning on stderr, and --json says "keys_encrypted".`,
		flags: flags(
			boolFlag("restore", "read a recovery phrase from stdin and restore that account with a new device key"),
			strFlag("name", "a name for this device, e.g. laptop"),
			strFlag("pair", "join your account as a new device with the pairing code 'kith device pair' shows on another of your devices (no recovery phrase; this device gets no account key)"),
			strFlag("phrase-passphrase-file", "read the BIP39 passphrase (the \"25th word\") from FILE (or set KITH_PHRASE_PASSPHRASE); restoring needs the same one; not the key-file passphrase"),
		),
		run: runInit,
	})
	register(&command{
		name:    "id",
		summary: "print this node's account and device ids",
		run:     runID,
	})
}

type idJSON = wire.Identity

func idOf(n *node.Node) idJSON {
	return idJSON{
		Account:          n.Account().String(),
		Device:           n.Device().String(),
		AccountPublicKey: n.Account().Key().Hex(),
		DevicePublicKey:  n.Device().Key().Hex(),
		Home:             n.Home(),
	}
}

func runID(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		id, err := b.Identity(ctx)
		if err != nil {
			return err
		}
		return c.out(id, func(w io.Writer) {
			fmt.Fprintf(w, "account  %s\ndevice   %s\n", id.Account, id.Device)
		})
	})
}

func runInit(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	if cl, err := client.FromHome(c.home); err == nil {
		if st, err := cl.SetupState(ctx); err == nil && !st.Initialized {
			return fmt.Errorf("a node is running on %s in setup mode (process %d): create or restore the account in its web UI ('kith ui' prints the link), or stop it and run 'kith init' again", c.home, cl.PID())
		}
		return fmt.Errorf("a node is running on %s (process %d): it already holds an account; use another --home to create one", c.home, cl.PID())
	}
	if node.Initialized(c.home) {
		// node.Init says so too; say it before asking for anything.
		return fmt.Errorf("%w (%s); use another --home, or remove it if you really mean to start over", node.ErrAlreadyInitialized, c.home)
	}
	if err := checkDeviceName(c.str("name")); err != nil {
		return err
	}
	if c.set("pair") {
		return runInitPair(ctx, c)
	}
	pp, err := phrasePassphrase(c)
	if err != nil {
		return err
	}
	var phrase identity.Phrase
	restore := c.flagBool("restore")
	if restore {
		if phrase, err = readPhrase(c); err != nil {
			return err
		}
	}
	encrypted, err := settleKeyPassphrase(c)
	if err != nil {
		return err
	}
	o := c.options()
	o.DeviceName = c.str("name")
	o.PhrasePassphrase = pp
	var n *node.Node
	if restore {
		n, err = node.Restore(c.home, phrase, o)
	} else {
		n, phrase, err = node.Init(c.home, o)
	}
	if err != nil {
		return err
	}
	defer n.Close()
	if !encrypted {
		keysWarning(c)
	}
	id := idOf(n)
	if restore {
		fmt.Fprintln(c.env.Stderr, "Note: this device now holds your account key, which can add and revoke your devices.")
		fmt.Fprintln(c.env.Stderr, "Keep it on as few machines as possible: a machine you only want as another device can")
		fmt.Fprintln(c.env.Stderr, "be paired from one that holds the key ('kith device pair' there, 'kith init --pair CODE'")
		fmt.Fprintln(c.env.Stderr, "on it), and 'kith account key remove' takes the key off this one.")
		return c.out(struct {
			idJSON
			Restored        bool `json:"restored"`
			KeysEncrypted   bool `json:"keys_encrypted"`
			HoldsAccountKey bool `json:"holds_account_key"`
		}{id, true, encrypted, true}, func(w io.Writer) {
			fmt.Fprintf(w, "Restored account %s\nNew device       %s (certified by the account)\nHome             %s\n", id.Account, id.Device, id.Home)
			fmt.Fprintln(w, "\nLost a device? Once this node has met one of your other devices, or a friend who")
			fmt.Fprintln(w, "follows you ('kith serve', then 'kith join CODE' or 'kith peer add ADDRESS'), your")
			fmt.Fprintln(w, "data comes back and 'kith status' names the devices that have not synced with this")
			fmt.Fprintln(w, "one; revoke the lost ones with 'kith device revoke DEVICE_ID'.")
		})
	}
	return c.out(struct {
		idJSON
		RecoveryPhrase string `json:"recovery_phrase"`
		KeysEncrypted  bool   `json:"keys_encrypted"`
	}{id, phrase.Reveal(), encrypted}, func(w io.Writer) {
		fmt.Fprintf(w, "Created account %s\nDevice          %s\nHome            %s\n\n", id.Account, id.Device, id.Home)
		printRecoveryPhrase(w, phrase.Words(), pp != "")
	})
}

// printRecoveryPhrase shows a new account's 24 words with the warning.
func printRecoveryPhrase(w io.Writer, words []string, withPassphrase bool) {
	fmt.Fprintln(w, "Your recovery phrase. Write these 24 words on paper, in order, and keep them safe.")
	fmt.Fprintln(w, "They are shown only this once. Anyone who has them can act as you; without them")
	fmt.Fprintln(w, "a lost device cannot be replaced.")
	if withPassphrase {
		fmt.Fprintln(w, "This account also uses the phrase passphrase you gave: restoring needs the words")
		fmt.Fprintln(w, "and that same passphrase. kith does not store it.")
	}
	fmt.Fprintln(w)
	for i := 0; i < len(words); i += 4 {
		for j := i; j < i+4 && j < len(words); j++ {
			fmt.Fprintf(w, "  %2d. %-10s", j+1, words[j])
		}
		fmt.Fprintln(w)
	}
}

// phrasePassphrase returns the BIP39 passphrase: the contents of
// --phrase-passphrase-file (without a final line break), else
// KITH_PHRASE_PASSPHRASE, else "".
func phrasePassphrase(c *call) (string, error) {
	if f := c.str("phrase-passphrase-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("read phrase passphrase file: %w", err)
		}
		pp := strings.TrimRight(string(b), "\r\n")
		if pp == "" {
			return "", usagef("the phrase passphrase file %s is empty; leave out --phrase-passphrase-file for no phrase passphrase", f)
		}
		return pp, nil
	}
	return c.env.Getenv("KITH_PHRASE_PASSPHRASE"), nil
}

// readPhrase reads a recovery phrase from stdin, prompting only when stdin
// is a terminal.
func readPhrase(c *call) (identity.Phrase, error) {
	return readPhraseWith(c, "Enter your 24-word recovery phrase, then press Enter:")
}

// readPhraseWith is readPhrase with the prompt shown on a terminal.
func readPhraseWith(c *call, prompt string) (identity.Phrase, error) {
	if isTerminal(c.env.Stdin) {
		fmt.Fprintln(c.env.Stderr, prompt)
		line, err := bufio.NewReader(c.env.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return identity.Phrase{}, fmt.Errorf("read recovery phrase: %w", err)
		}
		return identity.ParsePhrase(line)
	}
	b, err := io.ReadAll(io.LimitReader(c.env.Stdin, 4096))
	if err != nil {
		return identity.Phrase{}, fmt.Errorf("read recovery phrase from stdin: %w", err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return identity.Phrase{}, usagef("no recovery phrase on stdin; pipe the 24 words in, e.g. kith %s < phrase.txt", c.cmd.name)
	}
	return identity.ParsePhrase(string(b))
}
