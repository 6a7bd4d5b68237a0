package analyzer_test

import (
	"context"
	"maps"
	"os"
	"testing"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/internal/chclient"
	"github.com/faascope/faascope/internal/chtest"
	"github.com/faascope/faascope/schemas"
)

func TestMain(m *testing.M) { os.Exit(chtest.Main(m)) }

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// store migrates a fresh database and inserts recs, one batch each, in the
// order given (arrival order matters for the instance tests).
func store(t *testing.T, batches ...[]schemas.Invocation) *analyzer.Reader {
	t.Helper()
	return storeIn(t, chtest.NewDatabase(t), batches...)
}

// storeIn is store on a database the test keeps, to write to it directly.
func storeIn(t *testing.T, db *chclient.Client, batches ...[]schemas.Invocation) *analyzer.Reader {
	t.Helper()
	ctx := context.Background()
	if _, err := (&schemas.Migrator{Conn: db.Conn, DDLContext: db.DDLContext}).Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, b := range batches {
		if err := schemas.InsertInvocations(ctx, db.Conn, b); err != nil {
			t.Fatal(err)
		}
	}
	return analyzer.NewReader(db.Conn, 30*time.Second)
}

type opt func(*schemas.Invocation)

func rec(fn string, at time.Duration, opts ...opt) schemas.Invocation {
	r := schemas.Invocation{
		Tenant: "t1", Provider: "aws", Platform: "aws_lambda", Region: "us-east-1", AccountID: "1",
		FunctionName: fn, Start: t0.Add(at), DurationMs: 5, Type: schemas.RecordInvocation,
		Outcome: schemas.OutcomeOK, ColdStartSource: schemas.ColdUnknown,
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func instance(id string) opt { return func(r *schemas.Invocation) { r.InstanceID = id } }
func flagged(cold bool) opt {
	return func(r *schemas.Invocation) { r.ColdStart, r.ColdStartSource = cold, schemas.ColdExplicit }
}
func outcome(o schemas.Outcome) opt { return func(r *schemas.Invocation) { r.Outcome = o } }
func throttle(r *schemas.Invocation) {
	r.Type, r.Outcome = schemas.RecordThrottle, schemas.OutcomeThrottled
}
func initSpan(r *schemas.Invocation) {
	r.Type, r.ColdStart, r.ColdStartSource = schemas.RecordInit, true, schemas.ColdInitSpan
}
func tenant(t string) opt   { return func(r *schemas.Invocation) { r.Tenant = t } }
func platform(p string) opt { return func(r *schemas.Invocation) { r.Platform = p } }

func list(t *testing.T, r *analyzer.Reader, from, to time.Duration) map[string]analyzer.FunctionSummary {
	t.Helper()
	return listRange(t, r, t0.Add(from), t0.Add(to))
}

// Ranges are answered at minute resolution: from is rounded down and to up
// to the minute, and everything inside counts exactly once.
func TestRangesAreWidenedToWholeMinutes(t *testing.T) {
	r := store(t, []schemas.Invocation{
		rec("fn", 5*time.Second), rec("fn", 59*time.Second), rec("fn", 90*time.Second, outcome(schemas.OutcomeError)),
		rec("fn", 5*time.Minute), rec("fn", 5*time.Minute+time.Second, outcome(schemas.OutcomeTimeout)),
	})
	cases := []struct {
		name                        string
		from, to                    time.Duration
		invocations, errs, timeouts uint64
	}{
		{"whole minutes", 0, 6 * time.Minute, 5, 1, 1},
		{"partial minutes at both ends widen", 30 * time.Second, 5*time.Minute + time.Second, 5, 1, 1},
		{"inside one minute is that minute", 4 * time.Second, 6 * time.Second, 2, 0, 0},
		{"end is exclusive", 0, time.Minute, 2, 0, 0},
		{"one minute", time.Minute, 2 * time.Minute, 1, 1, 0},
		{"the minute before", 4 * time.Minute, 5 * time.Minute, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := list(t, r, c.from, c.to)["fn"]
			if f.Invocations != c.invocations || f.Errors != c.errs || f.Timeouts != c.timeouts {
				t.Errorf("got %d invocations, %d errors, %d timeouts; want %d, %d, %d",
					f.Invocations, f.Errors, f.Timeouts, c.invocations, c.errs, c.timeouts)
			}
		})
	}
}

// Ranges that cut days, hours and minutes anywhere count exactly what a
// scan of the raw rows over the range widened to minutes counts: days,
// hours and minutes are each read once.
func TestCountsAreExactAcrossDayHourAndMinuteEdges(t *testing.T) {
	var recs []schemas.Invocation
	for at := 7 * time.Second; at < 76*time.Hour; at += 997 * time.Second {
		recs = append(recs, rec("fn", at))
	}
	r := store(t, recs)
	day := 24 * time.Hour
	ranges := [][2]time.Duration{
		{0, 5 * time.Hour}, // whole hours
		{13 * time.Second, 4*time.Hour + 59*time.Minute + 31*time.Second}, // hours and seconds
		{59*time.Minute + 30*time.Second, 2*time.Hour + 30*time.Second},
		{61 * time.Minute, 119 * time.Minute},                                 // inside one hour
		{2*time.Hour + 10*time.Second, 2*time.Hour + 50*time.Second},          // inside one minute
		{-10 * time.Hour, 3*day - 10*time.Hour},                               // whole days (t0 is 10:00)
		{-10*time.Hour + 17*time.Second, 3*day + 5*time.Hour + 3*time.Second}, // days, hours and seconds
		{13*time.Hour + 1, 2*day - 11*time.Hour},                              // one whole day inside
	}
	for _, rg := range ranges {
		var want uint64
		for _, x := range recs {
			from, to := analyzer.Round(t0.Add(rg[0]), t0.Add(rg[1]))
			if !x.Start.Before(from) && x.Start.Before(to) {
				want++
			}
		}
		if got := list(t, r, rg[0], rg[1])["fn"].Invocations; got != want {
			t.Errorf("[%s, %s): %d invocations, want %d", rg[0], rg[1], got, want)
		}
	}
}

// An end past the middle of its hour reads the hour less the minutes
// outside the range: a function seen only in those minutes is not listed,
// and one seen on both sides counts only its minutes inside.
func TestSubtractedMinutesLeaveNoTrace(t *testing.T) {
	r := store(t, []schemas.Invocation{
		rec("outside", 2*time.Minute), rec("outside", 3*time.Minute, throttle),
		rec("both", 4*time.Minute), rec("both", 5*time.Minute), rec("both", 30*time.Minute),
	})
	got := list(t, r, 5*time.Minute, 2*time.Hour)
	if _, ok := got["outside"]; ok || got["both"].Invocations != 2 {
		t.Fatalf("functions %v, want only both with 2 invocations", got)
	}
}

func TestColdStartsFlaggedInferredAndFromInitSpans(t *testing.T) {
	r := store(t,
		// "py" sends no flag: its instances' first invocations are its cold
		// starts. The earliest invocation of i-1 arrives last.
		[]schemas.Invocation{rec("py", 2*time.Minute, instance("i-1")), rec("py", 3*time.Minute, instance("i-2"))},
		[]schemas.Invocation{rec("py", time.Minute, instance("i-1")), rec("py", 4*time.Minute, instance("i-2"))},
		// "node" flags every invocation: nothing is inferred for it.
		[]schemas.Invocation{
			rec("node", time.Minute, instance("n-1"), flagged(true)),
			rec("node", 2*time.Minute, instance("n-1"), flagged(false)),
			rec("node", 3*time.Minute, instance("n-2"), flagged(false)),
		},
		// "java" sends neither flag nor instance; the Telemetry API's init spans tell.
		[]schemas.Invocation{rec("java", time.Minute), rec("java", 2*time.Minute), rec("java", 50*time.Second, initSpan), rec("java", 90*time.Second, initSpan)},
	)
	all := list(t, r, 0, 10*time.Minute)
	for fn, want := range map[string]uint64{"py": 2, "node": 1, "java": 2} {
		if got := all[fn].ColdStarts; got != want {
			t.Errorf("%s: %d cold starts, want %d", fn, got, want)
		}
	}
	if got := all["java"].Invocations; got != 2 {
		t.Errorf("init spans must not count as invocations: java has %d", got)
	}
	// An instance first seen before the range was cold before it, not in it.
	if got := list(t, r, 150*time.Second, 10*time.Minute)["py"].ColdStarts; got != 1 {
		t.Errorf("py from 2m30s: %d cold starts, want 1 (i-2 only)", got)
	}
}

func TestThrottlesCountAgainstTheCallee(t *testing.T) {
	r := store(t, []schemas.Invocation{
		rec("callee", time.Minute, platform("gcp_cloud_functions")),
		rec("callee", 2*time.Minute, throttle, platform("gcp_cloud_run")),
		rec("callee", 3*time.Minute, throttle, platform("gcp_cloud_run")),
		rec("never-ran", time.Minute, throttle),
	})
	all := list(t, r, 0, 10*time.Minute)
	if c := all["callee"]; c.Invocations != 1 || c.Throttles != 2 || c.Platform != "gcp_cloud_functions" {
		t.Errorf("callee = %+v, want 1 invocation, 2 throttles, the platform of its own spans", c)
	}
	if n := all["never-ran"]; n.Throttles != 1 || n.Invocations != 0 {
		t.Errorf("a function that was only throttled must still be listed: %+v", n)
	}
}

func account(a string) opt { return func(r *schemas.Invocation) { r.AccountID = a } }

// Rows without an account (throttles seen by callers, Telemetry API init
// spans) join the one function of that name with an account; with two
// candidates they stay apart rather than guess.
func TestRowsWithoutAccountJoinTheirFunction(t *testing.T) {
	r := store(t, []schemas.Invocation{
		rec("java-fn", time.Minute, instance("")),
		rec("java-fn", 2*time.Minute, initSpan, account("")),
		rec("java-fn", 3*time.Minute, initSpan, account("")),
		rec("java-fn", 4*time.Minute, throttle, account("")),
		rec("twin", time.Minute, account("1")),
		rec("twin", time.Minute, account("2")),
		rec("twin", 2*time.Minute, throttle, account("")),
	})
	all := list(t, r, 0, time.Hour)
	if c := all["java-fn"]; c.AccountID != "1" || c.Invocations != 1 || c.ColdStarts != 2 || c.Throttles != 1 {
		t.Errorf("java-fn = %+v, want account 1 with 1 invocation, 2 cold starts (init spans), 1 throttle", c)
	}
	got, err := r.Functions(context.Background(), analyzer.Filter{Tenant: "t1", From: t0, To: t0.Add(time.Hour)}, analyzer.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	twins := map[string]uint64{}
	for _, f := range got.Functions {
		if f.FunctionName == "twin" {
			twins[f.AccountID] = f.Throttles
		}
	}
	if want := map[string]uint64{"1": 0, "2": 0, "": 1}; !maps.Equal(twins, want) {
		t.Errorf("twin rows (account: throttles) = %v, want %v", twins, want)
	}
}

func TestTenantsDoNotSeeEachOther(t *testing.T) {
	r := store(t, []schemas.Invocation{rec("mine", time.Minute), rec("theirs", time.Minute, tenant("t2"))})
	all := list(t, r, 0, 10*time.Minute)
	if _, ok := all["theirs"]; ok || len(all) != 1 {
		t.Errorf("tenant t1 sees %+v", all)
	}
}

func TestFilterValidation(t *testing.T) {
	r := store(t)
	for _, f := range []analyzer.Filter{
		{Tenant: "", From: t0, To: t0.Add(time.Hour)},
		{Tenant: "t1", From: t0, To: t0},
		{Tenant: "t1", From: t0.Add(time.Hour), To: t0},
	} {
		if _, err := r.Functions(context.Background(), f, analyzer.ListOptions{}); err == nil {
			t.Errorf("filter %+v accepted", f)
		}
	}
}

func billingCatalog() *billing.Catalog { return billing.DefaultCatalog() }

// freeTierExcept applies the free tier to every account but one.
func freeTierExcept(acct string) billing.FreeTierPolicy {
	return billing.FreeTierPolicy{Default: true, Accounts: map[string]bool{acct: false}}
}
