package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/schemas"
)

var (
	// ErrFull: storing the records would take the segment files past
	// max_bytes. Nothing of that call was stored; retry once the shipper has
	// committed and trimmed (receivers answer "try later").
	ErrFull = errors.New("queue is full")
	// ErrClosed: the queue has been closed.
	ErrClosed = errors.New("queue is closed")
	// ErrTooLarge: a record is over MaxRecordBytes, or one Append call is over
	// max_bytes - segment_bytes and could never fit. Retrying cannot help.
	ErrTooLarge = errors.New("too large for the queue")
)

// Queue is a durable, bounded FIFO of invocation records on local disk.
// Append may be called from any number of goroutines; Next and Commit are
// meant for one consumer (concurrent calls are safe but serialized).
type Queue struct {
	dir    string
	cfg    Config
	logger *slog.Logger
	reg    prometheus.Registerer
	stats  *stats
	lock   *os.File

	reqs       chan *appendReq
	appends    sync.WaitGroup // Append calls between admission and return
	writerDone chan struct{}
	w          writer // owned by the writer goroutine once Open returns

	mu        sync.Mutex
	segs      []segment // by id; the last one is being written
	disk      int64     // bytes in segment files
	reserved  int64     // bytes admitted by Append and not yet written
	committed Position
	handed    Position // end of everything Next has returned
	failed    error    // sticky write or fsync error
	closed    bool
	notify    chan struct{} // closed and replaced when records become readable

	readMu sync.Mutex
	r      reader

	commitMu sync.Mutex
}

// segment is what the queue knows of one segment file. Readers stop at end;
// bytes is the file size, larger than end only after damage.
type segment struct {
	id      uint64
	end     int64
	records int64 // frames before end
	bytes   int64
}

// appendReq is one Append call's frames on their way to the writer.
type appendReq struct {
	frames  []byte
	records int
	done    chan error
}

// writer is the segment being appended to, as far as it has been written;
// q.segs learns of it only once it is fsynced.
type writer struct {
	f   *os.File
	seg segment
}

// Open opens or creates the queue in dir, which it locks for its own use.
// On an existing directory it deletes committed segments, checks every frame
// of the rest, truncates a torn tail, and hands out again, from the first
// Next on, every record after the persisted commit position.
func Open(dir string, cfg Config, set Settings) (*Queue, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create queue directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	q := &Queue{
		dir: dir, cfg: cfg, logger: set.logger().With("component", "queue", "dir", dir),
		reg: set.Registerer, stats: newStats(), lock: lock,
		reqs: make(chan *appendReq, 256), writerDone: make(chan struct{}), notify: make(chan struct{}),
	}
	if err := q.recover(); err != nil {
		q.closeFiles()
		return nil, err
	}
	if q.reg != nil {
		if err := q.stats.register(q.reg); err != nil {
			q.closeFiles()
			return nil, fmt.Errorf("cannot register queue metrics: %w", err)
		}
	}
	q.updateGauges()
	q.r.pos, q.handed = q.committed, q.committed
	go q.run()
	records, bytes := q.depth()
	q.logger.Info("queue opened", "segments", len(q.segs), "replay_from", q.committed.String(),
		"depth_records", records, "depth_bytes", bytes, "disk_bytes", q.disk)
	return q, nil
}

// recover rebuilds the in-memory state from dir and opens the segment to
// append to.
func (q *Queue) recover() error {
	ids, err := listSegments(q.dir)
	if err != nil {
		return err
	}
	cseg, coff, hasCursor, err := readCursor(q.dir)
	if errors.Is(err, errBadCursor) {
		// Replaying more than needed is safe; losing records is not.
		q.logger.Error("damaged cursor file, replaying every segment", "err", err)
	} else if err != nil {
		return err
	}
	appendable := false
	for i, id := range ids {
		if hasCursor && id < cseg {
			if err := os.Remove(segmentPath(q.dir, id)); err != nil {
				return fmt.Errorf("cannot remove committed segment: %w", err)
			}
			continue
		}
		mark := int64(-1)
		if hasCursor && id == cseg {
			mark = coff
		}
		seg, sc, err := q.checkSegment(id, i == len(ids)-1, mark)
		if err != nil {
			return err
		}
		if len(q.segs) == 0 {
			q.committed = Position{seg: id}
		}
		if mark >= 0 {
			q.committed = q.cursorPosition(seg, coff, sc)
		}
		q.segs = append(q.segs, seg)
		q.disk += seg.bytes
		appendable = sc.damage == nil || sc.torn
	}
	if appendable {
		return q.openHead()
	}
	// A new id is above every id the cursor may name, or a stale cursor
	// could point into the new segment.
	next := max(q.committed.seg, cseg+1)
	if len(q.segs) > 0 {
		next = q.segs[len(q.segs)-1].id + 1
	}
	if err := q.createHead(next); err != nil {
		return err
	}
	if len(q.segs) == 0 {
		q.committed = Position{seg: next}
	}
	q.segs = append(q.segs, q.w.seg)
	return nil
}

