package keepwarm

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/faascope/faascope/billing"
)

// model is the platform the replay imitates (§6.1): a deterministic idle
// lifetime, one request per instance (Lambda, Cloud Run functions 1st gen:
// §4.3), the function's median init for every simulated cold start, and the
// billing plan's metering.
type model struct {
	origin     time.Time
	evict      time.Duration
	init       time.Duration
	memoryMB   uint32
	meter      billing.Meter
	hold       time.Duration // a lone ping's hold
	delay      time.Duration // each of k > 1 pings' hold
	rho1, rhoK float64
	seed       uint64
}

// ping is one firing of a keep-warm schedule: k concurrent warm-up calls.
type ping struct {
	at time.Duration
	k  int
}

// levelStep sets the reserved capacity to n from at on.
type levelStep struct {
	at time.Duration
	n  int
}

// plan is one policy to replay.
type plan struct {
	name      string
	pings     []ping
	levels    []levelStep
	reserve   string        // the reserved action the levels are priced as, "" for none
	keepAlive time.Duration // > 0: a fixed provider keep-alive instead of the model's lifetime
	hybrid    bool          // the provider-side hybrid histogram decides the windows
}

// instance is one execution environment. An idle instance is warm from
// readyAt (the end of its last execution, or a hybrid pre-warm) until
// evictAt; reserved instances never expire.
type instance struct {
	busyUntil, readyAt, evictAt time.Duration
	reserved, ping              bool
}

// usage is what the replay bills, in the units billing.UsageLine takes.
type usage struct {
	requests, billedMBms, initMBms uint64
	billedMs                       uint64        // on-demand billed duration, for CPU-priced plans
	pcMBms                         uint64        // executions served by provisioned concurrency (AWS)
	reservedTime                   time.Duration // Σ level × time enabled
	reservedIdle                   time.Duration // reserved instances' idle time
}

// tally is what a replay counts inside the measured window.
type tally struct {
	calls, cold, pings, pingCold, collisions int
	firings                                  int
	idle                                     time.Duration
	coldByDay                                []int
	cold1                                    []bool // per call index: started cold
	use                                      usage
}

// replay runs one plan over the calls, counting only [from, to).
type replay struct {
	m        *model
	p        *plan
	from, to time.Duration
	pool     []*instance // on-demand, most recently used last
	reserved []*instance
	level    int
	levelAt  time.Duration
	rng      *rand.Rand
	hist     hybridHistogram
	finished time.Duration // end of the latest execution so far, -1 before any
	out      tally
}

// run replays calls (sorted by arrival) under p and counts [from, to).
func run(m *model, p *plan, calls []call, from, to time.Duration) tally {
	r := &replay{m: m, p: p, from: from, to: to, levelAt: from, finished: -1, rng: rand.New(rand.NewPCG(m.seed, 0x6b77))}
	r.out.coldByDay = make([]int, int(math.Ceil((to-from).Hours()/24)))
	r.out.cold1 = make([]bool, len(calls))
	var pi, li int
	for i := range calls {
		if calls[i].at >= to {
			break
		}
		pi, li = r.advance(calls[i].at, pi, li)
		r.arrive(i, &calls[i])
	}
	r.advance(to, pi, li)
	r.close()
	return r.out
}

// advance applies the level steps and pings due by t, in time order.
func (r *replay) advance(t time.Duration, pi, li int) (int, int) {
	for {
		hasPing := pi < len(r.p.pings) && r.p.pings[pi].at < t
		hasStep := li < len(r.p.levels) && r.p.levels[li].at <= t
		switch {
		case hasStep && (!hasPing || r.p.levels[li].at <= r.p.pings[pi].at):
			r.setLevel(r.p.levels[li])
			li++
		case hasPing:
			r.fire(r.p.pings[pi])
			pi++
		default:
			return pi, li
		}
	}
}

func (r *replay) inWindow(t time.Duration) bool { return t >= r.from && t < r.to }

// addIdle counts an idle span clipped to the window.
func (r *replay) addIdle(inst *instance, a, b time.Duration) {
	a, b = max(a, r.from), min(b, r.to)
	if b <= a {
		return
	}
	r.out.idle += b - a
	if inst.reserved {
		r.out.use.reservedIdle += b - a
	}
}

// expire evicts the on-demand instances whose lifetime has run out.
func (r *replay) expire(t time.Duration) {
	kept := r.pool[:0]
	for _, in := range r.pool {
		if in.busyUntil <= t && in.evictAt <= t {
			r.addIdle(in, in.readyAt, in.evictAt)
			continue
		}
		kept = append(kept, in)
	}
	clear(r.pool[len(kept):])
	r.pool = kept
}

// take returns a free warm instance, reserved capacity first (it absorbs
// arrivals before on-demand, §6.1), then the most recently used on-demand
// one; nil means a new instance, a cold start.
func (r *replay) take(t time.Duration) *instance {
	for _, in := range r.reserved {
		if in.busyUntil <= t {
			r.addIdle(in, in.readyAt, t)
			return in
		}
	}
	for i := len(r.pool) - 1; i >= 0; i-- {
		in := r.pool[i]
		if in.busyUntil <= t && in.readyAt <= t {
			r.addIdle(in, in.readyAt, t)
			copy(r.pool[i:], r.pool[i+1:])
			r.pool[len(r.pool)-1] = in
			return in
		}
	}
	return nil
}

