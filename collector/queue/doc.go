// Package queue is the collector's durable write-ahead queue: it sits between
// the OTLP receivers and the ClickHouse writer, so that an export is
// acknowledged once its records are on local disk, whether or not ClickHouse
// is up.
//
// # Contract
//
//   - Acknowledged means stored: Append returns nil only after the records
//     are written and fsynced. Concurrent Appends share one fsync (group
//     commit), so throughput does not fall as callers grow.
//   - Bounded: the segment files never exceed Config.MaxBytes; past it Append
//     fails with an error wrapping ErrFull and stores nothing, which the
//     receivers turn into a retryable "try later". Memory does not grow with
//     the number of records queued: records are read back from disk.
//   - In order, at least once: Next hands out records in the order they were
//     stored; Commit persists how far they are stored downstream. After a
//     crash or restart everything after the last persisted Commit is handed
//     out again. ClickHouse deduplication by trace id and span id turns this
//     into exactly-once storage.
//
// A receiver calls Append; one shipper goroutine loops over Next, inserts the
// batch into ClickHouse, then calls Commit(batch.End).
//
// # On-disk format
//
// The directory holds segment files named by a 20-digit, zero-padded,
// increasing id ("00000000000000000001.seg"), a "cursor" file and a "LOCK"
// file. A segment is a sequence of frames and nothing else:
//
//	uint32 little-endian  payload length (1 ... MaxRecordBytes)
//	uint32 little-endian  CRC32C (Castagnoli) of the length bytes and the payload
//	payload               one record, see AppendRecord
//
// A new segment is started before a frame that would take the current one
// past Config.SegmentBytes. Segments whose records are all committed are
// deleted. The cursor file is 24 bytes: "FQC1", the committed segment id and
// byte offset (uint64 little-endian each), and a CRC32C of those 20 bytes. It
// is replaced atomically (temp file, fsync, rename, fsync of the directory).
//
// The payload starts with a version byte (1). Version 1 lists every field of
// schemas.Invocation in declaration order: strings as uvarint length plus
// bytes, unsigned integers as uvarints, floats as 8-byte IEEE-754 bits, Start
// as varint Unix seconds plus uvarint nanoseconds, ColdStart as 0 or 1, enums
// as their strings, and Attrs as a uvarint count followed by key and value.
//
// # Recovery
//
// Open deletes the segments before the cursor and reads every frame of the
// others, checking lengths and checksums:
//
//   - Torn tail: damage in the last segment followed only by zeros or by the
//     end of the file is what a write cut short by kill -9 or power loss
//     leaves; none of it was acknowledged. It is logged, counted
//     (faascope_queue_torn_tails_total) and truncated; earlier records are kept.
//   - Corruption: any other damage means bytes that were once durable have
//     changed. Without a way to find the next frame boundary, the rest of that
//     segment is skipped; it is logged at error level and counted
//     (faascope_queue_corrupt_records_total), and later segments are read as
//     usual. A damaged last segment is never appended to again. A bit flip in
//     the final record of the last segment cannot be told from a torn write
//     and is handled as one.
//
// The same checks run when Next reads a record, so damage that appears
// while the queue is open is skipped the same way.
//
// An I/O error while writing or fsyncing stops the queue taking appends
// (after a failed fsync the kernel may have dropped the data): Append then
// fails until the queue is closed and opened again, which recovers from
// what is actually on disk.
//
// This package imports schemas only; it knows nothing of OTLP or ClickHouse.
package queue
