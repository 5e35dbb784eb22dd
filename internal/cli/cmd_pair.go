package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kithnet/kith/internal/api"
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// Pairing a new device without the phrase (doc/protocol/pairing.md): 'kith
// device pair' on a device that holds the account key, 'kith init --pair
// CODE' on the new one.

func init() {
	register(&command{
		name:    "device pair",
		summary: "add a new device to your account without the recovery phrase: show a pairing code and wait until the new device uses it (needs a running node and the account key)",
		help: `Shows a pairing code (and, on a terminal or with --qr, a QR code of it) and
waits until a new device uses it: on the new machine run
  kith init --pair CODE --name phone
The new device gets its own key and a certificate signed by your account key;
the account key never leaves this device. On a device that does not hold the
account key, kith asks for the recovery phrase (on a terminal; or pass
--with-phrase and pipe the 24 words in): the key derived from it certifies
this code's device and is forgotten when the code is used, void, cancelled
or expired. The code works once, for 10 minutes
(--expires, 1m to 1h); three wrong tries void it. Ctrl-C cancels it. With
--json, the code is printed as one JSON line at once and the outcome as
another at the end.`,
		flags: flags(
			boolFlag("qr", "draw the QR code even when the output is not a terminal"),
			strFlag("expires", "how long the code is valid, 1m to 1h, e.g. 5m (default 10m)"),
			boolFlag("no-wait", "print the code and return without waiting"),
			boolFlag("with-phrase", "read the recovery phrase from stdin (prompting on a terminal), on a device without the account key"),
			strFlag("phrase-passphrase-file", "with the phrase: read the BIP39 passphrase (the \"25th word\") from FILE (or set KITH_PHRASE_PASSPHRASE)"),
		),
		run: runDevicePair,
	})
}

func parsePairTTL(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 5m or 30m", s)
	}
	if d < wire.MinPairingTTL*time.Second || d > wire.MaxPairingTTL*time.Second {
		return 0, fmt.Errorf("%s is not between 1m and 1h", s)
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("%s is not a whole number of seconds", s)
	}
	return d, nil
}

func runDevicePair(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	var req wire.PairingRequest
	if c.set("expires") {
		d, err := parsePairTTL(c.str("expires"))
		if err != nil {
			return usagef("--expires: %v", err)
		}
		req.TTLSeconds = int64(d / time.Second)
	}
	const prompt = "Enter your 24-word recovery phrase to certify the new device (it is forgotten once the code is used or expires), then press Enter:"
	if c.flagBool("with-phrase") {
		auth, err := phraseAuthFrom(c, prompt)
		if err != nil {
			return err
		}
		req.PhraseAuth = auth
	}
	cl, err := c.remote()
	if err != nil {
		return err
	}
	p, err := cl.NewPairing(ctx, req)
	if err != nil && req.Phrase == "" && api.ErrorOf(err).Code == wire.CodeNoAccountKey {
		if !isTerminal(c.env.Stdin) {
			return fmt.Errorf("this device does not hold the account key: run again with --with-phrase and the recovery phrase on stdin (it certifies this code's device and is forgotten), or run 'kith device pair' on a device that holds the key")
		}
		fmt.Fprintln(c.env.Stderr, "This device does not hold the account key.")
		if req.PhraseAuth, err = phraseAuthFrom(c, prompt); err != nil {
			return err
		}
		p, err = cl.NewPairing(ctx, req)
	}
	if err != nil {
		return err
	}
	if !c.json && (c.flagBool("qr") || isTerminal(c.env.Stdout)) {
		if err := drawQR(c.env.Stdout, p.Code, c.env.Getenv("NO_COLOR") == "" && isTerminal(c.env.Stdout)); err != nil {
			return err
		}
	}
	until := p.Expires.Local().Format("15:04:05")
	if err := c.out(p, func(w io.Writer) {
		fmt.Fprintln(w, p.Code)
		fmt.Fprintf(c.env.Stderr, "On the new device run:\n  kith init --pair %s --name NAME\nThe code works once, until %s.\n", p.Code, until)
	}); err != nil {
		return err
	}
	if c.flagBool("no-wait") {
		return nil
	}
	fmt.Fprintln(c.env.Stderr, "Waiting for the new device… (Ctrl-C cancels the code)")
	sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	last := wire.PairingStatus{State: wire.PairingPending, AttemptsLeft: node.MaxPairAttempts}
	for {
		st, err := cl.PairingStatus(sctx, p.ID, 10)
		if sctx.Err() != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, cerr := cl.CancelPairing(cctx, p.ID)
			cancel()
			if cerr != nil {
				return fmt.Errorf("cancelled, but the node did not confirm it (%v); the code stops working at %s anyway", cerr, until)
			}
			return pairEnd(c, st)
		}
		if err != nil {
			return err
		}
		if st.InUse && !last.InUse {
			fmt.Fprintln(c.env.Stderr, "A device is proving the code…")
		}
		if st.Failures > last.Failures {
			left := fmt.Sprintf("%d attempts left", st.AttemptsLeft)
			if st.AttemptsLeft == 1 {
				left = "1 attempt left"
			}
			fmt.Fprintf(c.env.Stderr, "A device tried a wrong code (%s).\n", left)
		}
		if st.State != wire.PairingPending {
			return pairEnd(c, st)
		}
		last = st
	}
}