// checkSegment scans one segment. A torn tail of the last segment is cut
// off; any other damage is logged and the segment is read only up to it.
func (q *Queue) checkSegment(id uint64, last bool, mark int64) (segment, scan, error) {
	path := segmentPath(q.dir, id)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return segment{}, scan{}, fmt.Errorf("cannot open segment: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return segment{}, scan{}, fmt.Errorf("cannot stat segment: %w", err)
	}
	sc, err := scanSegment(f, info.Size(), mark)
	if err != nil {
		return segment{}, scan{}, fmt.Errorf("cannot scan segment %s: %w", path, err)
	}
	seg := segment{id: id, end: sc.valid, records: sc.records, bytes: info.Size()}
	switch {
	case sc.damage == nil:
	case sc.torn && last:
		if err := truncateSync(f, sc.valid); err != nil {
			return segment{}, scan{}, err
		}
		seg.bytes = sc.valid
		q.stats.tornTails.Inc()
		q.logger.Warn("truncated torn tail left by an interrupted write", "segment", path,
			"offset", sc.valid, "dropped_bytes", info.Size()-sc.valid, "reason", sc.damage)
	default:
		sc.torn = false
		q.stats.corrupt.Inc()
		q.logger.Error("damaged record, skipping the rest of the segment", "segment", path,
			"offset", sc.valid, "skipped_bytes", info.Size()-sc.valid, "records_kept", sc.records, "reason", sc.damage)
	}
	return seg, sc, nil
}

func truncateSync(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("cannot truncate torn tail: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cannot sync truncated segment: %w", err)
	}
	return nil
}

// cursorPosition turns the persisted offset into a position within seg.
func (q *Queue) cursorPosition(seg segment, off int64, sc scan) Position {
	switch {
	case sc.markIdx >= 0:
		return Position{seg: seg.id, off: off, idx: sc.markIdx}
	case off >= sc.valid:
		// Damage before the committed offset: all that is readable was committed.
		return Position{seg: seg.id, off: sc.valid, idx: sc.records}
	default:
		q.logger.Error("cursor is not at a record boundary, replaying its segment", "segment", seg.id, "offset", off)
		return Position{seg: seg.id}
	}
}

func (q *Queue) openHead() error {
	seg := q.segs[len(q.segs)-1]
	f, err := os.OpenFile(segmentPath(q.dir, seg.id), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("cannot open segment for appending: %w", err)
	}
	q.w = writer{f: f, seg: seg}
	return nil
}

// createHead starts segment id and makes its directory entry durable, so a
// crash cannot lose a file whose records were acknowledged.
func (q *Queue) createHead(id uint64) error {
	f, err := os.OpenFile(segmentPath(q.dir, id), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("cannot create segment: %w", err)
	}
	q.w = writer{f: f, seg: segment{id: id}}
	return syncDir(q.dir)
}

const segmentSuffix = ".seg"

func segmentPath(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", id, segmentSuffix))
}

