package queue

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Config is the user configuration of the queue (YAML key "collector.queue").
// The directory is not part of it: the caller derives it from the data
// directory and passes it to Open.
type Config struct {
	// SegmentBytes is the size at which the current segment file is closed and
	// a new one started. Disk is freed a whole segment at a time, so smaller
	// segments free space sooner; larger ones mean fewer files.
	SegmentBytes int64 `yaml:"segment_bytes"`
	// MaxBytes bounds the segment files on disk, committed-but-not-yet-trimmed
	// data included. Append refuses with ErrFull rather than exceed it.
	MaxBytes int64 `yaml:"max_bytes"`
}

// minSegmentBytes makes every record fit a segment of its own, so the head
// segment never grows past SegmentBytes (see Append's size check).
const minSegmentBytes = 2 * MaxRecordBytes

// NewDefaultConfig returns 64 MiB segments and a 1 GiB bound: at ~500 bytes a
// record that is about two million records, minutes of ClickHouse downtime
// at a high ingest rate.
func NewDefaultConfig() Config {
	return Config{SegmentBytes: 64 << 20, MaxBytes: 1 << 30}
}

// Validate reports every problem at once, each with its key under
// "collector.queue".
func (c Config) Validate() error {
	var errs []error
	bad := func(key, msg string) { errs = append(errs, fmt.Errorf("collector.queue.%s: %s", key, msg)) }
	if c.SegmentBytes < minSegmentBytes {
		bad("segment_bytes", fmt.Sprintf("must be >= %d (twice the largest record), got %d", minSegmentBytes, c.SegmentBytes))
	}
	// One segment is always being written and cannot be trimmed, so the
	// queue needs room for at least one more.
	if c.MaxBytes < 2*c.SegmentBytes {
		bad("max_bytes", fmt.Sprintf("must be >= 2 * segment_bytes, got %d", c.MaxBytes))
	}
	return errors.Join(errs...)
}

// Settings is code-level wiring, not user configuration.
type Settings struct {
	Logger     *slog.Logger          // nil: logs are discarded
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
}

func (s Settings) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
