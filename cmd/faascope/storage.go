package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chlocal"
	"github.com/faascope/faascope/schemas"
)

// storage is the ClickHouse faascope talks to, and the managed server behind
// it when no address was configured.
type storage struct {
	client *chclient.Client
	local  *chlocal.Server // nil for an external server
}

// openStorage starts the managed server when clickhouse.addr is empty, then
// connects (creating the database) and, when migrate is set, applies the schema.
func openStorage(ctx context.Context, cfg ClickHouseConfig, migrate bool, logger *slog.Logger) (*storage, error) {
	st := &storage{}
	if cfg.Addr == "" {
		local, err := chlocal.Start(ctx, cfg.Local, logger.With("component", "clickhouse-local"))
		if err != nil {
			return nil, err
		}
		st.local = local
		cfg.Addr = local.Addr()
	}
	client, err := chclient.Open(ctx, cfg.Config, logger.With("component", "clickhouse"))
	if err != nil {
		st.close(logger)
		return nil, err
	}
	st.client = client
	if migrate {
		if err := st.migrate(ctx, logger); err != nil {
			st.close(logger)
			return nil, err
		}
	}
	return st, nil
}

func (st *storage) migrate(ctx context.Context, logger *slog.Logger) error {
	m := &schemas.Migrator{Conn: st.client.Conn, DDLContext: st.client.DDLContext, Logger: logger.With("component", "migrate")}
	applied, err := m.Up(ctx)
	if err != nil {
		return fmt.Errorf("cannot migrate the schema: %w", err)
	}
	logger.Info("schema is up to date", "applied_now", len(applied), "database", st.client.Database)
	return nil
}

// crashed is closed when a managed server exits on its own; never for an external one.
func (st *storage) crashed() <-chan struct{} {
	if st.local == nil {
		return nil
	}
	return st.local.Done()
}

func (st *storage) close(logger *slog.Logger) {
	var errs []error
	if st.client != nil {
		errs = append(errs, st.client.Close())
	}
	if st.local != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		errs = append(errs, st.local.Stop(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		logger.Warn("storage did not close cleanly", "err", err)
	}
}