// listSegments returns the ids of the segment files in dir, ascending;
// other files are left alone.
func listSegments(dir string) ([]uint64, error) {
	entries, err := os.ReadDir(dir) // sorted by name, and names sort by id
	if err != nil {
		return nil, fmt.Errorf("cannot list queue directory: %w", err)
	}
	var ids []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segmentSuffix)
		if !ok || len(name) != 20 || !e.Type().IsRegular() {
			continue
		}
		if id, err := strconv.ParseUint(name, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Append stores recs and returns nil once they are fsynced: after a crash
// they are handed out again unless committed. Concurrent calls share one
// fsync. An error wrapping ErrFull or ErrClosed means nothing was stored;
// ErrTooLarge is permanent. If ctx ends while the fsync is under way the
// records may or may not be stored, so the caller must treat them as not
// acknowledged (a retry can then store them twice; downstream dedup by trace
// and span id removes the copy). recs is not kept after Append returns.
func (q *Queue) Append(ctx context.Context, recs []schemas.Invocation) error {
	if len(recs) == 0 {
		return nil
	}
	frames, err := q.encode(recs)
	if err != nil {
		return err
	}
	if err := q.admit(int64(len(frames)), len(recs)); err != nil {
		return err
	}
	defer q.appends.Done()
	req := &appendReq{frames: frames, records: len(recs), done: make(chan error, 1)}
	select {
	case q.reqs <- req:
	case <-ctx.Done():
		q.mu.Lock()
		q.reserved -= int64(len(frames))
		q.mu.Unlock()
		return fmt.Errorf("cannot append records: %w", ctx.Err())
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("cannot confirm append, records may or may not be stored: %w", ctx.Err())
	}
}

// encode frames recs in the caller's goroutine, so that encoding runs in
// parallel and only the write itself is serial.
func (q *Queue) encode(recs []schemas.Invocation) ([]byte, error) {
	frames := make([]byte, 0, 512*len(recs))
	for i := range recs {
		start := len(frames)
		frames = appendFrame(frames, &recs[i])
		if n := len(frames) - start - frameHeaderLen; n > MaxRecordBytes {
			return nil, fmt.Errorf("cannot append record %d of %d bytes (limit %d): %w", i, n, MaxRecordBytes, ErrTooLarge)
		}
	}
	// The segment being written holds at most SegmentBytes, so a call within
	// this limit always fits once everything before it is committed.
	if limit := q.cfg.MaxBytes - q.cfg.SegmentBytes; int64(len(frames)) > limit {
		return nil, fmt.Errorf("cannot append %d records of %d bytes (limit %d): %w", len(recs), len(frames), limit, ErrTooLarge)
	}
	return frames, nil
}

// admit reserves disk space for an Append and registers it with Close.
func (q *Queue) admit(size int64, records int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return ErrClosed
	case q.failed != nil:
		return q.failedErr()
	case q.disk+q.reserved+size > q.cfg.MaxBytes:
		q.stats.refused.Add(float64(records))
		return fmt.Errorf("cannot append %d records (%d bytes, %d of %d in use): %w",
			records, size, q.disk+q.reserved, q.cfg.MaxBytes, ErrFull)
	}
	q.reserved += size
	q.appends.Add(1)
	return nil
}

func (q *Queue) failedErr() error {
	return fmt.Errorf("queue stopped after a write error, reopen it to recover: %w", q.failed)
}

// run is the writer goroutine: it takes every request waiting, writes them
// all, and fsyncs once for the group. While it fsyncs, new requests queue up
// and form the next group, so the fsync rate stays flat as callers grow.
func (q *Queue) run() {
	defer close(q.writerDone)
	for req := range q.reqs {
		group := []*appendReq{req}
	gather:
		for {
			select {
			case r, ok := <-q.reqs:
				if !ok {
					break gather
				}
				group = append(group, r)
			default:
				break gather
			}
		}
		err := q.writeGroup(group)
		for _, r := range group {
			r.done <- err
		}
	}
}

