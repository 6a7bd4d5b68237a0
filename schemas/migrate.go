package schemas

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one embedded DDL file, named NNNN_description.sql.
type Migration struct {
	Version    uint32
	Name       string
	Statements []string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot list migrations: %w", err)
	}
	out := make([]Migration, 0, len(entries))
	for _, e := range entries {
		m, err := readMigration(e.Name())
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && out[len(out)-1].Version == m.Version {
			return nil, fmt.Errorf("migration version %d is used twice", m.Version)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func readMigration(file string) (Migration, error) {
	prefix, name, ok := strings.Cut(strings.TrimSuffix(file, ".sql"), "_")
	v, err := strconv.ParseUint(prefix, 10, 32)
	if !ok || err != nil || v == 0 {
		return Migration{}, fmt.Errorf("migration %q: name must be NNNN_description.sql", file)
	}
	body, err := migrationFiles.ReadFile("migrations/" + file)
	if err != nil {
		return Migration{}, fmt.Errorf("cannot read migration %q: %w", file, err)
	}
	stmts := splitStatements(string(body))
	if len(stmts) == 0 {
		return Migration{}, fmt.Errorf("migration %q has no statements", file)
	}
	return Migration{Version: uint32(v), Name: name, Statements: stmts}, nil
}

// splitStatements drops "--" comment lines and splits on ";" at line ends.
// The native protocol takes one statement per call.
func splitStatements(body string) []string {
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	var out []string
	for _, s := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    UInt32,
    name       String,
    applied_at DateTime('UTC')
) ENGINE = MergeTree ORDER BY version`

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	Conn driver.Conn
	// DDLContext decorates the context of DDL statements (ClickHouse 18.16 needs
	// allow_experimental_low_cardinality_type=1 there). Nil means unchanged.
	DDLContext func(context.Context) context.Context
	Logger     *slog.Logger
	// Through stops Up after this version (0: apply all), so that tests can
	// store rows under an older schema and check what a migration keeps.
	Through uint32
}

// Applied returns the versions recorded in schema_migrations.
func (m *Migrator) Applied(ctx context.Context) (map[uint32]bool, error) {
	if err := m.Conn.Exec(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	rows, err := m.Conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[uint32]bool{}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("cannot scan schema_migrations: %w", err)
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// Up applies every migration not yet recorded, in order, and returns the
// versions it applied. A failed statement stops the run; since statements are
// idempotent, running Up again after fixing the cause is safe.
func (m *Migrator) Up(ctx context.Context) ([]uint32, error) {
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	applied, err := m.Applied(ctx)
	if err != nil {
		return nil, err
	}
	var done []uint32
	for _, mig := range all {
		if applied[mig.Version] || (m.Through != 0 && mig.Version > m.Through) {
			continue
		}
		if err := m.apply(ctx, mig); err != nil {
			return done, err
		}
		done = append(done, mig.Version)
	}
	return done, nil
}

func (m *Migrator) apply(ctx context.Context, mig Migration) error {
	ddl := ctx
	if m.DDLContext != nil {
		ddl = m.DDLContext(ctx)
	}
	for i, stmt := range mig.Statements {
		if err := m.Conn.Exec(ddl, stmt); err != nil {
			return fmt.Errorf("cannot apply migration %04d_%s statement %d: %w", mig.Version, mig.Name, i+1, err)
		}
	}
	if err := m.record(ctx, mig); err != nil {
		return err
	}
	if m.Logger != nil {
		m.Logger.Info("applied migration", "version", mig.Version, "name", mig.Name)
	}
	return nil
}

func (m *Migrator) record(ctx context.Context, mig Migration) error {
	// A batch with an explicit column list: INSERT ... VALUES over Exec hangs
	// on 18.16 (clickhouse-compat.md §1).
	b, err := m.Conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (version, name, applied_at)")
	if err != nil {
		return fmt.Errorf("cannot record migration %d: %w", mig.Version, err)
	}
	defer b.Close()
	if err := b.Append(mig.Version, mig.Name, time.Now().UTC()); err != nil {
		return fmt.Errorf("cannot record migration %d: %w", mig.Version, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("cannot record migration %d: %w", mig.Version, err)
	}
	return nil
}