// pairEnd prints the outcome of a pairing code; every outcome but a
// device paired is an error.
func pairEnd(c *call, st wire.PairingStatus) error {
	name := termText(st.Name)
	if name == "" {
		name = "(no name)"
	}
	if err := c.out(st, func(w io.Writer) {
		if st.State == wire.PairingUsed {
			fmt.Fprintf(w, "Paired: %s %s is now a device of your account.\n", name, st.Device)
		}
	}); err != nil {
		return err
	}
	switch st.State {
	case wire.PairingUsed:
		return nil
	case wire.PairingExpired:
		return errors.New("the code expired before a device used it; nothing was paired. Run 'kith device pair' again")
	case wire.PairingVoid:
		return fmt.Errorf("the code was tried wrongly %d times and is void; nothing was paired. Run 'kith device pair' again and copy the new code exactly", st.Failures)
	case wire.PairingCancelled:
		return errors.New("cancelled: the code no longer works; nothing was paired")
	}
	return fmt.Errorf("the code is %s", st.State)
}

// runInitPair is 'kith init --pair CODE': a new device of the account of
// the code, without the phrase and without the account key.
func runInitPair(ctx context.Context, c *call) error {
	if c.flagBool("restore") {
		return usagef("--pair and --restore do not go together: pair with another device of yours, or restore with the recovery phrase")
	}
	code := strings.TrimSpace(c.str("pair"))
	if code == "" {
		return usagef("--pair needs the code 'kith device pair' shows on your other device")
	}
	encrypted, err := settleKeyPassphrase(c)
	if err != nil {
		return err
	}
	o := c.options()
	o.DeviceName = c.str("name")
	sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := func(step string) {
		if !c.json {
			fmt.Fprintf(c.env.Stderr, "%s…\n", strings.ToUpper(step[:1])+step[1:])
		}
	}
	n, res, err := node.Pair(sctx, c.home, code, o, node.PairOptions{Progress: progress})
	if err != nil {
		if sctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("cancelled; nothing was kept in %s (%v)", c.home, err)
		}
		return err
	}
	defer n.Close()
	if !encrypted {
		keysWarning(c)
	}
	id := idOf(n)
	return c.out(struct {
		idJSON
		Paired        bool   `json:"paired"`
		PairingDevice string `json:"pairing_device"`
		Name          string `json:"name,omitempty"`
		Certificates  int    `json:"certificates"`
		HoldsKey      bool   `json:"holds_account_key"`
		KeysEncrypted bool   `json:"keys_encrypted"`
	}{id, true, res.PairingDevice.String(), res.Name, res.Certificates, n.HoldsAccountKey(), encrypted}, func(w io.Writer) {
		name := termText(res.Name)
		if name == "" {
			name = "(no name)"
		}
		fmt.Fprintf(w, "Paired with account %s\nThis device         %s %s (certified by %s)\nHome                %s\n\n", id.Account, id.Device, name, res.PairingDevice, id.Home)
		fmt.Fprintln(w, "This device does not hold the account key: to pair or revoke devices here, kith asks for your recovery phrase.")
		fmt.Fprintln(w, "Start it with 'kith serve': it replicates your account's data from your other devices.")
	})
}
