package dashboard

import (
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// metrics serves /metrics as the caller's tenant sees it.
func (s *Server) metrics(c *gin.Context) {
	g := tenantGatherer{g: s.gatherer, tenant: c.GetString(tenantKey)}
	promhttp.HandlerFor(g, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
}

// tenantGatherer hides other tenants' series: a metric labelled with another
// tenant is dropped; faascope's own metrics, which carry no tenant label,
// stay visible to every reader.
type tenantGatherer struct {
	g      prometheus.Gatherer
	tenant string
}

// Gather filters in place: registries build new families on every call.
func (t tenantGatherer) Gather() ([]*dto.MetricFamily, error) {
	families, err := t.g.Gather()
	kept := families[:0]
	for _, mf := range families {
		metrics := mf.Metric[:0]
		for _, m := range mf.Metric {
			if tenantOf(m) == "" || tenantOf(m) == t.tenant {
				metrics = append(metrics, m)
			}
		}
		if len(metrics) > 0 {
			mf.Metric = metrics
			kept = append(kept, mf)
		}
	}
	return kept, err
}

// tenantOf is m's tenant label, "" without one.
func tenantOf(m *dto.Metric) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == "tenant" {
			return l.GetValue()
		}
	}
	return ""
}
