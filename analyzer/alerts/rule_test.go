package alerts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// exampleYAML is the example of docs/alerts.md.
const exampleYAML = `
- name: checkout-cold-starts
  metric: cold_start_rate
  filter: {provider: aws, function: "checkout-*"}
  group_by: [account, region, function]
  comparator: ">="
  threshold: 0.3
  window: 10m
  for: 5m
  min_invocations: 50
  severity: critical
  repeat_interval: 2h
  labels: {team: payments}
  annotations:
    summary: "{{.Function}}: {{pct .Value}} cold starts (threshold {{pct .Threshold}})"
    runbook_url: "https://wiki.example.com/runbooks/cold-starts"
- name: faascope-throttle-rate
  disabled: true
`

func TestRuleYAML(t *testing.T) {
	var rules []Rule
	dec := yaml.NewDecoder(strings.NewReader(exampleYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatal(err)
	}
	if err := ValidateRules("alerts.rules", rules); err != nil {
		t.Fatal(err)
	}
	r := rules[0]
	if r.Window != 10*time.Minute || r.For != 5*time.Minute || r.RepeatInterval != 2*time.Hour || r.Filter.Function != "checkout-*" ||
		r.Comparator != ">=" || r.MinInvocations != 50 || r.Labels["team"] != "payments" || !rules[1].Disabled {
		t.Errorf("decoded: %+v", rules)
	}
}

func TestRuleJSON(t *testing.T) {
	r := testRule()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"window":"15m"`, `"for":"5m"`, `"repeat_interval":"1h"`, `"group_by":["function"]`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s: %s", want, data)
		}
	}
	var back Rule
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, r)
	}
}

func TestRuleJSONErrorsNameTheField(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"name":"x","window":"15 minutes","for":"soon"}`, `window: "15 minutes" is not a duration (like "90s", "15m" or "1h"); for: "soon" is not a duration`},
		{`{"name":"x","treshold":1}`, `unknown field "treshold"`},
		{`{"name":"x","threshold":"high"}`, `threshold`},
	}
	for _, c := range cases {
		var r Rule
		err := json.Unmarshal([]byte(c.body), &r)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.body, err, c.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "", 90 * time.Second: "1m30s", 15 * time.Minute: "15m", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m"} {
		if got := formatDuration(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestRender(t *testing.T) {
	d := templateData{Rule: "r", Function: "f", Value: 0.2371, Threshold: 0.2, Labels: map[string]string{"account": "1"}, Link: "https://x"}
	got := render(map[string]string{
		"pct":     "{{pct .Value}} > {{pct .Threshold}}",
		"label":   `{{index .Labels "account"}}/{{index .Labels "absent"}}/{{.Labels.absent}}`,
		"printf":  `{{printf "%.2f" .Value}} {{.Link}}`,
		"failing": `{{index .Value 1}}`,
		"huge":    `{{range 1000000000}}{{printf "%0999999d" 1}}{{end}}`,
		"edge":    `{{printf "%016384d" 1}}`,
	}, d)
	want := map[string]string{"pct": "23.7% > 20.0%", "label": "1//", "printf": "0.24 https://x"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if !strings.HasPrefix(got["failing"], "<error rendering annotation failing: ") {
		t.Errorf("failing template: %q", got["failing"])
	}
	if got["huge"] != "<error rendering annotation huge: template: huge: renders longer than 16384 bytes>" {
		t.Errorf("an oversized rendering gave %.100q", got["huge"])
	}
	if len(got["edge"]) != MaxAnnotationBytes {
		t.Errorf("a rendering of exactly MaxAnnotationBytes gave %d bytes", len(got["edge"]))
	}
	if render(nil, d) != nil {
		t.Error("no annotations rendered as some")
	}
}
