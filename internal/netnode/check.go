package netnode

// CheckListen checks listen multiaddrs as New parses them, without
// listening: a caller can refuse a bad address before it does anything it
// cannot undo.
func CheckListen(addrs []string) error {
	_, err := parseListen(addrs)
	return err
}
