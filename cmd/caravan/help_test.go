package main

import (
	"context"
	"strings"
	"testing"
)

// TestEveryCommandHelpExitsZero asks every command of the table for --help,
// as `caravan CMD --help` and as `caravan help CMD`: each answers on stdout
// with its synopsis, the line of what it does, and its own flags before the
// configuration flags.
func TestEveryCommandHelpExitsZero(t *testing.T) {
	ownFlag := map[string]string{"digest send": "--frequency", "digest preview": "--email",
		"subscribers import": "--confirmed", "subscribers export": "--status"}
	for _, c := range commands() {
		if c.run == nil || c.name == "bench" {
			continue
		}
		for _, form := range [][]string{append(strings.Fields(c.name), "--help"), append([]string{"help"}, strings.Fields(c.name)...)} {
			t.Run(strings.Join(form, " "), func(t *testing.T) {
				var out, errb syncBuffer
				err := run(context.Background(), form, testEnv(t.TempDir(), nil), nil, &out, &errb)
				help := out.String()
				if err != nil || !strings.HasPrefix(help, "Usage: caravan "+c.name) || !strings.Contains(help, c.about[1:]) {
					t.Fatalf("err %v, stdout:\n%s\nstderr:\n%s", err, help, errb.String())
				}
				config := strings.Index(help, "Configuration flags")
				if c.name != "version" && (config < 0 || !strings.Contains(help, "CARAVAN_DATABASE")) {
					t.Fatalf("no configuration flags:\n%s", help)
				}
				if f := ownFlag[c.name]; f != "" {
					if i := strings.Index(help, "  "+f+" "); i < 0 || i > config {
						t.Fatalf("%s is not listed before the configuration flags:\n%s", f, help)
					}
				}
			})
		}
	}
}

func TestTopLevelHelpAndVersion(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"help flag", []string{"--help"}, "caravan digest send --frequency daily|weekly"},
		{"help word", []string{"help"}, "caravan admin token"},
		{"group", []string{"digest", "--help"}, "caravan digest preview"},
		{"version flag", []string{"--version"}, "caravan " + version},
		{"version word", []string{"version"}, "caravan " + version},
		{"bench", []string{"bench", "signup", "--help"}, "--clients"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb syncBuffer
			if err := run(context.Background(), tc.args, testEnv(t.TempDir(), nil), nil, &out, &errb); err != nil || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("err %v, stdout:\n%s", err, out.String())
			}
		})
	}
}

// TestStrayWordsAreErrors: a word a command does not take is an error, not a
// reason to ignore the flags after it.
func TestStrayWordsAreErrors(t *testing.T) {
	cases := [][]string{
		{"serve", "extra", "--addr", "127.0.0.1:0"},
		{"migrate", "now"},
		{"digest", "send", "daily", "--frequency", "daily"},
		{"feeds", "poll", "all"},
		{"subscribers", "export", "x.csv"},
		{"digest", "sned"},
		{"digest"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb syncBuffer
			err := run(context.Background(), args, testEnv(t.TempDir(), nil), nil, &out, &errb)
			if err == nil || strings.Contains(out.String(), "listening") {
				t.Fatalf("err %v, stdout:\n%s", err, out.String())
			}
		})
	}
}
