package dashboard

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPI describes every route. It is hand-written; TestOpenAPIMatchesRoutes
// keeps it in step with the routes, their parameters and the analyzer's
// JSON field names.
//
//go:embed openapi.json
var openAPI []byte

// serveOpenAPI needs no token: the document describes the API and holds no data.
func serveOpenAPI(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPI) }
