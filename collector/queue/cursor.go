package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// The cursor file holds the committed position: magic, segment id, offset,
// and a CRC32C of the 20 bytes before it.
const (
	cursorFile  = "cursor"
	cursorMagic = "FQC1"
	cursorLen   = 24
)

// errBadCursor: the cursor file exists but cannot be trusted.
var errBadCursor = errors.New("damaged cursor file")

// writeCursor replaces the cursor file atomically: a crash leaves either the
// old or the new position, never a mix, and once it returns the new one
// survives power loss.
func writeCursor(dir string, seg uint64, off int64) error {
	b := make([]byte, 0, cursorLen)
	b = append(b, cursorMagic...)
	b = binary.LittleEndian.AppendUint64(b, seg)
	b = binary.LittleEndian.AppendUint64(b, uint64(off))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))

	tmp := filepath.Join(dir, cursorFile+".tmp")
	if err := writeFileSync(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, cursorFile)); err != nil {
		return fmt.Errorf("cannot rename cursor file: %w", err)
	}
	return syncDir(dir)
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// readCursor returns the committed position; ok is false when none was ever
// written.
func readCursor(dir string) (seg uint64, off int64, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, cursorFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("cannot read cursor file: %w", err)
	}
	if len(b) != cursorLen || string(b[:4]) != cursorMagic ||
		crc32.Checksum(b[:20], castagnoli) != binary.LittleEndian.Uint32(b[20:]) {
		return 0, 0, false, errBadCursor
	}
	seg = binary.LittleEndian.Uint64(b[4:])
	off = int64(binary.LittleEndian.Uint64(b[12:]))
	if off < 0 {
		return 0, 0, false, errBadCursor
	}
	return seg, off, true, nil
}

// syncDir makes file creations, renames and removals in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot open directory: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cannot sync directory %s: %w", dir, err)
	}
	return nil
}
