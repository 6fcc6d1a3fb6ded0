// Command caravan is the newsletter service: the web app, the digest scheduler
// and sender, the feed poller, and the operators' command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "caravan:", err)
		code := 1
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			code = coded.ExitCode()
		}
		os.Exit(code)
	}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `caravan: newsletter subscriptions and digests

  caravan serve                                   web app + scheduler + feed poller
  caravan digest send --frequency daily|weekly    one digest run now (for cron); safe to run twice
  caravan digest preview --email ADDR             print the digest ADDR would get now
  caravan feeds poll                              fetch all feeds once
  caravan articles import FILE.json               add articles (same JSON as the admin API)
  caravan subscribers import FILE.csv [--confirmed]   columns: email,countries,frequency,locale
  caravan subscribers export                      CSV to stdout
  caravan subscribers unsubscribe ADDR
  caravan migrate                                 apply database migrations
  caravan migrate-to postgres://...               copy the SQLite database into a new PostgreSQL one
  caravan version
  caravan bench signup|digest|scale               benchmarks that print figures

Every command takes the configuration flags (caravan serve --help lists them);
each flag defaults to its CARAVAN_* environment variable.
`

// run is the whole program: main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	env := cmdEnv{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch cmd {
	case "serve":
		return cmdServe(ctx, env, rest)
	case "migrate":
		return cmdMigrate(ctx, env, rest)
	case "migrate-to":
		return cmdMigrateTo(ctx, env, rest)
	case "bench":
		return cmdBench(ctx, env, rest)
	case "version":
		fmt.Fprintln(stdout, "caravan", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if len(rest) > 0 {
		if fn := subcommand(cmd + " " + rest[0]); fn != nil {
			return fn(ctx, env, rest[1:])
		}
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// cmdEnv is the process's surroundings, passed to every command.
type cmdEnv struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one command of the CLI: args are what follows its name.
type command func(ctx context.Context, env cmdEnv, args []string) error

// subcommand returns the two-word command called name ("digest send"), or nil.
func subcommand(name string) command {
	switch name {
	case "feeds poll":
		return cmdFeedsPoll
	case "articles import":
		return cmdArticlesImport
	case "subscribers import":
		return cmdSubscribersImport
	case "subscribers export":
		return cmdSubscribersExport
	case "subscribers unsubscribe":
		return cmdSubscribersUnsubscribe
	case "digest send":
		return cmdDigestSend
	case "digest preview":
		return cmdDigestPreview
	}
	return nil
}
