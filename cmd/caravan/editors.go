package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/caravan-news/caravan/store"
)

// cmdEditors runs `caravan editors add|list|remove`: the accounts of the
// editors' desk at /admin.
func cmdEditors(verb string) command {
	return func(ctx context.Context, env cmdEnv, args []string) error {
		return editors(ctx, env, verb, args)
	}
}

func editors(ctx context.Context, env cmdEnv, verb string, args []string) error {
	const usage = "usage: caravan editors add EMAIL (password on stdin) | editors list | editors remove EMAIL"
	cfg, pos, err := parseWithArgs("editors "+verb, env, args, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	want := map[string]int{"add": 1, "list": 0, "remove": 1}
	n, ok := want[verb]
	if !ok || len(pos) != n {
		return errors.New(usage)
	}
	var email string
	if n == 1 {
		if email, err = store.NormalizeEmail(pos[0]); err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "add":
		return editorsAdd(ctx, env, st, email)
	case "remove":
		if err := st.RemoveEditor(ctx, email); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "removed %s and ended their sessions\n", email)
		return st.Audit(ctx, store.AuditEntry{Editor: "cli", Action: "editor.remove", Subject: email})
	}
	eds, err := st.Editors(ctx)
	if err != nil {
		return err
	}
	if len(eds) == 0 {
		fmt.Fprintln(env.stdout, "no editors yet: caravan editors add EMAIL")
	}
	for _, ed := range eds {
		last := "never signed in"
		if !ed.LastLoginAt.IsZero() {
			last = "last signed in " + ed.LastLoginAt.Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(env.stdout, "%s\tadded %s\t%s\n", ed.Email, ed.CreatedAt.Format("2006-01-02"), last)
	}
	return nil
}

// editorsAdd reads the password, the first line of standard input (a prompt
// is shown when it is a terminal), and creates the account.
func editorsAdd(ctx context.Context, env cmdEnv, st *store.Store, email string) error {
	if f, ok := env.stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(env.stderr, "Password for %s (at least %d characters, shown as typed): ", email, store.MinPasswordLength)
		}
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return errors.New("no password given: write it on standard input, e.g. caravan editors add " + email + " < password.txt")
	}
	hash, err := store.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := st.AddEditor(ctx, email, hash); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "added %s: they can sign in at /admin/login\n", email)
	return st.Audit(ctx, store.AuditEntry{Editor: "cli", Action: "editor.add", Subject: email})
}
