package queue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/faascope/faascope/schemas"
)

// Position is a place in the queue: the point just after some record. It is
// opaque; positions from one Queue are only meaningful to that Queue and to
// a later Open of the same directory.
type Position struct {
	seg uint64 // segment id
	off int64  // byte offset in the segment
	idx int64  // records before off in the segment
}

// String is for logs.
func (p Position) String() string { return fmt.Sprintf("%d:%d", p.seg, p.off) }

func (p Position) before(o Position) bool {
	return p.seg < o.seg || p.seg == o.seg && p.off < o.off
}

// Batch is records handed out by Next, in the order they were appended.
type Batch struct {
	Records []schemas.Invocation
	// End is the position after the last record; Commit(End) acknowledges
	// this batch and every earlier one.
	End Position
}

// reader is Next's state; readMu guards it.
type reader struct {
	pos Position // next record to hand out
	f   *os.File // segment fid, opened lazily
	fid uint64
	br  *bufio.Reader
	buf []byte // payload buffer, reused
}

// Next returns up to max records that follow those already returned,
// waiting until there is at least one, ctx ends or the queue is closed
// (ErrClosed). Only fsynced records are returned, strictly in Append order
// (the order in which Appends were made durable), each once per Open. A
// batch never spans two segments, so it may hold fewer than max records
// even when more are waiting.
//
// Delivery is at least once: after a restart everything after the last
// Commit is returned again, including records that were returned but not
// committed. Downstream deduplication by trace id and span id makes the
// result exactly once.
//
// Damage found while reading is skipped, logged and counted, never
// returned: a record whose frame is intact but whose content does not
// decode is skipped alone; a frame that fails its checksum makes the rest
// of its segment unreadable, so the reader moves to the next segment.
func (q *Queue) Next(ctx context.Context, max int) (Batch, error) {
	if max <= 0 {
		return Batch{}, fmt.Errorf("max must be > 0, got %d", max)
	}
	q.readMu.Lock()
	defer q.readMu.Unlock()
	for {
		seg, wait, err := q.readable()
		if err != nil {
			return Batch{}, err
		}
		if wait != nil {
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return Batch{}, ctx.Err()
			}
		}
		b, err := q.readBatch(seg, max)
		if err != nil || len(b.Records) > 0 {
			return b, err
		}
		// Only damage was skipped: look again.
	}
}

// readable returns the segment holding the reader's next record, moving the
// reader to a later segment when it has read one to its end. If there is
// nothing to read it returns a channel closed once there may be.
func (q *Queue) readable() (segment, <-chan struct{}, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return segment{}, nil, ErrClosed
	}
	p := &q.r.pos
	for i, s := range q.segs {
		if s.id < p.seg {
			continue
		}
		if s.id > p.seg { // p.seg was read to its end and trimmed
			*p = Position{seg: s.id}
		}
		if p.off < s.end {
			return s, nil, nil
		}
		if i+1 < len(q.segs) {
			*p = Position{seg: q.segs[i+1].id}
		}
	}
	return segment{}, q.notify, nil
}

// readBatch reads up to max records of seg from the reader's position.
// Durable frames never change and trimming never reaches past the reader,
// so the file is read without holding q.mu.
func (q *Queue) readBatch(seg segment, max int) (Batch, error) {
	if err := q.r.open(q.dir, seg.id); err != nil {
		return Batch{}, err
	}
	pos := q.r.pos
	q.r.br.Reset(io.NewSectionReader(q.r.f, pos.off, seg.end-pos.off))
	fr := frameReader{r: q.r.br, remaining: seg.end - pos.off, buf: q.r.buf}
	recs := make([]schemas.Invocation, 0, min(int64(max), seg.records-pos.idx))
	for len(recs) < max {
		payload, n, err := fr.next()
		if err == io.EOF {
			break
		}
		if isDamage(err) {
			q.logDamage(seg, pos.off, err)
			pos = Position{seg: seg.id, off: seg.end, idx: seg.records}
			break
		}
		if err != nil {
			return Batch{}, err
		}
		at := pos.off
		pos.off += n
		pos.idx++
		rec, err := DecodeRecord(payload)
		if err != nil {
			q.logDamage(seg, at, err)
			continue
		}
		recs = append(recs, rec)
	}
	q.r.buf = fr.buf
	q.r.pos = pos
	q.mu.Lock()
	q.handed = pos
	q.mu.Unlock()
	return Batch{Records: recs, End: pos}, nil
}

func isDamage(err error) bool {
	return errors.Is(err, errTruncated) || errors.Is(err, errBadLength) || errors.Is(err, errChecksum)
}

func (q *Queue) logDamage(seg segment, off int64, err error) {
	q.stats.corrupt.Inc()
	q.logger.Error("damaged record skipped", "segment", segmentPath(q.dir, seg.id), "offset", off, "err", err)
}

// open makes r.f the file of segment id.
func (r *reader) open(dir string, id uint64) error {
	if r.f != nil && r.fid == id {
		return nil
	}
	if r.f != nil {
		r.f.Close() // read-only: nothing to lose
	}
	f, err := os.Open(segmentPath(dir, id))
	if err != nil {
		r.f = nil
		return fmt.Errorf("cannot open segment for reading: %w", err)
	}
	r.f, r.fid = f, id
	if r.br == nil {
		r.br = bufio.NewReaderSize(nil, 64<<10)
	}
	return nil
}

// Commit records that everything up to pos (a Batch's End) is stored
// downstream. It persists pos before returning, so those records are not
// handed out again after a restart, and deletes segments that hold only
// committed records. Committing a position at or before the last commit is
// a no-op; a position after everything Next has returned is an error.
func (q *Queue) Commit(pos Position) error {
	q.commitMu.Lock()
	defer q.commitMu.Unlock()
	q.mu.Lock()
	closed, handed, committed := q.closed, q.handed, q.committed
	q.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case handed.before(pos):
		return fmt.Errorf("cannot commit %s: after the last record handed out (%s)", pos, handed)
	case !committed.before(pos):
		return nil
	}
	if err := writeCursor(q.dir, pos.seg, pos.off); err != nil {
		return fmt.Errorf("cannot commit %s: %w", pos, err)
	}
	q.mu.Lock()
	q.committed = pos
	trimmed := q.trim()
	q.updateGauges()
	q.mu.Unlock()
	for _, s := range trimmed {
		// The cursor already says these are committed, so a file left
		// behind is removed by the next Open.
		if err := os.Remove(segmentPath(q.dir, s.id)); err != nil {
			q.logger.Error("cannot remove committed segment", "err", err)
		}
	}
	return nil
}

// trim takes the fully committed segments off the list and returns them.
// The segment being written stays. q.mu must be held.
func (q *Queue) trim() []segment {
	c := q.committed
	n := 0
	for n < len(q.segs)-1 {
		s := q.segs[n]
		if s.id > c.seg || s.id == c.seg && c.off < s.end {
			break
		}
		q.disk -= s.bytes
		n++
	}
	trimmed := slices.Clone(q.segs[:n])
	q.segs = slices.Delete(q.segs, 0, n)
	return trimmed
}
