package main

import (
	"context"
	"io"
)

// runMigrate applies pending migrations and exits.
func runMigrate(ctx context.Context, args, environ []string, stderr io.Writer) error {
	cfg, err := newFlagSet("migrate", stderr, false).load(args, environ)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.Log, stderr)
	st, err := openStorage(ctx, cfg.ClickHouse, true, logger)
	if err != nil {
		return err
	}
	st.close(logger)
	return nil
}
