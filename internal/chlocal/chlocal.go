package chlocal

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/template"
	"time"
)

// ErrBinaryNotFound is returned (wrapped) by FindBinary and Start when no
// ClickHouse server executable can be found.
var ErrBinaryNotFound = errors.New("clickhouse server binary not found")

// installHint tells the user how to get out of ErrBinaryNotFound.
const installHint = `install ClickHouse (Debian/Ubuntu: "apt-get install -y clickhouse-server"; ` +
	`other systems: https://clickhouse.com/docs/install), set clickhouse.local.binary to its path, ` +
	`or use an external server with --clickhouse-addr host:9000 (clickhouse.addr)`

// fallbackPaths are tried after clickhouse-server on PATH (Debian installs
// it in /usr/sbin, which is often not on an unprivileged user's PATH).
// A variable so that tests can replace it.
var fallbackPaths = []string{"/usr/sbin/clickhouse-server"}

// FindBinary returns the command line prefix that runs a ClickHouse server:
// the explicit path (or name looked up on PATH) if given, else
// clickhouse-server on PATH, else /usr/sbin/clickhouse-server, else the
// multi-tool clickhouse on PATH run as "clickhouse server". A binary whose
// base name is "clickhouse" is always run with the "server" subcommand.
func FindBinary(explicit string) (cmd []string, err error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return nil, fmt.Errorf("cannot use ClickHouse binary %q (clickhouse.local.binary): %w: %w; %s",
				explicit, ErrBinaryNotFound, err, installHint)
		}
		return commandFor(p), nil
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return []string{p}, nil
	}
	for _, p := range fallbackPaths {
		if isExecutable(p) {
			return []string{p}, nil
		}
	}
	if p, err := exec.LookPath("clickhouse"); err == nil {
		return []string{p, "server"}, nil
	}
	looked := append([]string{"clickhouse-server on PATH"}, fallbackPaths...)
	looked = append(looked, "clickhouse on PATH")
	return nil, fmt.Errorf("cannot find a ClickHouse server: %w (looked for %s); %s",
		ErrBinaryNotFound, strings.Join(looked, ", "), installHint)
}

func commandFor(path string) []string {
	if filepath.Base(path) == "clickhouse" {
		return []string{path, "server"}
	}
	return []string{path}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Server is a running clickhouse-server child process.
type Server struct {
	addr     string
	httpAddr string
	dir      string
	pid      int
	logger   *slog.Logger

	proc *process
	done chan struct{} // closed after the child exited and the dir lock is released

	stopping atomic.Bool // set by Stop, so an exit without it is a crash
	stopOnce sync.Once
	stopErr  error
}

// Addr returns the native protocol address, host:port.
func (s *Server) Addr() string { return s.addr }

// HTTPAddr returns the HTTP interface address, host:port.
func (s *Server) HTTPAddr() string { return s.httpAddr }

// DataDir returns the absolute data directory.
func (s *Server) DataDir() string { return s.dir }

// PID returns the process id of the child.
func (s *Server) PID() int { return s.pid }

// Done is closed when the child process has exited, for whatever reason.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns the child's exit error once Done is closed (nil before, and
// nil for a clean exit).
func (s *Server) Err() error {
	select {
	case <-s.done:
		return s.proc.err
	default:
		return nil
	}
}

// stopGrace is how long Stop waits after SIGTERM before SIGKILL when the
// context has no earlier deadline.
const stopGrace = 10 * time.Second

// Stop sends SIGTERM to the server's process group and waits for it to exit;
// after the context's deadline (or 10s, whichever comes first) it sends
// SIGKILL. Stop is idempotent, safe for concurrent use, and returns nil when
// the server had already exited.
func (s *Server) Stop(ctx context.Context) error {
	s.stopping.Store(true)
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	select {
	case <-s.done:
		return nil
	default:
	}
	start := time.Now()
	s.proc.signal(syscall.SIGTERM)
	grace := stopGrace
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < grace {
		grace = max(time.Until(dl), 0)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-s.done:
		s.logger.Info("clickhouse-server stopped", "pid", s.pid, "took", time.Since(start).Round(time.Millisecond))
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	s.logger.Warn("clickhouse-server did not stop after SIGTERM; sending SIGKILL", "pid", s.pid, "waited", time.Since(start).Round(time.Millisecond))
	s.proc.signal(syscall.SIGKILL)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("cannot stop clickhouse-server (pid %d): still running 5s after SIGKILL", s.pid)
	}
	return fmt.Errorf("cannot stop clickhouse-server (pid %d) gracefully within %s: killed", s.pid, grace.Round(time.Millisecond))
}

// Start launches a clickhouse-server for cfg.DataDir and waits until it is
// ready (HTTP /ping answers "Ok."). ctx bounds the startup only, not the
// server's life; the returned server must be stopped with Stop. If the
// chosen ports turn out to be taken, Start retries with new ones. If the
// server exits during startup, the error carries the tail of its logs.
// A nil logger discards log output. Linux only (Pdeathsig, flock).
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "chlocal")
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("cannot start clickhouse-server: invalid config: %w", err)
	}
	argv, err := FindBinary(cfg.Binary)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve clickhouse.local.data_dir %q: %w", cfg.DataDir, err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "log")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("cannot create clickhouse data directory: %w", err)
		}
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}

	var lastErr error
	for attempt := 1; attempt <= maxStartAttempts; attempt++ {
		ports, err := pickPorts(cfg.ListenHost, 2)
		if err != nil {
			lastErr = fmt.Errorf("cannot pick free ports on %s: %w", cfg.ListenHost, err)
			break
		}
		started := time.Now()
		p, err := startOnce(ctx, argv, dir, cfg, ports[0], ports[1], logger)
		if err == nil {
			s := &Server{
				addr:     net.JoinHostPort(cfg.ListenHost, strconv.Itoa(ports[0])),
				httpAddr: net.JoinHostPort(cfg.ListenHost, strconv.Itoa(ports[1])),
				dir:      dir,
				pid:      p.cmd.Process.Pid,
				logger:   logger,
				proc:     p,
				done:     make(chan struct{}),
			}
			go func() {
				<-p.done
				_ = lock.Close() // releases the flock
				if !s.stopping.Load() {
					logger.Error("clickhouse-server exited unexpectedly", "pid", s.pid, "err", p.err,
						"log", filepath.Join(dir, "log", "error.log"))
				}
				close(s.done)
			}()
			logger.Info("clickhouse-server ready", "addr", s.addr, "http_addr", s.httpAddr, "pid", s.pid,
				"data_dir", dir, "binary", strings.Join(argv, " "), "took", time.Since(started).Round(time.Millisecond))
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errAddrInUse) {
			break
		}
		logger.Warn("clickhouse-server could not bind its ports; retrying with new ones",
			"attempt", attempt, "tcp_port", ports[0], "http_port", ports[1])
	}
	_ = lock.Close()
	return nil, lastErr
}

