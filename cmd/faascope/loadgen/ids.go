package loadgen

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"time"
)

// idSource makes one function's ids: trace, span, invocation and instance
// ids, from its own seeded stream so they do not depend on other functions.
type idSource struct {
	r *rand.Rand
}

func newIDSource(seed, stream uint64) *idSource {
	return &idSource{r: rand.New(rand.NewPCG(seed, stream|1<<40))}
}

func (s *idSource) traceID() (id [16]byte) {
	for id == [16]byte{} { // all-zero ids are invalid in OTLP
		putUint64(id[:8], s.r.Uint64())
		putUint64(id[8:], s.r.Uint64())
	}
	return id
}

func (s *idSource) spanID() (id [8]byte) {
	for id == [8]byte{} {
		putUint64(id[:], s.r.Uint64())
	}
	return id
}

// uuid is a random (version 4) UUID, the form of Lambda request ids and
// Azure invocation ids.
func (s *idSource) uuid() string {
	var b [16]byte
	putUint64(b[:8], s.r.Uint64())
	putUint64(b[8:], s.r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// instanceID is faas.instance in the provider's format: the Lambda log stream
// name, the GCP metadata instance id, the Azure WEBSITE_INSTANCE_ID.
func (s *idSource) instanceID(f *Function, at time.Time) string {
	switch f.provider() {
	case "gcp":
		return "00" + strconv.FormatUint(s.r.Uint64(), 16) + strconv.FormatUint(s.r.Uint64(), 16)
	case "azure":
		var b [32]byte
		putUint64(b[0:], s.r.Uint64())
		putUint64(b[8:], s.r.Uint64())
		putUint64(b[16:], s.r.Uint64())
		putUint64(b[24:], s.r.Uint64())
		return hex.EncodeToString(b[:])
	}
	var b [16]byte
	putUint64(b[:8], s.r.Uint64())
	putUint64(b[8:], s.r.Uint64())
	return at.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(b[:])
}

func putUint64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }
