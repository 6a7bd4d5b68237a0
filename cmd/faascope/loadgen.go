package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/faascope/faascope/cmd/faascope/loadgen"
)

// loadgenFlags are the flags of "faascope loadgen".
type loadgenFlags struct {
	endpoint, protocol, headers, preset, workload, truth, end string
	backfill, duration                                        string
	gzip, quiet, list                                         bool
	seed                                                      uint64
	rate                                                      float64
	batch, concurrency                                        int
}

// runLoadgen sends generated FaaS traffic over OTLP and writes its truth.
func runLoadgen(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	env := envMap(environ)
	fs, fl := newLoadgenFlagSet(env, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fl.list {
		printLoadgenList(stdout)
		return nil
	}
	opts, err := fl.options(env, stderr)
	if err != nil {
		return err
	}
	truth, st, err := loadgen.Run(ctx, opts)
	if truth != nil && fl.truth != "" {
		if werr := truth.WriteFile(fl.truth); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		return err
	}
	tot := truth.Total()
	fmt.Fprintf(stdout, "sent %d spans in %d requests in %s (%.0f spans/s): %d invocations, %d cold starts, %d throttles, %d errors, %d timeouts, %.1f billed GB-s, %s .. %s\n",
		st.Spans, st.Requests, st.Elapsed.Round(time.Millisecond), float64(st.Spans)/max(st.Elapsed.Seconds(), 1e-3),
		tot.Invocations, tot.ColdStarts, tot.Throttles, tot.Errors, tot.Timeouts, tot.BilledGBSeconds,
		truth.From.Format(time.RFC3339), truth.To.Format(time.RFC3339))
	return nil
}

func newLoadgenFlagSet(env map[string]string, stderr io.Writer) (*flag.FlagSet, *loadgenFlags) {
	fl := &loadgenFlags{}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// Defaults follow the OTel exporter variables, so loadgen points where the SDKs would.
	fs.StringVar(&fl.endpoint, "endpoint", env["OTEL_EXPORTER_OTLP_ENDPOINT"], "OTLP endpoint (default 127.0.0.1:4317 for grpc, http://127.0.0.1:4318 for http/*)")
	fs.StringVar(&fl.protocol, "protocol", firstNonEmpty(env["OTEL_EXPORTER_OTLP_PROTOCOL"], loadgen.ProtocolGRPC), "grpc, http/protobuf or http/json")
	fs.BoolVar(&fl.gzip, "gzip", env["OTEL_EXPORTER_OTLP_COMPRESSION"] == "gzip", "gzip request bodies")
	fs.StringVar(&fl.headers, "headers", env["OTEL_EXPORTER_OTLP_HEADERS"], "request headers as k=v,k2=v2 (e.g. authorization=Bearer%20TOKEN)")
	fs.StringVar(&fl.preset, "preset", "demo", "built-in workload (see --list)")
	fs.StringVar(&fl.workload, "workload", "", "YAML workload file (overrides --preset)")
	fs.Uint64Var(&fl.seed, "seed", 1, "random seed: the same seed, workload and --end give the same spans")
	fs.StringVar(&fl.backfill, "backfill", "", "write this past window as fast as the target accepts, e.g. 14d, 36h")
	fs.StringVar(&fl.duration, "duration", "", "send in real time for this long, e.g. 10m")
	fs.StringVar(&fl.end, "end", "", "end of the backfill window, RFC 3339 (default now)")
	fs.Float64Var(&fl.rate, "rate", 0, "scale the workload to this many invocations per second (0: as defined)")
	fs.IntVar(&fl.batch, "batch", 1000, "spans per export request")
	fs.IntVar(&fl.concurrency, "concurrency", 8, "export requests in flight")
	fs.StringVar(&fl.truth, "truth", "", "write the ground truth as JSON to this file")
	fs.BoolVar(&fl.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&fl.list, "list", false, "list presets and span shapes, then exit")
	return fs, fl
}

func (fl *loadgenFlags) options(env map[string]string, stderr io.Writer) (loadgen.Options, error) {
	var errs []error
	w, err := fl.loadWorkload()
	errs = append(errs, err)
	backfill, err := parseDays("backfill", fl.backfill)
	errs = append(errs, err)
	duration, err := parseDays("duration", fl.duration)
	errs = append(errs, err)
	if (backfill > 0) == (duration > 0) {
		errs = append(errs, errors.New("set exactly one of --backfill and --duration"))
	}
	var end time.Time
	if fl.end != "" {
		if end, err = time.Parse(time.RFC3339, fl.end); err != nil {
			errs = append(errs, fmt.Errorf("--end: %w", err))
		}
	}
	headers, err := parseHeaders(fl.headers)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return loadgen.Options{}, err
	}
	if fl.rate > 0 {
		w = w.Scaled(fl.rate / w.MeanPerSecond())
	}
	endpoint := fl.endpoint
	if endpoint == "" {
		endpoint = "127.0.0.1:4317"
		if fl.protocol != loadgen.ProtocolGRPC {
			endpoint = "http://127.0.0.1:4318"
		}
	}
	if fl.protocol == loadgen.ProtocolGRPC {
		// OTEL_EXPORTER_OTLP_ENDPOINT carries a scheme; gRPC dials host:port.
		endpoint = strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://")
	}
	o := loadgen.Options{
		Workload: w, Seed: fl.seed, Backfill: backfill, Duration: duration, End: end,
		BatchSpans: fl.batch, Concurrency: fl.concurrency,
		Target: loadgen.Target{Endpoint: endpoint, Protocol: fl.protocol, Gzip: fl.gzip, Headers: headers,
			Timeout: 30 * time.Second, RetryFor: 5 * time.Minute},
	}
	if !fl.quiet {
		o.Progress, o.Terminal = stderr, isTerminal(stderr)
	}
	return o, nil
}

func (fl *loadgenFlags) loadWorkload() (loadgen.Workload, error) {
	if fl.workload != "" {
		return loadgen.LoadWorkload(fl.workload)
	}
	return loadgen.Preset(fl.preset)
}

// parseDays reads a Go duration that may also use days: 14d, 1d12h.
func parseDays(flagName, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var days int
	if d, rest, ok := strings.Cut(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("--%s: bad number of days in %q", flagName, s)
		}
		days, s = n, rest
	}
	var extra time.Duration
	if s != "" {
		var err error
		if extra, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("--%s: %w", flagName, err)
		}
	}
	d := time.Duration(days)*24*time.Hour + extra
	if d <= 0 {
		return 0, fmt.Errorf("--%s must be positive", flagName)
	}
	return d, nil
}

// parseHeaders reads "k=v,k2=v2" as OTEL_EXPORTER_OTLP_HEADERS spells it
// (values URL-escaped: %20 for a space).
func parseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--headers: %q is not key=value", kv)
		}
		out[strings.TrimSpace(k)] = strings.ReplaceAll(strings.TrimSpace(v), "%20", " ")
	}
	return out, nil
}

func printLoadgenList(w io.Writer) {
	fmt.Fprintln(w, "presets:")
	for _, name := range loadgen.PresetNames() {
		p, _ := loadgen.Preset(name)
		fmt.Fprintf(w, "  %-8s %d functions, %.1f invocations/s on average\n", name, len(p.Functions), p.MeanPerSecond())
	}
	fmt.Fprintln(w, "shapes:")
	for _, name := range loadgen.ShapeNames() {
		fmt.Fprintf(w, "  %-14s %s\n", name, loadgen.ShapeDoc(name))
	}
}

func envMap(environ []string) map[string]string {
	m := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
