package main

// A network of Linux network namespaces for tests of nodes behind NAT:
// a "public" segment (a bridge) with a hub on it and NAT routers, each
// router with one private network behind it holding one node. Private
// address ranges only, even for the "public" segment.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// natNet is a namespace network built by newNATNet; its namespaces are
// deleted when the test ends.
type natNet struct {
	t      *testing.T
	prefix string   // of every namespace's name, unique to this run
	made   []string // namespaces made, for the clean-up
}

// The "public" segment and the private networks behind routers 1 and 2.
const (
	natPublicNet = "172.31.0.%d" // /24
	natHubIP     = "172.31.0.10"
)

// newNATNet makes the namespaces "sw" (the public segment's bridge) and
// "hub" (172.31.0.10 on it), or skips the test when namespaces or
// iptables cannot be used here.
func newNATNet(t *testing.T) *natNet {
	t.Helper()
	for _, tool := range []string{"ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipped: %s is not installed (the NAT tests need iproute2 and iptables, run as root)", tool)
		}
	}
	n := &natNet{t: t, prefix: fmt.Sprintf("k%d", os.Getpid()%100000)}
	probe := n.prefix + "probe"
	if out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput(); err != nil {
		t.Skipf("skipped: cannot make network namespaces here (needs root): %v: %s", err, out)
	}
	_ = exec.Command("ip", "netns", "del", probe).Run()
	t.Cleanup(n.close)
	n.addNS("sw")
	n.in("sw", "ip", "link", "add", "br0", "type", "bridge")
	n.in("sw", "ip", "link", "set", "br0", "up")
	n.addNS("hub")
	n.plug("hub", "eth0", natHubIP)
	return n
}

// ns is the full name of the namespace role.
func (n *natNet) ns(role string) string { return n.prefix + role }

// wrap runs a command in the namespace role.
func (n *natNet) wrap(role string) []string { return []string{"ip", "netns", "exec", n.ns(role)} }

func (n *natNet) addNS(role string) {
	n.run("ip", "netns", "add", n.ns(role))
	n.made = append(n.made, n.ns(role))
	n.in(role, "ip", "link", "set", "lo", "up")
}

// plug connects the namespace role to the public segment through its
// interface ifname with the address ip (/24).
func (n *natNet) plug(role, ifname, ip string) {
	peer := "p" + role
	n.run("ip", "link", "add", ifname, "netns", n.ns(role), "type", "veth", "peer", "name", peer, "netns", n.ns("sw"))
	n.in("sw", "ip", "link", "set", peer, "master", "br0")
	n.in("sw", "ip", "link", "set", peer, "up")
	n.in(role, "ip", "addr", "add", ip+"/24", "dev", ifname)
	n.in(role, "ip", "link", "set", ifname, "up")
}

// addNATed makes router router (public address publicIP) masquerading the
// private network 10.<net>.0.0/24, and the namespace node behind it at
// 10.<net>.0.2, routed through the router. The router forwards nothing
// new from the public side inward: only answers to what went out (with
// the mapping that keeps a free port, a port-restricted NAT). Like a home
// router, it drops what comes unasked to its own public address rather
// than answering with a reset. The masquerade options (--random-fully: a
// new random port for every destination, a symmetric NAT) are given to
// iptables.
func (n *natNet) addNATed(router, node string, net int, publicIP string, masquerade ...string) {
	n.addNS(router)
	n.plug(router, "pub", publicIP)
	n.addNS(node)
	n.run("ip", "link", "add", "priv", "netns", n.ns(router), "type", "veth", "peer", "name", "eth0", "netns", n.ns(node))
	n.in(router, "ip", "addr", "add", fmt.Sprintf("10.%d.0.1/24", net), "dev", "priv")
	n.in(router, "ip", "link", "set", "priv", "up")
	n.in(node, "ip", "addr", "add", fmt.Sprintf("10.%d.0.2/24", net), "dev", "eth0")
	n.in(node, "ip", "link", "set", "eth0", "up")
	n.in(node, "ip", "route", "add", "default", "via", fmt.Sprintf("10.%d.0.1", net))
	n.in(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	n.in(router, append([]string{"iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "pub", "-j", "MASQUERADE"}, masquerade...)...)
	n.in(router, "iptables", "-A", "FORWARD", "-i", "pub", "-o", "priv", "-m", "conntrack", "--ctstate", "NEW", "-j", "DROP")
	n.in(router, "iptables", "-A", "INPUT", "-i", "pub", "-m", "conntrack", "--ctstate", "NEW,INVALID", "-j", "DROP")
}

// fullCone makes router forward everything new that comes to its public
// address to the private address to, port for port: with the mapping that
// keeps the port, a full-cone NAT (anyone may reach the node at the
// address its hub sees).
func (n *natNet) fullCone(router, to string) {
	n.in(router, "iptables", "-t", "nat", "-A", "PREROUTING", "-i", "pub", "-j", "DNAT", "--to-destination", to)
	n.in(router, "iptables", "-I", "FORWARD", "-i", "pub", "-o", "priv", "-d", to, "-j", "ACCEPT")
}

func (n *natNet) in(role string, args ...string) {
	n.run(append(n.wrap(role), args...)...)
}

func (n *natNet) run(args ...string) {
	n.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		n.t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func (n *natNet) close() {
	for i := len(n.made) - 1; i >= 0; i-- {
		if out, err := exec.Command("ip", "netns", "del", n.made[i]).CombinedOutput(); err != nil {
			n.t.Errorf("deleting the namespace %s: %v: %s", n.made[i], err, out)
		}
	}
}
