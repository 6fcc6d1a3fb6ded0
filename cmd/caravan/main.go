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

// run is the whole program: main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := cmdEnv{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(ctx, env, args)
	if h := (*helpShown)(nil); errors.As(err, &h) {
		fmt.Fprint(stdout, h.text)
		return nil
	}
	return err
}

// dispatch finds the command args name in the table of commands and runs it.
func dispatch(ctx context.Context, env cmdEnv, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.stderr, usage())
		return errors.New("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return help(ctx, env, args[1:])
	case "version", "-version", "--version":
		fmt.Fprintln(env.stdout, "caravan", version)
		return nil
	}
	if c, rest := findCommand(args); c != nil {
		return c.run(ctx, env, rest)
	}
	if group := commandsIn(args[0]); len(group) > 0 {
		if len(args) > 1 && isHelpFlag(args[1]) {
			return &helpShown{groupHelp(args[0], group)}
		}
		fmt.Fprint(env.stderr, groupHelp(args[0], group))
		if len(args) == 1 {
			return fmt.Errorf("caravan %s needs one of the commands above", args[0])
		}
		return fmt.Errorf("unknown command %q", args[0]+" "+args[1])
	}
	fmt.Fprint(env.stderr, usage())
	return fmt.Errorf("unknown command %q", args[0])
}

// cmdEnv is the process's surroundings, passed to every command.
type cmdEnv struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one command of the CLI: args are what follows its name.
type command func(ctx context.Context, env cmdEnv, args []string) error
