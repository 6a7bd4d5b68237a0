package collector

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// selfSigned returns a server config for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "faascope-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func TestReceiversServeTLS(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	sink := &sinkWriter{}
	set := Settings{TLS: serverTLS}
	in := NewIngester(NewNormalizer(NormalizerOptions{}), sink, testLimits(), set)

	hr := NewHTTPReceiver("127.0.0.1:0", testLimits(), in, set)
	if err := hr.Start(); err != nil {
		t.Fatal(err)
	}
	defer hr.Shutdown(context.Background())
	body := protoSpans(t, 2)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post("https://"+hr.Addr()+TracesPath, contentProto, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTPS export: %d", resp.StatusCode)
	}
	if resp, err := http.Post("http://"+hr.Addr()+TracesPath, contentProto, bytes.NewReader(body)); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("a plain-text export was accepted by a TLS receiver")
		}
	}

	gr := NewGRPCReceiver("127.0.0.1:0", testLimits(), in, set)
	if err := gr.Start(); err != nil {
		t.Fatal(err)
	}
	defer gr.Shutdown(context.Background())
	cc, err := grpc.NewClient(gr.Addr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool})))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if _, err := ptraceotlp.NewGRPCClient(cc).Export(context.Background(), ptraceotlp.NewExportRequestFromTraces(lambdaTraces(3, 0))); err != nil {
		t.Errorf("gRPC export over TLS: %v", err)
	}
	if sink.count() != 5 {
		t.Errorf("%d records stored, want 2 + 3", sink.count())
	}
}
