package cli

import (
	"context"
	"fmt"
	"io"

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
		summary: "revoke one of your account's devices, e.g. a lost one (needs the account key; final)",
		help: `Appends a revocation, signed by the account key, to the device's certificate
log. Peers that receive it stop treating the device as part of your account;
entries it wrote before stay valid. A revocation cannot be undone. Run it on a
device that holds the account key (one made by 'kith init' or
'kith init --restore'); a device cannot revoke itself.`,
		flags: strFlag("reason", "why the device is revoked, e.g. \"lost\" (optional, public)"),
		run:   runDeviceRevoke,
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
				mark, state, name := " ", "", termText(d.Name)
				if d.ThisDevice {
					mark, state = "*", "this device"
				}
				if d.Revoked {
					state = "revoked"
				}
				if name == "" {
					name = "-"
				}
				fmt.Fprintf(w, "%s %s  %-16s %s\n", mark, d.ID, name, state)
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
	return c.withBackend(func(b backend) error {
		r, err := b.RevokeDevice(ctx, dev.String(), wire.RevokeRequest{Reason: c.str("reason")})
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": r.ID, "device": r.Device, "revoked": true}, func(w io.Writer) {
			fmt.Fprintf(w, "revoked device %s (entry %s)\n", r.Device, r.ID)
		})
	})
}
