package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/identity"
)

func init() {
	register(&command{
		name:    "device list",
		summary: "list your account's devices (this one marked *), revoked ones too",
		run:     runDeviceList,
	})
	register(&command{
		name:    "device revoke",
		args:    "DEVICE_ID",
		summary: "revoke one of your account's devices, e.g. a lost one (needs the account key or the recovery phrase; final)",
		help: `Appends a revocation, signed by the account key, to the device's certificate
log. Peers that receive it stop treating the device as part of your account;
entries it wrote before stay valid. A revocation cannot be undone. A device
cannot revoke itself.

On a device that holds the account key (one made by 'kith init' or
'kith init --restore') nothing more is needed. On one that does not, kith
asks for the recovery phrase (on a terminal; or pass --with-phrase and pipe
the 24 words in), derives the account key from it for this one revocation,
and forgets both.`,
		flags: flags(
			strFlag("reason", "why the device is revoked, e.g. \"lost\" (optional, public)"),
			boolFlag("with-phrase", "read the recovery phrase from stdin (prompting on a terminal) to sign with, on a device without the account key"),
			strFlag("phrase-passphrase-file", "with the phrase: read the BIP39 passphrase (the \"25th word\") from FILE (or set KITH_PHRASE_PASSPHRASE)"),
		),
		run: runDeviceRevoke,
	})
	register(&command{
		name:    "account key remove",
		summary: "remove the account key from this device, after you type the recovery phrase (keep the key on as few machines as possible)",
		help: `The account key certifies and revokes your devices. Every device made with
'kith init' or 'kith init --restore' holds it; a device that is stolen with it
could add devices to your account. Remove it from the devices that do not need
it: your devices keep working, and your other devices are told this one no
longer holds the key ('kith device list' shows where it is).

To make sure the words are written down, you type the recovery phrase (on a
terminal, or piped in on stdin); nothing is removed unless it is the phrase
of this account. Afterwards, revoking a device here asks for the phrase.`,
		flags: strFlag("phrase-passphrase-file", "read the BIP39 passphrase (the \"25th word\") from FILE (or set KITH_PHRASE_PASSPHRASE), if the account has one"),
		run:   runAccountKeyRemove,
	})
}

func runDeviceList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		out, err := b.Devices(ctx)
		if err != nil {
			return err
		}
		return c.out(out, func(w io.Writer) {
			for _, d := range out.Devices {
				mark, name := " ", termText(d.Name)
				var state []string
				if d.ThisDevice {
					mark, state = "*", append(state, "this device")
				}
				switch {
				case d.Revoked:
					state = append(state, "revoked")
				case d.AccountKey == "held":
					state = append(state, "holds the account key")
				}
				if name == "" {
					name = "-"
				}
				fmt.Fprintf(w, "%s %-16s %s  %s\n", mark, name, d.ID, strings.Join(state, ", "))
			}
			held := false
			var stale []string
			for _, d := range out.Devices {
				held = held || (!d.Revoked && d.AccountKey == "held")
				if d.Revoked && d.AccountKey == "held" {
					name := termText(d.Name)
					if name == "" {
						name = d.ID
					}
					stale = append(stale, name)
				}
			}
			if !held {
				fmt.Fprintln(w, "No device of yours holds the account key: your recovery phrase is what adds and revokes devices.")
			}
			if len(stale) > 0 {
				fmt.Fprintf(w, "The account key is still on %s, revoked: whoever has it can add devices to your account. Remove it there ('kith account key remove') if you can.\n", strings.Join(stale, ", "))
			}
		})
	})
}

func runDeviceRevoke(ctx context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	dev, err := identity.ParseDevice(c.args[0])
	if err != nil {
		return usagef("%v", err)
	}
	req := wire.RevokeRequest{Reason: c.str("reason")}
	if c.flagBool("with-phrase") {
		if req.PhraseAuth, err = phraseAuthFrom(c, "Enter your 24-word recovery phrase to sign the revocation (it is not stored), then press Enter:"); err != nil {
			return err
		}
	}
	return c.withBackend(func(b backend) error {
		r, err := b.RevokeDevice(ctx, dev.String(), req)
		if err != nil && req.Phrase == "" && api.ErrorOf(err).Code == wire.CodeNoAccountKey {
			if !isTerminal(c.env.Stdin) {
				return fmt.Errorf("this device does not hold the account key: run again with --with-phrase and the recovery phrase on stdin (it is used for this revocation and not stored), or revoke on a device that holds the key")
			}
			fmt.Fprintln(c.env.Stderr, "This device does not hold the account key.")
			if req.PhraseAuth, err = phraseAuthFrom(c, "Enter your 24-word recovery phrase to sign the revocation (it is not stored), then press Enter:"); err != nil {
				return err
			}
			r, err = b.RevokeDevice(ctx, dev.String(), req)
		}
		if err != nil {
			return err
		}
		return c.out(r, func(w io.Writer) {
			fmt.Fprintf(w, "revoked device %s (entry %s)\n", r.Device, r.ID)
			fmt.Fprintf(w, "What it wrote until now stays valid (%d entries in %d logs, as far as this device holds them); anything else it wrote or writes is refused everywhere.\n", r.KeptEntries, r.KeptLogs)
		})
	})
}

func runAccountKeyRemove(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	if isTerminal(c.env.Stdin) {
		fmt.Fprintln(c.env.Stderr, "After this, the recovery phrase is the only way (besides your other devices that hold")
		fmt.Fprintln(c.env.Stderr, "the key) to certify new devices and revoke lost ones. To show it is written down,")
	}
	auth, err := phraseAuthFrom(c, "type your 24-word recovery phrase, then press Enter:")
	if err != nil {
		return err
	}
	return c.withBackend(func(b backend) error {
		r, err := b.RemoveAccountKey(ctx, wire.AccountKeyRemove{PhraseAuth: auth})
		if err != nil {
			return err
		}
		return c.out(r, func(w io.Writer) {
			fmt.Fprintf(w, "The account key is no longer on this device (%s).\nYour other devices will show it; 'kith device list' shows which hold the key.\nTo certify or revoke devices here, kith will ask for the recovery phrase.\n", r.Device)
		})
	})
}

// phraseAuthFrom reads a recovery phrase from stdin (showing prompt on a
// terminal) and the phrase passphrase from --phrase-passphrase-file or
// KITH_PHRASE_PASSPHRASE. The phrase is checked here, so a mistyped word
// is reported before anything is sent.
func phraseAuthFrom(c *call, prompt string) (wire.PhraseAuth, error) {
	pp, err := phrasePassphrase(c)
	if err != nil {
		return wire.PhraseAuth{}, err
	}
	p, err := readPhraseWith(c, prompt)
	if err != nil {
		return wire.PhraseAuth{}, err
	}
	return wire.PhraseAuth{Phrase: p.Reveal(), PhrasePassphrase: pp}, nil
}