const maxStartAttempts = 3

var errAddrInUse = errors.New("address already in use")

// pickPorts returns n distinct free TCP ports on host. The listeners are
// closed before returning, so another process may take a port before the
// server binds it; Start retries with new ports in that case.
// A variable so that tests can force a collision.
var pickPorts = func(host string, n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// process is one launched child.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // exit error, valid after done is closed
}

func (p *process) signal(sig syscall.Signal) {
	// The child leads its own process group (Setpgid): signal the group so
	// that a watchdog parent of a modern server and its child both get it.
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

func startOnce(ctx context.Context, argv []string, dir string, cfg Config, tcpPort, httpPort int, logger *slog.Logger) (*process, error) {
	logDir := filepath.Join(dir, "log")
	configPath := filepath.Join(dir, "config.xml")
	if err := writeConfigs(dir, cfg.ListenHost, tcpPort, httpPort); err != nil {
		return nil, err
	}
	stdoutPath := filepath.Join(logDir, "stdout.log")
	out, err := os.Create(stdoutPath)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", stdoutPath, err)
	}
	defer out.Close() // the child has its own copy of the descriptor
	errorLogPath := filepath.Join(logDir, "error.log")
	var errorLogOffset int64
	if fi, err := os.Stat(errorLogPath); err == nil {
		errorLogOffset = fi.Size()
	}

	args := append(append([]string{}, argv[1:]...), "--config-file="+configPath)
	cmd := exec.Command(argv[0], args...)
	cmd.Dir = dir
	cmd.Stdout = out
	cmd.Stderr = out
	// Modern servers may fork a watchdog parent; keep a single process.
	cmd.Env = append(os.Environ(), "CLICKHOUSE_WATCHDOG_ENABLE=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	logger.Debug("starting clickhouse-server", "cmd", cmd.String(), "tcp_port", tcpPort, "http_port", httpPort)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start clickhouse-server %q: %w", argv[0], err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()

	logTail := func() string {
		var b strings.Builder
		for _, f := range []struct {
			path string
			off  int64
		}{{errorLogPath, errorLogOffset}, {stdoutPath, 0}} {
			if t := tailFile(f.path, f.off, 20); t != "" {
				fmt.Fprintf(&b, "\n--- last lines of %s ---\n%s", f.path, t)
			}
		}
		return b.String()
	}
	kill := func() {
		p.signal(syscall.SIGKILL)
		<-p.done
	}

	timeout := time.NewTimer(cfg.StartTimeout)
	defer timeout.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	pingURL := "http://" + net.JoinHostPort(cfg.ListenHost, strconv.Itoa(httpPort)) + "/ping"
	// No keep-alive: 18.16 waits for open HTTP connections at shutdown, so an
	// idle pooled connection would delay Stop by ~10s.
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		select {
		case <-p.done:
			tail := logTail()
			err := fmt.Errorf("cannot start clickhouse-server (%s, data dir %s): exited during startup (%v)%s",
				argv[0], dir, p.err, tail)
			if strings.Contains(tail, "Address already in use") {
				err = fmt.Errorf("%w: %w", errAddrInUse, err)
			}
			return nil, err
		case <-ctx.Done():
			kill()
			return nil, fmt.Errorf("cannot start clickhouse-server: %w", ctx.Err())
		case <-timeout.C:
			kill()
			return nil, fmt.Errorf("cannot start clickhouse-server (%s, data dir %s): no answer on %s within %s (clickhouse.local.start_timeout)%s",
				argv[0], dir, pingURL, cfg.StartTimeout, logTail())
		case <-tick.C:
			if ping(ctx, client, pingURL) {
				return p, nil
			}
		}
	}
}

