package collector

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/faascope/faascope/internal/auth"
)

const (
	ingestToken = "ingest-token-0123456789abcdef"
	readToken   = "read-token-0123456789abcdef"
)

func testAuth(t *testing.T) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(auth.Config{Tokens: []auth.TokenConfig{
		{Name: "exporters", Token: ingestToken, Scopes: []auth.Scope{auth.ScopeIngest}, Tenant: "acme"},
		{Name: "grafana", Token: readToken, Scopes: []auth.Scope{auth.ScopeRead}, Tenant: "acme"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func authIngester(t *testing.T, w RecordWriter) *Ingester {
	return NewIngester(NewNormalizer(NormalizerOptions{}), w, testLimits(), Settings{Auth: testAuth(t)})
}

func TestHTTPExportNeedsAnIngestToken(t *testing.T) {
	sink := &sinkWriter{}
	h := NewHTTPReceiver("127.0.0.1:0", testLimits(), authIngester(t, sink), Settings{}).Handler()
	body, err := ptraceotlp.NewExportRequestFromTraces(lambdaTraces(2, 0)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, header string
		status       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "Bearer not-a-token-of-ours-at-all", http.StatusUnauthorized},
		{"read-only token", "Bearer " + readToken, http.StatusForbidden},
		{"ingest token", "Bearer " + ingestToken, http.StatusOK},
	} {
		req := httptest.NewRequest(http.MethodPost, TracesPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentProto)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.status {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.status)
		}
		if c.status == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	if sink.count() != 2 {
		t.Fatalf("%d records stored, want the 2 of the authorized export only", sink.count())
	}
	for _, r := range sink.recs {
		if r.Tenant != "acme" {
			t.Errorf("record tenant %q, want the token's tenant acme", r.Tenant)
		}
	}
}

func TestGRPCExportNeedsAnIngestToken(t *testing.T) {
	sink := &sinkWriter{}
	r := NewGRPCReceiver("127.0.0.1:0", testLimits(), authIngester(t, sink), Settings{})
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	cc, err := grpc.NewClient(r.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := ptraceotlp.NewGRPCClient(cc)
	for _, c := range []struct {
		name, header string
		code         codes.Code
	}{
		{"no token", "", codes.Unauthenticated},
		{"read-only token", "Bearer " + readToken, codes.PermissionDenied},
		{"ingest token", "Bearer " + ingestToken, codes.OK},
	} {
		ctx := context.Background()
		if c.header != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", c.header)
		}
		_, err := client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(lambdaTraces(3, 0)))
		if got := status.Code(err); got != c.code {
			t.Errorf("%s: %s, want %s", c.name, got, c.code)
		}
	}
	if sink.count() != 3 || sink.recs[0].Tenant != "acme" {
		t.Errorf("stored %d records (tenant %q), want 3 of tenant acme", sink.count(), sink.recs[0].Tenant)
	}
}
