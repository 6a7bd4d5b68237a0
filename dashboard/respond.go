package dashboard

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/internal/scheduler"
)

// apiError is an answer other than 200, rendered as {"error": {"code", "message"}}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(msg string) *apiError { return &apiError{http.StatusBadRequest, "bad_request", msg} }

// handle adapts a route's handler to gin: it rejects query parameters the
// route does not accept, and one place renders every success and every error.
func (s *Server) handle(rt apiRoute) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := any(nil), checkParams(c.Request.URL.Query(), rt.params)
		if err == nil {
			out, err = rt.fn(c)
		}
		if err != nil {
			e := toAPIError(err)
			if e.status >= http.StatusInternalServerError {
				s.logger.Warn("API request failed", "path", c.Request.URL.Path, "err", err)
			}
			writeError(c, e)
			return
		}
		switch v := out.(type) {
		case download:
			c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": v.filename}))
			c.Data(http.StatusOK, v.contentType, v.body)
		case withStatus:
			c.JSON(v.status, emptySlices(v.body))
		default:
			c.JSON(http.StatusOK, emptySlices(out))
		}
	}
}

// withStatus answers a success other than 200 (e.g. 202 for work that
// goes on after the answer, 201 for a created resource).
type withStatus struct {
	status int
	body   any
}

// download answers with a file instead of JSON (a report in CSV or HTML).
type download struct {
	contentType string
	filename    string
	body        []byte
}

func toAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, analyzer.ErrInvalid):
		return badRequest(err.Error())
	case errors.Is(err, analyzer.ErrNotFound), errors.Is(err, scheduler.ErrUnknownJob):
		return &apiError{http.StatusNotFound, "not_found", err.Error()}
	case errors.Is(err, scheduler.ErrRunning):
		return &apiError{http.StatusConflict, "conflict", err.Error()}
	case errors.Is(err, scheduler.ErrStopped):
		return &apiError{http.StatusServiceUnavailable, "unavailable", err.Error()}
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

// emptySlices returns a deep copy of v (through structs, slices and
// pointers; maps are shared) with every nil slice made empty: the API
// promises arrays, and a client should never meet null where the OpenAPI
// document says array. Copying leaves what the analyzer returned untouched.
func emptySlices(v any) any {
	if v == nil {
		return nil
	}
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	fillSlices(p.Elem())
	return p.Elem().Interface()
}

func fillSlices(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillSlices(v.Field(i))
			}
		}
	case reflect.Slice:
		fresh := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(fresh, v)
		v.Set(fresh)
		for i := 0; i < v.Len(); i++ {
			fillSlices(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			fresh := reflect.New(v.Type().Elem())
			fresh.Elem().Set(v.Elem())
			v.Set(fresh)
			fillSlices(fresh.Elem())
		}
	}
}
