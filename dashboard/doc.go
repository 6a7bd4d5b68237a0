// Package dashboard is faascope's HTTP face: the JSON API under /api/v1 and
// its OpenAPI description (/api/v1/openapi.json), /metrics for Prometheus with
// bounded per-function gauges, and /healthz and /readyz. Handlers are thin:
// they parse the request, call the analyzer through one narrow interface,
// and render. Every query is limited to the token's tenant. Errors always
// take the form {"error": {"code", "message"}}. docs/api.md is the guide.
//
// dashboard is the only package that imports gin. It may import analyzer,
// billing, schemas and internal.
package dashboard