func ping(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "Ok."
}

// tailFile returns the last n lines of path, starting at byte offset off.
func tailFile(path string, off int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const maxRead = 64 << 10
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	if fi.Size() < off { // rotated or truncated
		off = 0
	}
	if fi.Size()-off > maxRead {
		off = fi.Size() - maxRead
	}
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// lockDir takes an exclusive, non-blocking flock on dir/chlocal.lock. The
// lock is released when the returned file is closed or the process dies.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "chlocal.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("cannot start clickhouse-server: data dir %s is in use by another managed server (lock %s held by pid %s); stop it or set another clickhouse.local.data_dir",
				dir, path, strings.TrimSpace(string(owner)))
		}
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// serverMemoryLimit bounds max_memory_usage per query: half the RAM, at most
// 4 GB, at least 512 MiB.
func serverMemoryLimit() uint64 {
	const upper, lower = 4_000_000_000, 512 << 20
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return upper
	}
	half := uint64(si.Totalram) * uint64(si.Unit) / 2
	return min(max(half, lower), upper)
}

type configData struct {
	Dir        string
	ListenHost string
	TCPPort    int
	HTTPPort   int
	MaxMemory  uint64
}

// writeConfigs writes config.xml and users.xml into dir. The files only use
// keys known to 18.16 and to current servers (see clickhouse-compat.md §11):
// root <yandex>, no interserver port, no max_server_memory_usage.
func writeConfigs(dir, host string, tcpPort, httpPort int) error {
	d := configData{Dir: dir, ListenHost: host, TCPPort: tcpPort, HTTPPort: httpPort, MaxMemory: serverMemoryLimit()}
	for name, tmpl := range map[string]*template.Template{"config.xml": configTmpl, "users.xml": usersTmpl} {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, d); err != nil {
			return fmt.Errorf("cannot render %s: %w", name, err)
		}
		path := filepath.Join(dir, name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b.Bytes(), 0o640); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
	}
	return nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

var funcs = template.FuncMap{"x": xmlEscape}

var configTmpl = template.Must(template.New("config.xml").Funcs(funcs).Parse(`<?xml version="1.0"?>
<!-- Generated by faascope (internal/chlocal) at every start; edits are overwritten. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>{{x .Dir}}/log/server.log</log>
    <errorlog>{{x .Dir}}/log/error.log</errorlog>
    <size>50M</size>
    <count>2</count>
    <console>0</console>
  </logger>
  <listen_host>{{x .ListenHost}}</listen_host>
  <tcp_port>{{.TCPPort}}</tcp_port>
  <http_port>{{.HTTPPort}}</http_port>
  <path>{{x .Dir}}/data/</path>
  <tmp_path>{{x .Dir}}/tmp/</tmp_path>
  <user_files_path>{{x .Dir}}/user_files/</user_files_path>
  <format_schema_path>{{x .Dir}}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <!-- Shutdown waits for idle HTTP keep-alive connections; the built-in default is 10s. -->
  <keep_alive_timeout>3</keep_alive_timeout>
  <!-- zstd for every part instead of the default lz4: trace, span and
       invocation ids are random hex, which lz4 stores almost as is and
       zstd's entropy coding halves (docs/benchmarks.md, storage). -->
  <compression>
    <case>
      <min_part_size>0</min_part_size>
      <min_part_size_ratio>0</min_part_size_ratio>
      <method>zstd</method>
    </case>
  </compression>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <partition_by>toYYYYMM(event_date)</partition_by>
    <flush_interval_milliseconds>7500</flush_interval_milliseconds>
  </query_log>
</yandex>
`))

var usersTmpl = template.Must(template.New("users.xml").Funcs(funcs).Parse(`<?xml version="1.0"?>
<!-- Generated by faascope (internal/chlocal) at every start; edits are overwritten. -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>{{.MaxMemory}}</max_memory_usage>
      <log_queries>1</log_queries>
      <!-- Idle native connections check for shutdown every poll_interval
           seconds (default 10), which would delay Stop by up to 10s. -->
      <poll_interval>1</poll_interval>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks>
        <ip>127.0.0.1</ip>
        <ip>::1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default/>
  </quotas>
</yandex>
`))
