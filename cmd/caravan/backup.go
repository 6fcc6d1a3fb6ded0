package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/caravan-news/caravan/store"
)

// cmdBackup writes a consistent copy of the live SQLite database to a new
// file, while caravan serve runs; on PostgreSQL it says to use pg_dump.
func cmdBackup(ctx context.Context, env cmdEnv, args []string) error {
	cfg, pos, err := parseWithArgs("backup", env, args, func(*flag.FlagSet) {})
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("usage: caravan backup FILE (a new file: the copy of the database)")
	}
	if store.IsPostgresURL(cfg.Database) {
		return fmt.Errorf("%w, for example: pg_dump --format=custom --file=caravan.dump %q "+
			"(restore with pg_restore --clean --dbname=...)", store.ErrBackupPostgres, store.Redact(cfg.Database))
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	size, err := st.Backup(ctx, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s backed up to %s (%d bytes), signing secret included.\n"+
		"To restore: stop caravan serve, remove %s-wal and %s-shm if present, copy %s over %s, start caravan serve.\n",
		cfg.Database, pos[0], size, cfg.Database, cfg.Database, pos[0], cfg.Database)
	return nil
}
