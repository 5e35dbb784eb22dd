// Command kith is the kith node and command line. See 'kith help'.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kithnet/kith/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
