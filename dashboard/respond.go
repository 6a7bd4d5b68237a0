package dashboard

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// apiError is an answer other than 200, rendered as {"error": {"code", "message"}}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(msg string) *apiError { return &apiError{http.StatusBadRequest, "bad_request", msg} }

// handle adapts a handler that returns (payload, error) to gin: one place
// renders every success and every error.
func handle(fn func(c *gin.Context) (any, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := fn(c)
		if err != nil {
			writeError(c, toAPIError(err))
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

func toAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{http.StatusGatewayTimeout, "timeout", "query timed out: " + err.Error()}
	case errors.Is(err, context.Canceled):
		return &apiError{499, "canceled", "request canceled"}
	default:
		return &apiError{http.StatusInternalServerError, "internal", err.Error()}
	}
}

func writeError(c *gin.Context, e *apiError) {
	c.AbortWithStatusJSON(e.status, gin.H{"error": gin.H{"code": e.code, "message": e.message}})
}
