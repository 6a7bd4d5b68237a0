package queue

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/faascope/faascope/schemas"
)

// MaxRecordBytes bounds one encoded record. Append refuses larger records
// with ErrTooLarge, and readers treat a larger length field as damage, so a
// corrupt length can never make them allocate more than this.
const MaxRecordBytes = 1 << 20

// frameHeaderLen is the length (uint32) and checksum (uint32) before each payload.
const frameHeaderLen = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Why a frame could not be read. errTruncated is what an interrupted write
// leaves; the other two are damage to bytes that were once written whole.
var (
	errTruncated = errors.New("frame runs past the end of the segment")
	errBadLength = errors.New("frame length out of range")
	errChecksum  = errors.New("frame checksum mismatch")
)

// appendFrame appends rec framed as length, CRC32C and payload. The checksum
// covers the length too, so a damaged length is caught even when the bytes
// it then points at happen to be consistent.
func appendFrame(dst []byte, rec *schemas.Invocation) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, frameHeaderLen)...)
	dst = AppendRecord(dst, rec)
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start-frameHeaderLen))
	binary.LittleEndian.PutUint32(dst[start+4:], frameChecksum(dst[start:start+4], dst[start+frameHeaderLen:]))
	return dst
}

func frameChecksum(length, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(length, castagnoli), castagnoli, payload)
}

// frameLen is the full length of the well-formed frame at the start of b.
func frameLen(b []byte) int {
	return frameHeaderLen + int(binary.LittleEndian.Uint32(b))
}

// frameReader reads frames from a byte range of a segment, reusing one
// payload buffer; remaining is what the range still holds.
type frameReader struct {
	r         *bufio.Reader
	remaining int64
	buf       []byte
	header    [frameHeaderLen]byte
}

// next returns the next payload, valid until the following call, and its
// frame length. It returns io.EOF exactly at the end of the range.
func (fr *frameReader) next() ([]byte, int64, error) {
	if fr.remaining == 0 {
		return nil, 0, io.EOF
	}
	if fr.remaining < frameHeaderLen {
		return nil, 0, errTruncated
	}
	if err := fr.read(fr.header[:]); err != nil {
		return nil, 0, err
	}
	n := int64(binary.LittleEndian.Uint32(fr.header[:4]))
	if n == 0 || n > MaxRecordBytes {
		return nil, frameHeaderLen, fmt.Errorf("%w: %d", errBadLength, n)
	}
	if n > fr.remaining {
		return nil, 0, errTruncated
	}
	if cap(fr.buf) < int(n) {
		fr.buf = make([]byte, n)
	}
	payload := fr.buf[:n]
	if err := fr.read(payload); err != nil {
		return nil, 0, err
	}
	if frameChecksum(fr.header[:4], payload) != binary.LittleEndian.Uint32(fr.header[4:]) {
		return nil, frameHeaderLen + n, errChecksum
	}
	return payload, frameHeaderLen + n, nil
}

func (fr *frameReader) read(p []byte) error {
	if _, err := io.ReadFull(fr.r, p); err != nil {
		return fmt.Errorf("cannot read segment: %w", err)
	}
	fr.remaining -= int64(len(p))
	return nil
}

// scan is what scanSegment learned about a segment.
type scan struct {
	valid   int64 // bytes of whole, intact frames from the start
	records int64 // frames in valid
	markIdx int64 // frames before the offset mark, -1 if mark is not a frame boundary
	damage  error // why scanning stopped before the end, nil if it did not
	torn    bool  // the damage reaches the end of the file: an interrupted write
}

// scanSegment checks every frame of a segment of size bytes and finds where
// its intact prefix ends. Damage counts as torn when nothing but zeros
// follows the damaged frame: a write that was cut short leaves a partial
// frame, or whole pages of zeros where the file was extended but its data
// never reached the disk. Anything else after the damage means bytes that
// were once complete changed: corruption.
func scanSegment(r io.Reader, size, mark int64) (scan, error) {
	fr := frameReader{r: bufio.NewReaderSize(r, 64<<10), remaining: size}
	s := scan{markIdx: -1}
	for {
		if s.valid == mark {
			s.markIdx = s.records
		}
		_, n, err := fr.next()
		switch {
		case err == io.EOF:
			return s, nil
		case errors.Is(err, errTruncated):
			s.damage, s.torn = err, true
			return s, nil
		case errors.Is(err, errBadLength), errors.Is(err, errChecksum):
			s.damage = err
			zeros, zerr := restIsZero(fr.r, fr.remaining)
			s.torn = zeros
			return s, zerr
		case err != nil:
			return s, err
		}
		s.valid += n
		s.records++
	}
}

func restIsZero(r *bufio.Reader, n int64) (bool, error) {
	for n > 0 {
		b, err := r.Peek(int(min(n, int64(r.Size()))))
		if err != nil {
			return false, fmt.Errorf("cannot read segment: %w", err)
		}
		for _, c := range b {
			if c != 0 {
				return false, nil
			}
		}
		if _, err := r.Discard(len(b)); err != nil {
			return false, fmt.Errorf("cannot read segment: %w", err)
		}
		n -= int64(len(b))
	}
	return true, nil
}
