package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `faascope: cost, cold starts and throttling of serverless functions, from OTLP traces.

Usage:
  faascope serve     [flags]   run the OTLP receivers, writer, scheduler and API
  faascope migrate   [flags]   apply the ClickHouse schema and exit
  faascope loadgen   [flags]   send realistic FaaS traffic over OTLP, with its ground truth
  faascope cost estimate [flags]   price a workload from flags with the price catalog
  faascope recommend [flags]   keep-warm recommendations of a running faascope (--replay compares policies)
  faascope report    [flags]   download a monthly billing report (CSV, JSON or HTML) from a running faascope
  faascope version             print the version

Run "faascope <command> -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the process exit code.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], environ, stderr)
	case "migrate":
		err = runMigrate(ctx, args[1:], environ, stderr)
	case "loadgen":
		err = runLoadgen(ctx, args[1:], environ, stdout, stderr)
	case "recommend":
		err = runRecommend(ctx, args[1:], environ, stdout, stderr)
	case "report":
		return runReport(ctx, args[1:], environ, stdout, stderr)
	case "cost":
		return runCost(args[1:], time.Now(), stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "faascope", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "faascope: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "faascope:", err)
		return 1
	}
	return 0
}
