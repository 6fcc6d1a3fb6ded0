package main

// commandSpec is one command of the CLI: the table below is both what
// dispatch runs and what the help shows, so a new command is one row.
type commandSpec struct {
	name  string // the words that call it: "digest send"
	args  string // what follows them in the synopsis: "--frequency daily|weekly"
	about string // one line of what it does
	run   command
}

// commands lists every command, in the order the help shows them.
func commands() []commandSpec {
	return []commandSpec{
		{"serve", "", "web app + scheduler + feed poller", cmdServe},
		{"digest send", "--frequency daily|weekly [--extra]", "one digest run now (for cron); safe to run twice", cmdDigestSend},
		{"digest preview", "--email ADDR [--html]", "print the digest ADDR would get now, text or HTML", cmdDigestPreview},
		{"digest test", "--to ADDR [--countries kg,uz] [--frequency daily] [--lang fr]", "send a test digest through the relay", cmdDigestTest},
		{"feeds poll", "", "fetch all feeds once", cmdFeedsPoll},
		{"articles import", "FILE.json", "add articles (same JSON as the admin API)", cmdArticlesImport},
		{"subscribers import", "FILE.csv [--confirmed]", "add subscribers (columns: email,countries,frequency,locale)", cmdSubscribersImport},
		{"subscribers export", "[--status STATUS]", "CSV to stdout: active subscribers, or those of --status", cmdSubscribersExport},
		{"subscribers unsubscribe", "ADDR", "unsubscribe an address at once (suppress it if unknown)", cmdSubscribersUnsubscribe},
		{"suppressions list", "[--all]", "the suppressed addresses and why (--all: lifted ones too)", cmdSuppressionsList},
		{"suppressions remove", "ADDR [--reason TEXT]", "lift a suppression, recording why", cmdSuppressionsRemove},
		{"editors add", "EMAIL", "create an editor account for /admin (password read from stdin)", cmdEditors("add")},
		{"editors list", "", "list the editor accounts", cmdEditors("list")},
		{"editors remove", "EMAIL", "remove an editor account and end its sessions", cmdEditors("remove")},
		{"admin token", "", "issue a new admin token (the old one stops working)", cmdAdminToken},
		{"backup", "FILE", "a consistent copy of the live SQLite database (on PostgreSQL: use pg_dump)", cmdBackup},
		{"migrate", "", "apply database migrations", cmdMigrate},
		{"migrate-to", "postgres://...", "copy the SQLite database into a new PostgreSQL one", cmdMigrateTo},
		{"doctor", "[--resolver HOST:PORT]", "check SPF, DKIM, DMARC, MX, the relay and https; say what to fix", cmdDoctor},
		{"bench", "signup|digest|scale|start", "benchmarks that print figures", cmdBench},
		{"version", "", "print the version (also caravan --version)", nil},
	}
}
