package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/keepwarm"
)

// recommendFlags are the flags of "faascope recommend".
type recommendFlags struct {
	apiFlags
	format, function, action, window, train string
	limit                                   int
	replay, verbose                         bool
}

func newRecommendFlagSet(environ []string, stderr io.Writer) (*flag.FlagSet, *recommendFlags) {
	fl := &recommendFlags{}
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fl.apiFlags.register(fs, environ)
	fs.StringVar(&fl.format, "format", "table", "output: table or json")
	fs.StringVar(&fl.function, "function", "", "only functions whose name matches this glob, e.g. orders-*")
	fs.StringVar(&fl.action, "action", "", "only this action (none, phase_ping, ping, ping_24x7, provisioned, ...)")
	fs.IntVar(&fl.limit, "limit", 100, "at most this many functions, the most cold starts avoided first")
	fs.BoolVar(&fl.replay, "replay", false, "also replay keep-warm policies on each function's traffic (train on --train, score the rest of --window)")
	fs.StringVar(&fl.window, "window", "14d", "replay window ending now")
	fs.StringVar(&fl.train, "train", "7d", "the part of the replay window the recommender trains on")
	fs.BoolVar(&fl.verbose, "v", false, "print each recommendation's reasons")
	return fs, fl
}

// runRecommend prints the latest keep-warm recommendations of a running
// faascope, read through its API like every client subcommand.
func runRecommend(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	fs, fl := newRecommendFlagSet(environ, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fl.format != "table" && fl.format != "json" {
		return fmt.Errorf("--format: want table or json, got %q", fl.format)
	}
	ctx, cancel := context.WithTimeout(ctx, fl.timeout)
	defer cancel()
	c := fl.client()
	var recs struct {
		Recommendations []analyzer.FunctionRecommendation `json:"recommendations"`
	}
	q := url.Values{"limit": {fmt.Sprint(fl.limit)}}
	setIf(q, "function", fl.function)
	setIf(q, "action", fl.action)
	if err := c.get(ctx, "/api/v1/recommendations?"+q.Encode(), &recs); err != nil {
		return err
	}
	replays, err := fl.replays(ctx, c, recs.Recommendations)
	if err != nil {
		return err
	}
	if fl.format == "json" {
		return writeJSON(stdout, map[string]any{"recommendations": recs.Recommendations, "replays": replays})
	}
	writeRecommendations(stdout, recs.Recommendations, fl.verbose)
	for _, r := range recs.Recommendations {
		if rp, ok := replays[r.ID]; ok {
			writeReplay(stdout, r.ID, rp)
		}
	}
	return nil
}

// replayResult is the API's answer to /functions/{id}/replay.
type replayResult struct {
	Window   string                  `json:"window"`
	Train    string                  `json:"train"`
	Policies []keepwarm.PolicyResult `json:"policies"`
}

// replays asks the API to replay each function, when --replay is set.
func (fl *recommendFlags) replays(ctx context.Context, c apiClient, recs []analyzer.FunctionRecommendation) (map[string]replayResult, error) {
	out := map[string]replayResult{}
	if !fl.replay {
		return out, nil
	}
	q := url.Values{"window": {fl.window}, "train": {fl.train}}.Encode()
	for _, r := range recs {
		var rp replayResult
		if err := c.get(ctx, "/api/v1/functions/"+url.PathEscape(r.ID)+"/replay?"+q, &rp); err != nil {
			return nil, err
		}
		out[r.ID] = rp
	}
	return out, nil
}

func writeRecommendations(w io.Writer, recs []analyzer.FunctionRecommendation, verbose bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tACTION\tSCHEDULE\tK\tAVOIDED/MONTH\tCOST/MONTH\tCONFIDENCE")
	for _, r := range recs {
		x := r.Recommendation
		action := x.Action
		if x.Reason != "" {
			action += " (" + x.Reason + ")"
		}
		sched, k := schedule(x)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t$%.4f\t%s\n", r.ID, action, sched, k,
			x.ColdStartsAvoidedPerMonth, x.AddedCostPerMonthUSD, x.Confidence)
		if verbose {
			for _, s := range x.Schedules {
				fmt.Fprintf(tw, "  EventBridge: %s (k=%d)\t\t\t\t\t\t\n", s.EventBridge, s.K)
			}
			for _, e := range x.Explanation {
				fmt.Fprintf(tw, "  - %s\t\t\t\t\t\t\n", e)
			}
		}
	}
	tw.Flush()
}

// schedule summarizes what to set up: the ping crons, or the reserved levels.
func schedule(x keepwarm.Recommendation) (string, string) {
	var crons, ks []string
	for _, s := range x.Schedules {
		crons, ks = append(crons, s.Cron), append(ks, fmt.Sprint(s.K))
	}
	for _, l := range x.Provisioned {
		crons = append(crons, fmt.Sprintf("%s %02d-%02d h: %d", l.Days, l.FromHour, l.ToHour, l.Count))
	}
	if len(crons) == 0 {
		return "-", "-"
	}
	if len(ks) == 0 {
		ks = []string{"-"}
	}
	return strings.Join(crons, "; "), strings.Join(ks, ",")
}

func writeReplay(w io.Writer, id string, rp replayResult) {
	fmt.Fprintf(w, "\nreplay of %s (train %s, score the rest of %s):\n", id, rp.Train, rp.Window)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POLICY\tINVOCATIONS\tCOLD\tPINGS\tPING COLD\tWARM GB-H\tADDED USD")
	for _, p := range rp.Policies {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.1f\t%.4f\n", p.Policy, p.Invocations, p.ColdStarts, p.Pings, p.PingColdStarts,
			p.WarmGBs/3600, p.AddedUSD)
	}
	tw.Flush()
}

// apiFlags are the flags of every subcommand that talks to a running
// faascope through its API.
type apiFlags struct {
	api, token string
	timeout    time.Duration
}

func (a *apiFlags) register(fs *flag.FlagSet, environ []string) {
	fs.StringVar(&a.api, "api", "http://127.0.0.1:8080", "URL of a running faascope API")
	fs.StringVar(&a.token, "token", lookupEnv(environ, "FAASCOPE_TOKEN"), "bearer token with the read scope (default $FAASCOPE_TOKEN)")
	fs.DurationVar(&a.timeout, "timeout", 2*time.Minute, "give up on the API after this long")
}

func (a *apiFlags) client() apiClient {
	return apiClient{base: strings.TrimRight(a.api, "/"), token: a.token}
}

// apiClient reads a running faascope's API.
type apiClient struct{ base, token string }

// maxAnswer bounds what a client subcommand reads from the API.
const maxAnswer = 64 << 20

// get fetches path and decodes its JSON answer into out.
func (c apiClient) get(ctx context.Context, path string, out any) error {
	body, err := c.fetch(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("cannot decode the answer of %s: %w", path, err)
	}
	return nil
}

// fetch GETs path and returns the body of a 200 answer; any other answer
// is an error with the API's message.
func (c apiClient) fetch(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("bad --api: %w", err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach faascope at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the answer of %s: %w", path, err)
	}
	if len(body) > maxAnswer {
		// Never hand on a cut-off file as if it were whole.
		return nil, fmt.Errorf("the answer of %s is larger than %d MiB", path, maxAnswer>>20)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
			return nil, fmt.Errorf("%s: %s (%s)", path, e.Error.Message, e.Error.Code)
		}
		return nil, fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
	}
	return body, nil
}

func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
