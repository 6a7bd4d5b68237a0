//go:build !unix

package queue

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir only creates the lock file where flock is missing: faascope runs on
// Linux, and there the directory is really locked (lock_unix.go).
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file: %w", err)
	}
	return f, nil
}
