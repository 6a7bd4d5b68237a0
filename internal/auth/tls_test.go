package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSelfSigned writes a self-signed certificate for "localhost" with
// common name cn to dir/<prefix>.crt and dir/<prefix>.key.
func writeSelfSigned(t *testing.T, dir, prefix, cn string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, prefix+".crt"), filepath.Join(dir, prefix+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestTLSConfigValidate(t *testing.T) {
	dir := t.TempDir()
	certA, keyA, _ := writeSelfSigned(t, dir, "a", "a")
	_, keyB, _ := writeSelfSigned(t, dir, "b", "b")
	garbage := writeFile(t, dir, "garbage.pem", "not pem")
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name string
		cfg  TLSConfig
		want []string // substrings of the error, one per problem; none: valid
	}{
		{"neither", TLSConfig{}, nil},
		{"valid pair", TLSConfig{CertFile: certA, KeyFile: keyA}, nil},
		{"cert only", TLSConfig{CertFile: certA}, []string{"collector.tls.key_file: must be set together"}},
		{"key only", TLSConfig{KeyFile: keyA}, []string{"collector.tls.cert_file: must be set together"}},
		{"both missing", TLSConfig{CertFile: missing, KeyFile: missing + "2"}, []string{
			"collector.tls.cert_file: stat " + missing, "collector.tls.key_file: stat " + missing + "2",
		}},
		{"mismatched pair", TLSConfig{CertFile: certA, KeyFile: keyB}, []string{"collector.tls: cannot load cert_file and key_file as a key pair"}},
		{"not PEM", TLSConfig{CertFile: garbage, KeyFile: keyA}, []string{"collector.tls: cannot load"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate("collector.tls")
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if lines := strings.Split(err.Error(), "\n"); len(lines) != len(tc.want) {
				t.Errorf("got %d problems, want %d: %v", len(lines), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestTLSServerConfig(t *testing.T) {
	if cfg, err := (TLSConfig{}).ServerConfig(); cfg != nil || err != nil {
		t.Fatalf("unconfigured ServerConfig() = %v, %v; want nil, nil", cfg, err)
	}
	dir := t.TempDir()
	certFile, keyFile, first := writeSelfSigned(t, dir, "server", "first")
	srv, err := TLSConfig{CertFile: certFile, KeyFile: keyFile}.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	if srv.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion = %x, want TLS 1.2", srv.MinVersion)
	}
	if got := handshake(t, srv, first); got != "first" {
		t.Fatalf("served certificate %q, want first", got)
	}

	// Renew in place (as cert-manager does); the next handshake serves it.
	// The new mtime is set explicitly so the test does not depend on the
	// file system's timestamp resolution.
	next := t.TempDir()
	newCert, newKey, second := writeSelfSigned(t, next, "server", "second")
	for src, dst := range map[string]string{newCert: certFile, newKey: keyFile} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
		stamp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := os.Chtimes(dst, stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	if got := handshake(t, srv, second); got != "second" {
		t.Fatalf("after renewal served %q, want second", got)
	}

	// A broken renewal keeps the working certificate.
	if err := os.WriteFile(keyFile, []byte("broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := handshake(t, srv, second); got != "second" {
		t.Fatalf("after a broken renewal served %q, want second", got)
	}

	if _, err := (TLSConfig{CertFile: certFile, KeyFile: keyFile}).ServerConfig(); err == nil {
		t.Error("ServerConfig with a broken key = nil error")
	}
}

// handshake runs a TLS handshake over an in-memory pipe, trusting only
// root, and returns the common name the server presented.
func handshake(t *testing.T, srv *tls.Config, root *x509.Certificate) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(root)
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	server := tls.Server(sc, srv)
	errc := make(chan error, 1)
	go func() { errc <- server.Handshake() }()
	client := tls.Client(cc, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: tls.VersionTLS12})
	if err := client.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
	return client.ConnectionState().PeerCertificates[0].Subject.CommonName
}
