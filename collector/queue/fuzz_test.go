package queue

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/faascope/faascope/schemas"
)

func FuzzDecodeRecord(f *testing.F) {
	for _, rec := range append(records(0, 2, 0), schemas.Invocation{}) {
		f.Add(AppendRecord(nil, &rec))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := DecodeRecord(data)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to bytes that decode to the same thing.
		enc := AppendRecord(nil, &rec)
		again, err := DecodeRecord(enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(AppendRecord(nil, &again), enc) {
			t.Fatal("decode/encode is not stable")
		}
	})
}

// FuzzReadSegment feeds arbitrary bytes to the recovery scan and then reads
// the intact prefix it reports, as Open and Next do.
func FuzzReadSegment(f *testing.F) {
	var seg []byte
	for _, rec := range records(0, 3, 0) {
		seg = appendFrame(seg, &rec)
	}
	f.Add(seg)
	f.Add(seg[:len(seg)-5])
	f.Add(append(append([]byte{}, seg...), make([]byte, 100)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scanSegment(bytes.NewReader(data), int64(len(data)), 0)
		if err != nil {
			t.Fatalf("scan of in-memory bytes failed: %v", err)
		}
		if sc.valid > int64(len(data)) || (sc.damage == nil) != (sc.valid == int64(len(data))) {
			t.Fatalf("scan: valid %d of %d bytes, damage %v", sc.valid, len(data), sc.damage)
		}
		fr := frameReader{r: newBufReader(data[:sc.valid]), remaining: sc.valid}
		for range sc.records {
			payload, _, err := fr.next()
			if err != nil {
				t.Fatalf("intact prefix does not read back: %v", err)
			}
			_, _ = DecodeRecord(payload) // must not panic; content may be garbage
		}
	})
}

func newBufReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