func (r *replay) spawn() *instance {
	in := &instance{}
	r.pool = append(r.pool, in)
	return in
}

// release sets when a busy instance becomes idle and when it expires.
func (r *replay) release(in *instance, end time.Duration) {
	in.busyUntil, in.readyAt, in.evictAt = end, end, end+r.m.evict
	switch {
	case in.reserved:
		in.evictAt = math.MaxInt64
	case r.p.hybrid:
		pre, keep := r.hist.windows()
		in.readyAt, in.evictAt = end+pre, end+pre+keep
	case r.p.keepAlive > 0:
		in.evictAt = end + r.p.keepAlive
	}
}

// arrive routes one user call.
func (r *replay) arrive(i int, c *call) {
	r.expire(c.at)
	if r.p.hybrid && r.finished >= 0 && c.at >= r.finished {
		r.hist.add(c.at - r.finished)
	}
	in := r.take(c.at)
	cold := in == nil
	if cold {
		if r.pingBusy(c.at) && r.inWindow(c.at) {
			r.out.collisions++
		}
		in = r.spawn()
	}
	var init time.Duration
	if cold {
		init = r.m.init
	}
	r.release(in, c.at+init+c.dur)
	in.ping = false
	r.finished = max(r.finished, in.busyUntil)
	if !r.inWindow(c.at) {
		return
	}
	r.out.calls++
	if cold {
		r.out.cold++
		r.out.cold1[i] = true
		r.out.coldByDay[int((c.at-r.from)/(24*time.Hour))]++
	}
	r.bill(c.at, c.dur, init, in.reserved && r.p.reserve == ActionProvisioned)
}

// pingBusy reports whether a warm-up call holds an instance at t.
func (r *replay) pingBusy(t time.Duration) bool {
	for _, pool := range [][]*instance{r.pool, r.reserved} {
		for _, in := range pool {
			if in.ping && in.busyUntil > t {
				return true
			}
		}
	}
	return false
}

// fire sends k overlapping warm-up calls. Each reaches its own instance with
// probability ρ (best-effort, §3.3); one that does not is still billed.
func (r *replay) fire(pg ping) {
	r.expire(pg.at)
	hold, rho := r.m.hold, r.m.rho1
	if pg.k > 1 {
		hold, rho = r.m.delay, r.m.rhoK
	}
	if r.inWindow(pg.at) {
		r.out.firings++
	}
	for range pg.k {
		var init time.Duration
		landed := r.rng.Float64() < rho
		if landed {
			in := r.take(pg.at)
			if in == nil {
				in, init = r.spawn(), r.m.init
			}
			r.release(in, pg.at+init+hold)
			in.ping = true
		}
		if !r.inWindow(pg.at) {
			continue
		}
		r.out.pings++
		if init > 0 {
			r.out.pingCold++
		}
		r.bill(pg.at, hold, init, false)
	}
}

// setLevel changes the reserved capacity, dropping idle instances first.
func (r *replay) setLevel(s levelStep) {
	r.expire(s.at)
	r.accrueLevel(s.at)
	for len(r.reserved) < s.n {
		r.reserved = append(r.reserved, &instance{reserved: true, readyAt: s.at, busyUntil: s.at, evictAt: math.MaxInt64})
	}
	for len(r.reserved) > s.n {
		k := len(r.reserved) - 1
		for i, in := range r.reserved {
			if in.busyUntil <= s.at {
				k = i
				r.addIdle(in, in.readyAt, s.at)
				break
			}
		}
		r.reserved = append(r.reserved[:k], r.reserved[k+1:]...)
	}
	r.level = s.n
}

// accrueLevel adds the level held since the last change, inside the window.
func (r *replay) accrueLevel(t time.Duration) {
	a, b := max(r.levelAt, r.from), min(t, r.to)
	if b > a {
		r.out.use.reservedTime += time.Duration(r.level) * (b - a)
	}
	r.levelAt = t
}

// close counts the idle time of what is still alive at the window's end.
func (r *replay) close() {
	for _, in := range r.pool {
		r.addIdle(in, in.readyAt, in.evictAt)
	}
	for _, in := range r.reserved {
		r.addIdle(in, in.readyAt, r.to)
	}
	r.accrueLevel(r.to)
}

// bill meters one execution under the plan's rules. Executions on
// provisioned concurrency are billed at the PC duration rate, without INIT.
func (r *replay) bill(at, dur, init time.Duration, provisioned bool) {
	u := &r.out.use
	u.requests++
	mt := r.m.meter.Meter(billing.Usage{Start: r.m.origin.Add(at), DurationMs: ms(dur), InitMs: ms(init), ColdStart: init > 0, MemoryMB: r.m.memoryMB})
	mbms := uint64(mt.BilledDurationMs) * uint64(mt.BilledMemoryMB)
	if provisioned {
		u.pcMBms += mbms
		return
	}
	u.billedMBms += mbms
	u.billedMs += uint64(mt.BilledDurationMs)
	if init > 0 {
		warm := r.m.meter.Meter(billing.Usage{Start: r.m.origin.Add(at), DurationMs: ms(dur), MemoryMB: r.m.memoryMB})
		u.initMBms += mbms - min(mbms, uint64(warm.BilledDurationMs)*uint64(warm.BilledMemoryMB))
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
