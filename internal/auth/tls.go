package auth

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// TLSConfig is the server certificate of one listener (e.g. YAML key
// "collector.tls"). Both files or neither: without them the listener speaks
// plain text, which is only reasonable on loopback or behind a
// TLS-terminating proxy, since bearer tokens travel in every request.
type TLSConfig struct {
	CertFile string `yaml:"cert_file"` // PEM certificate chain, leaf first
	KeyFile  string `yaml:"key_file"`  // PEM private key
}

// Enabled reports whether a certificate is configured.
func (c TLSConfig) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" }

// Validate reports every problem at once; key is this section's YAML key
// (e.g. "collector.tls"), since the same type serves several listeners.
func (c TLSConfig) Validate(key string) error {
	if !c.Enabled() {
		return nil
	}
	var errs []error
	for _, f := range []struct{ name, path string }{{"cert_file", c.CertFile}, {"key_file", c.KeyFile}} {
		if f.path == "" {
			errs = append(errs, fmt.Errorf("%s.%s: must be set together with the other of cert_file and key_file", key, f.name))
		} else if _, err := os.Stat(f.path); err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: %w", key, f.name, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
		return fmt.Errorf("%s: cannot load cert_file and key_file as a key pair: %w", key, err)
	}
	return nil
}

// ServerConfig returns the server *tls.Config, or nil when TLS is not
// configured. TLS 1.2 is the minimum (older versions are broken). The key
// pair is loaded now, so errors show at startup, and reloaded on a later
// handshake when either file's size or modification time changes, so a
// renewed certificate (cert-manager, certbot) is used without a restart; if
// the new files do not load, the previous certificate stays in use.
func (c TLSConfig) ServerConfig() (*tls.Config, error) {
	if !c.Enabled() {
		return nil, nil
	}
	r := &certReloader{certFile: c.CertFile, keyFile: c.KeyFile}
	if err := r.reload(); err != nil {
		return nil, fmt.Errorf("cannot load TLS key pair: %w", err)
	}
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: r.getCertificate,
	}, nil
}

// fileStamp identifies a version of a file without reading it.
type fileStamp struct {
	size int64
	mod  time.Time
}

type certReloader struct {
	certFile, keyFile string

	mu     sync.Mutex
	cert   *tls.Certificate
	stamps [2]fileStamp
}

func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.stat()
	if err != nil || st == r.stamps {
		return r.cert, nil
	}
	// Record the stamps even if loading fails, so a broken pair is retried
	// when the files change again rather than on every handshake. A failure
	// keeps the previous certificate: a half-written renewal (new cert, old
	// key) must not take the listener down.
	r.stamps = st
	if cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile); err == nil {
		r.cert = &cert
	}
	return r.cert, nil
}

func (r *certReloader) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reloadLocked()
}

func (r *certReloader) reloadLocked() error {
	st, err := r.stat()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return err
	}
	r.cert, r.stamps = &cert, st
	return nil
}

func (r *certReloader) stat() ([2]fileStamp, error) {
	var st [2]fileStamp
	for i, p := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(p)
		if err != nil {
			return st, err
		}
		st[i] = fileStamp{size: fi.Size(), mod: fi.ModTime()}
	}
	return st, nil
}
