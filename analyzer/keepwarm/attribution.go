package keepwarm

import "time"

// cause is why a call would start cold (§5.3c).
type cause uint8

const (
	// causeOther: platform recycling or noise (a short gap with nothing in
	// flight leaves the last instance idle and alive), or the first call seen.
	causeOther    cause = iota
	causeIdle           // after a zero-concurrency gap ≥ T_safe
	causeScaleOut       // executions in flight: no idle instance to take it
	causeDeploy         // the first call of a new version
)

// causes labels every call by what a cold start of it would be; which calls
// actually started cold depends on the policy replayed. Only cold calls
// change version counts as deploy: a warm call of a new version means the
// platform kept an instance, which is not a cold start to attribute.
func causes(calls []call, safe time.Duration) []cause {
	out := make([]cause, len(calls))
	prevVersion := ""
	for i := range calls {
		c := &calls[i]
		switch {
		case i > 0 && c.version != prevVersion && c.cold:
			out[i] = causeDeploy
		case c.inFlight > 0:
			out[i] = causeScaleOut
		case c.gap >= safe:
			out[i] = causeIdle
		}
		prevVersion = c.version
	}
	return out
}

// attribution counts the observed cold starts by cause.
type attribution struct{ idle, scaleOut, deploy, other int }

func attribute(calls []call, cs []cause) attribution {
	var a attribution
	for i := range calls {
		if !calls[i].cold {
			continue
		}
		switch cs[i] {
		case causeIdle:
			a.idle++
		case causeScaleOut:
			a.scaleOut++
		case causeDeploy:
			a.deploy++
		default:
			a.other++
		}
	}
	return a
}

func (a attribution) total() int { return a.idle + a.scaleOut + a.deploy + a.other }
