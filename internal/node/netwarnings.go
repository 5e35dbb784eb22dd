package node

// NetworkWarnings lists what of the configured network does not run, in
// words for the user: a listen port another program held (the node
// listens on a free one instead), or mDNS asked for on a machine without
// a multicast-capable interface. Empty when all runs or the network
// is not running.
func (n *Node) NetworkWarnings() []string {
	nw := n.net.Load()
	if nw == nil || nw.host == nil {
		return nil
	}
	out := append([]string(nil), nw.host.ListenWarnings()...)
	if err := nw.host.MDNSError(); err != nil {
		out = append(out, err.Error())
	}
	return out
}
