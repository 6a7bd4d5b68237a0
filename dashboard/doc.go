// Package dashboard is faascope's HTTP face: the JSON API under /api/v1,
// /metrics for Prometheus, and /healthz and /readyz. Handlers are thin: they
// parse the request, call the analyzer through narrow interfaces, and render.
// Errors always take the form {"error": {"code", "message"}}.
//
// dashboard is the only package that imports gin. It may import analyzer,
// billing, schemas and internal.
package dashboard
