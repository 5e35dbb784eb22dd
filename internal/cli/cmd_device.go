package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/node"
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

type deviceJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Revoked    bool   `json:"revoked"`
	ThisDevice bool   `json:"this_device"`
	Cert       string `json:"cert"`
	RevokedBy  string `json:"revoked_by,omitempty"`
}

func runDeviceList(ctx context.Context, c *call) error {
	if err := c.wantArgs(0, 0); err != nil {
		return err
	}
	return c.withNode(func(n *node.Node) error {
		devs, err := n.Devices(ctx)
		if err != nil {
			return err
		}
		out := struct {
			Account string       `json:"account"`
			Devices []deviceJSON `json:"devices"`
		}{n.Account().String(), []deviceJSON{}}
		for _, d := range devs {
			j := deviceJSON{
				ID:         d.Device.Device().String(),
				Name:       d.Name,
				Revoked:    d.Revoked,
				ThisDevice: d.Device == n.Device().Key(),
				Cert:       d.Cert.String(),
			}
			if d.Revoked {
				j.RevokedBy = d.RevokedBy.String()
			}
			out.Devices = append(out.Devices, j)
		}
		return c.out(out, func(w io.Writer) {
			for _, d := range out.Devices {
				mark, state, name := " ", "", d.Name
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
	return c.withNode(func(n *node.Node) error {
		e, err := n.RevokeDevice(ctx, dev.Key(), c.str("reason"))
		if err != nil {
			return err
		}
		return c.out(map[string]any{"id": e.ID.String(), "device": dev.String(), "revoked": true}, func(w io.Writer) {
			fmt.Fprintf(w, "revoked device %s (entry %s)\n", dev, e.ID)
		})
	})
}
