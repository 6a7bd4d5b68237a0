package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// reportFlags are the flags of "faascope report".
type reportFlags struct {
	apiFlags
	month, format, tenant, out string
}

// reportFormatNames are the --format values; the first is the default,
// JSON, as the API's ?format= default is: the same command line and URL
// give the same file.
var reportFormatNames = []string{"json", "csv", "html"}

func newReportFlagSet(environ []string, stderr io.Writer) (*flag.FlagSet, *reportFlags) {
	fl := &reportFlags{}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fl.apiFlags.register(fs, environ)
	fs.StringVar(&fl.month, "month", "", "the UTC month to report, YYYY-MM: a past month, or the current one for the month to date (required)")
	fs.StringVar(&fl.format, "format", reportFormatNames[0], "json (the API's default), csv (one row per function and line item) or html (a printable page)")
	fs.StringVar(&fl.out, "out", "", "write the report to this file instead of stdout")
	fs.StringVar(&fl.tenant, "tenant", "", "fail unless the token belongs to this tenant (the token decides whose report it is)")
	return fs, fl
}

// usageError is a mistake in the command line (exit code 2), as opposed
// to a failure of the API or the output (exit code 1).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// runReport downloads a monthly billing report from a running faascope,
// through its API like every client subcommand, and returns the exit
// code: 0 when written, 2 for bad flags, 1 when the API or the output
// failed.
func runReport(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	fs, fl := newReportFlagSet(environ, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // the flag package has printed the problem and the flags
	}
	err := fl.check(fs.Args())
	if err == nil {
		err = fl.download(ctx, stdout)
	}
	var usage usageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "faascope report: %v\nRun \"faascope report -h\" for the flags.\n", err)
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "faascope report:", err)
		return 1
	}
	return 0
}

// check validates the flags before anything is asked of the API.
func (fl *reportFlags) check(rest []string) error {
	switch {
	case len(rest) > 0:
		return usageError{fmt.Sprintf("unexpected arguments %q", rest)}
	case fl.month == "":
		return usageError{"--month is required, e.g. --month 2026-10"}
	case !slices.Contains(reportFormatNames, fl.format):
		return usageError{fmt.Sprintf("--format: want one of %s, got %q", strings.Join(reportFormatNames, ", "), fl.format)}
	}
	if _, err := time.Parse("2006-01", fl.month); err != nil {
		return usageError{fmt.Sprintf("--month: want YYYY-MM, got %q", fl.month)}
	}
	return nil
}

// download fetches the report and writes it where --out says.
func (fl *reportFlags) download(ctx context.Context, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, fl.timeout)
	defer cancel()
	c := fl.client()
	if err := fl.checkTenant(ctx, c); err != nil {
		return err
	}
	body, err := c.fetch(ctx, "/api/v1/reports/"+url.PathEscape(fl.month)+"?format="+fl.format)
	if err != nil {
		return err
	}
	if fl.out == "" {
		_, err = stdout.Write(body)
		return err
	}
	return writeFileAtomic(fl.out, body)
}

// checkTenant refuses a token of another tenant than --tenant. The API
// answers for the token's tenant only (a tenant in the request would let
// any token read any tenant), so --tenant cannot choose a tenant; it makes
// a script fail loudly instead of saving one tenant's bill under
// another's name.
func (fl *reportFlags) checkTenant(ctx context.Context, c apiClient) error {
	if fl.tenant == "" {
		return nil
	}
	var list struct {
		Tenant string `json:"tenant"`
	}
	if err := c.get(ctx, "/api/v1/reports", &list); err != nil {
		return err
	}
	if list.Tenant != fl.tenant {
		return fmt.Errorf("--tenant %s: the token belongs to tenant %q, and the token decides whose report the API gives; "+
			"use a token of tenant %s", fl.tenant, list.Tenant, fl.tenant)
	}
	return nil
}

// writeFileAtomic writes through a temporary file in the same directory
// and renames it, so that a failed write never leaves half a report
// under the name asked for. The file is 0600, os.CreateTemp's mode,
// whatever the umask: a bill shows what a company runs and spends, so it
// is its owner's to share (chmod it to hand it around).
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
