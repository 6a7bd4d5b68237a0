package chtest_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/faascope/faascope/internal/chtest"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

func TestAddr(t *testing.T) {
	if !strings.Contains(chtest.Addr(), ":") {
		t.Fatalf("Addr() = %q", chtest.Addr())
	}
}

func TestNewDatabaseIsFreshAndDropped(t *testing.T) {
	ctx := context.Background()
	var names []string
	t.Run("use", func(t *testing.T) {
		a, b := chtest.NewDatabase(t), chtest.NewDatabase(t)
		if a.Database == b.Database || !strings.HasPrefix(a.Database, "test_") {
			t.Fatalf("databases %q and %q", a.Database, b.Database)
		}
		names = append(names, a.Database, b.Database)
		if err := a.Conn.Exec(ctx, "CREATE TABLE t (x UInt8) ENGINE = Memory"); err != nil {
			t.Fatal(err)
		}
		var n uint64
		if err := b.Conn.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = 't'", b.Database).Scan(&n); err != nil || n != 0 {
			t.Fatalf("database %s not fresh: %d tables named t, %v", b.Database, n, err)
		}
	})
	c := chtest.NewDatabase(t)
	for _, name := range names {
		var n uint64
		if err := c.Conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s not dropped at cleanup", name)
		}
	}
}
