package api

import (
	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/node"
)

// copiesOf converts node.Copies; lists are never null.
func copiesOf(c node.Copies) wire.Copies {
	list := func(hs []node.CopyHolder) []wire.CopyDevice {
		out := make([]wire.CopyDevice, 0, len(hs))
		for _, h := range hs {
			out = append(out, copyDeviceOf(h))
		}
		return out
	}
	single := make([]wire.SingleCopy, 0, len(c.Single))
	for _, s := range c.Single {
		single = append(single, wire.SingleCopy{Author: copyDeviceOf(s.Author), Holder: copyDeviceOf(s.Holder), Entries: s.Entries})
	}
	return wire.Copies{
		Count:    len(c.Complete),
		Complete: list(c.Complete),
		Devices:  list(c.Devices),
		Single:   single,
		Unsynced: list(c.Unsynced),
		Leases:   heldLeasesOf(c.Leases),
	}
}

func copyDeviceOf(h node.CopyHolder) wire.CopyDevice {
	return wire.CopyDevice{Device: h.Device.Device().String(), Name: h.Name, ThisDevice: h.This, Missing: h.Missing}
}
