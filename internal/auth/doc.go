// Package auth implements faascope's "secure by default" contract: bearer
// tokens with scopes and a tenant, the loopback-only rule for listeners when
// no tokens are configured, and server TLS settings.
//
// It owns the YAML key "auth" (Config, TokenConfig), the Authenticator that
// turns an Authorization header value into a Principal, CheckListenAddr and
// TLSConfig. It is transport-neutral on purpose: it imports only the standard
// library and schemas, never grpc or gin. The collector (gRPC and OTLP/HTTP)
// and the dashboard (gin) wrap it in thin adapters that read the header, call
// Authenticate with the scope the endpoint needs, and map ErrUnauthenticated
// to 401 / codes.Unauthenticated and ErrForbidden to 403 /
// codes.PermissionDenied.
//
// Scopes:
//
//   - ingest: send telemetry (OTLP gRPC and HTTP).
//   - read: query the JSON API and the web UI.
//   - admin: operate faascope (management endpoints); admin implies read,
//     because an operator who can manage a tenant can always see its data
//     anyway, so denying it would only force two tokens. admin does NOT imply
//     ingest: ingest writes billing-relevant rows, and admin tokens live in
//     browsers, scripts and shells. Keeping ingest explicit means a leaked
//     admin token cannot forge invocations or costs, and an operator who
//     wants both lists both.
//
// A Principal is always bound to exactly one tenant. Tenant names are
// restricted to [a-z0-9_-]{1,64} because they are stored in ClickHouse rows
// and appear in URLs.
//
// Secrets: token values are resolved once (inline, token_file or token_env)
// and the Authenticator keeps only their SHA-256 digests. Every comparison
// runs in constant time over all configured tokens. Errors never contain any
// part of the presented header, and TokenConfig redacts its secret in fmt,
// slog, JSON and YAML output.
package auth