// writeGroup makes a group durable and then visible to readers. After an
// I/O error the queue refuses further appends: after a failed fsync Linux
// may have dropped the dirty pages, so what is on disk is unknown until the
// next Open checks it.
func (q *Queue) writeGroup(group []*appendReq) error {
	var size int64
	records := 0
	for _, r := range group {
		size += int64(len(r.frames))
		records += r.records
	}
	q.mu.Lock()
	err := q.failed
	q.mu.Unlock()
	var sealed []segment
	if err == nil {
		sealed, err = q.write(group)
	}
	if err == nil {
		err = q.sync()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reserved -= size
	if err != nil {
		if q.failed == nil {
			q.failed = err
			q.logger.Error("write failed, refusing appends until reopened", "err", err)
		}
		return q.failedErr()
	}
	q.publish(append(sealed, q.w.seg))
	q.stats.appended.Add(float64(records))
	return nil
}

// write appends the group's frames, rolling to a new segment before a frame
// that would take the current one past SegmentBytes. It returns the
// segments it finished.
func (q *Queue) write(group []*appendReq) ([]segment, error) {
	var sealed []segment
	for _, r := range group {
		for b := r.frames; len(b) > 0; {
			n, frames := q.fitting(b)
			if n == 0 {
				done, err := q.roll()
				if err != nil {
					return nil, err
				}
				sealed = append(sealed, done)
				continue
			}
			if _, err := q.w.f.Write(b[:n]); err != nil {
				return nil, fmt.Errorf("cannot write segment: %w", err)
			}
			q.w.seg.end += int64(n)
			q.w.seg.bytes += int64(n)
			q.w.seg.records += int64(frames)
			b = b[n:]
		}
	}
	return sealed, nil
}

// fitting returns how many bytes (and frames) from the start of b fit in the
// current segment. The first frame of an empty segment always fits, so every
// segment holds at least one record.
func (q *Queue) fitting(b []byte) (n, frames int) {
	for n < len(b) {
		next := n + frameLen(b[n:])
		if q.w.seg.end+int64(next) > q.cfg.SegmentBytes && q.w.seg.end+int64(n) > 0 {
			break
		}
		n, frames = next, frames+1
	}
	return n, frames
}

// roll finishes the current segment durably and starts the next one.
func (q *Queue) roll() (segment, error) {
	if err := q.sync(); err != nil {
		return segment{}, err
	}
	done := q.w.seg
	err := q.w.f.Close()
	q.w.f = nil
	if err != nil {
		return segment{}, fmt.Errorf("cannot close segment: %w", err)
	}
	return done, q.createHead(done.id + 1)
}

func (q *Queue) sync() error {
	q.stats.fsyncs.Inc()
	if err := q.w.f.Sync(); err != nil {
		return fmt.Errorf("cannot fsync segment: %w", err)
	}
	return nil
}

// publish makes fsynced segments visible to readers: the first updates the
// segment that was being written, later ones are new. q.mu must be held.
func (q *Queue) publish(segs []segment) {
	for _, s := range segs {
		last := &q.segs[len(q.segs)-1]
		if last.id == s.id {
			q.disk += s.bytes - last.bytes
			*last = s
		} else {
			q.disk += s.bytes
			q.segs = append(q.segs, s)
		}
	}
	q.updateGauges()
	if !q.closed { // Close has closed notify already
		close(q.notify)
		q.notify = make(chan struct{})
	}
}

// updateGauges recomputes the gauges; q.mu must be held. It walks the
// segment list, which holds at most max_bytes / segment_bytes entries.
func (q *Queue) updateGauges() {
	records, bytes := q.depth()
	q.stats.depthRecords.Set(float64(records))
	q.stats.depthBytes.Set(float64(bytes))
	q.stats.diskBytes.Set(float64(q.disk))
	q.stats.segments.Set(float64(len(q.segs)))
}

// depth counts the records and bytes after the committed position.
func (q *Queue) depth() (records, bytes int64) {
	c := q.committed
	for _, s := range q.segs {
		switch {
		case s.id > c.seg:
			records, bytes = records+s.records, bytes+s.end
		case s.id == c.seg:
			records, bytes = records+s.records-c.idx, bytes+s.end-c.off
		}
	}
	return records, bytes
}

// Close stops the queue: new Appends fail with ErrClosed, Appends already
// admitted finish (their records are fsynced), and a Next waiting for
// records returns ErrClosed. Nothing committed or stored is lost; Open on
// the same directory continues where the queue stopped. Close is
// idempotent.
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	close(q.notify)
	q.mu.Unlock()

	q.appends.Wait()
	close(q.reqs)
	<-q.writerDone
	q.readMu.Lock() // a Next under way finishes reading first
	defer q.readMu.Unlock()
	q.commitMu.Lock() // so does a Commit
	defer q.commitMu.Unlock()
	if q.reg != nil {
		q.stats.unregister(q.reg)
	}
	err := q.closeFiles()
	q.logger.Info("queue closed", "committed", q.committed.String())
	return err
}

// closeFiles closes what Open opened; the lock goes last.
func (q *Queue) closeFiles() error {
	var errs []error
	for _, f := range []*os.File{q.r.f, q.w.f, q.lock} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	return errors.Join(errs...)
}
