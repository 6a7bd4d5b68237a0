package dashboard

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/faascope/faascope/analyzer"
	"github.com/faascope/faascope/analyzer/alerts"
	"github.com/faascope/faascope/analyzer/keepwarm"
	"github.com/faascope/faascope/billing"
	"github.com/faascope/faascope/billing/report"
)

// openAPIDoc is the part of the document the tests check.
type openAPIDoc struct {
	Security   []map[string][]string                  `json:"security"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Parameters map[string]openAPIParam `json:"parameters"`
		Schemas    map[string]struct {
			Properties map[string]any `json:"properties"`
			Required   []string       `json:"required"`
		} `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	Security   *[]map[string][]string `json:"security"` // nil: the document's
	Parameters []openAPIParam         `json:"parameters"`
}

type openAPIParam struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// params are op's parameters in one place ("query" or "path"), $refs resolved.
func (d openAPIDoc) params(t *testing.T, op openAPIOperation, in string) []string {
	var names []string
	for _, p := range op.Parameters {
		if p.Ref != "" {
			ref, ok := d.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			if !ok {
				t.Errorf("dangling parameter %s", p.Ref)
			}
			p = ref
		}
		if p.In == in {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

// openAPIPath is a gin path in OpenAPI syntax: /functions/:id is /functions/{id}.
func openAPIPath(ginPath string) string {
	parts := strings.Split(ginPath, "/")
	for i, p := range parts {
		if name, ok := strings.CutPrefix(p, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	s := New(NewDefaultConfig(), Deps{Analyzer: &fakeAnalyzer{}, Gatherer: prometheus.NewRegistry()})
	registered := map[string]bool{}
	for _, r := range s.Handler().(*gin.Engine).Routes() {
		key := r.Method + " " + openAPIPath(r.Path)
		registered[key] = true
		if _, ok := doc.Paths[openAPIPath(r.Path)][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s is served but not in openapi.json", key)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if key := strings.ToUpper(method) + " " + path; !registered[key] {
				t.Errorf("openapi.json describes %s, which is not served", key)
			}
		}
	}
	for _, rt := range s.apiRoutes() {
		path := "/api/v1" + openAPIPath(rt.path)
		op := doc.Paths[path][strings.ToLower(rt.method)]
		if got, want := doc.params(t, op, "query"), slices.Sorted(slices.Values(rt.params)); !slices.Equal(got, want) {
			t.Errorf("%s: openapi.json declares query parameters %v, the handler accepts %v", path, got, want)
		}
		var pathParams []string
		for _, p := range strings.Split(rt.path, "/") {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				pathParams = append(pathParams, name)
			}
		}
		if got := doc.params(t, op, "path"); !slices.Equal(got, pathParams) {
			t.Errorf("%s: openapi.json declares path parameters %v, the route has %v", path, got, pathParams)
		}
	}
}

// TestOpenAPISecurityMatchesAuth: a route the document marks open answers
// without a token, every other one asks for it.
func TestOpenAPISecurityMatchesAuth(t *testing.T) {
	doc := loadOpenAPI(t)
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Fatalf("the document must require bearerAuth by default: %v", doc.Security)
	}
	h := newAuthServer(t, &fakeAnalyzer{}).Handler()
	for path, ops := range doc.Paths {
		for method, op := range ops {
			open := op.Security != nil && len(*op.Security) == 0
			url := strings.NewReplacer("{id}", "aws:1:r:f", "{name}", "keepwarm").Replace(path)
			got := callMethod(h, strings.ToUpper(method), url, "").Code
			if open == (got == http.StatusUnauthorized) {
				t.Errorf("%s %s: open in the document %v, status without a token %d", method, path, open, got)
			}
		}
	}
}

// TestOpenAPISchemasMatchTypes keeps component schemas in step with the
// JSON the handlers render.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"FunctionSummary": analyzer.FunctionSummary{}, "FunctionsResponse": functionsResponse{},
		"FunctionDetail": functionResponse{}, "Quantiles": analyzer.Quantiles{}, "FunctionConfig": analyzer.FunctionConfig{},
		"RightSizeHint": analyzer.RightSizeHint{}, "LineItem": billing.LineItem{}, "SeriesPoint": analyzer.SeriesPoint{},
		"Series": analyzer.Series{}, "Breakdown": analyzer.Breakdown{}, "ColdStartFunction": analyzer.ColdStartFunction{},
		"ColdStartsResponse": coldStartsResponse{}, "CostGroup": analyzer.CostGroup{}, "CostReport": analyzer.CostReport{},
		"ProjectionRow": analyzer.ProjectionRow{}, "ProjectionReport": analyzer.ProjectionReport{},
		"JobsResponse": jobsResponse{}, "Job": jobStatus{}, "JobRun": jobRun{}, "RunStarted": runStarted{},
		"PingSchedule": keepwarm.PingSchedule{}, "Level": keepwarm.Level{}, "Candidate": keepwarm.Candidate{},
		"HourStat": keepwarm.HourStat{}, "HybridStats": keepwarm.HybridStats{}, "Evidence": keepwarm.Evidence{},
		"Recommendation": keepwarm.Recommendation{}, "PolicyResult": keepwarm.PolicyResult{},
		"FunctionRecommendation": analyzer.FunctionRecommendation{}, "RecommendationsResponse": recommendationsResponse{},
		"ReplayResponse":  replayResponse{},
		"ReportsResponse": reportsResponse{}, "ReportSummary": analyzer.ReportSummary{}, "Report": report.Report{},
		"ReportTotal": report.Total{}, "ReportFunction": report.FunctionLine{}, "ReportMover": report.Mover{}, "ReportItemTotal": report.ItemTotal{},
		"AlertsResponse": alertsResponse{}, "ActiveAlert": analyzer.ActiveAlert{}, "AlertEvent": analyzer.AlertEvent{},
		"AlertRulesResponse": alertRulesResponse{}, "EffectiveRule": analyzer.EffectiveRule{}, "AlertRule": ruleJSONFields{},
		"AlertRuleFilter": alerts.Filter{}, "NotifiersResponse": notifiersResponse{}, "Notifier": NotifierInfo{}, "NotifierTested": notifierTested{},
	}
	for name, schema := range doc.Components.Schemas {
		v, ok := types[name]
		if !ok {
			if name != "Error" && name != "Status" {
				t.Errorf("schema %s is not checked against a Go type", name)
			}
			continue
		}
		want := jsonFields(reflect.TypeOf(v))
		var got []string
		for p := range schema.Properties {
			got = append(got, p)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v, the JSON has %v", name, got, want)
		}
		for _, r := range schema.Required {
			if !slices.Contains(got, r) {
				t.Errorf("schema %s requires %s, which it does not define", name, r)
			}
		}
	}
}

// jsonFields are the JSON member names encoding/json gives t, sorted.
func jsonFields(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, jsonFields(f.Type)...)
		case name == "":
			names = append(names, f.Name)
		default:
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// TestOpenAPIRefsResolve: every $ref in the document points at something.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && lookupPointer(doc, ref) == nil {
				t.Errorf("dangling $ref %s", ref)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
}

// lookupPointer resolves a local JSON pointer ("#/a/b"), nil when absent.
func lookupPointer(doc map[string]any, ref string) any {
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}
