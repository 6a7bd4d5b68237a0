package alerts

import (
	"fmt"
	"maps"
	"strings"
	"text/template"
)

// templateData is what annotation templates see.
type templateData struct {
	Rule      string            // rule name
	Metric    Metric            // rule metric
	Function  string            // the group's function; "" when the rule does not group by function
	Value     float64           // the sample's value, in the metric's unit
	Threshold float64           // the rule's threshold
	Link      string            // the group in faascope's dashboard; may be empty
	Labels    map[string]string // the notification's labels
	Status    string            // firing or resolved
}

// templateFuncs are the functions templates may call besides text/template's own.
var templateFuncs = template.FuncMap{
	// pct shows a share as a percentage: pct 0.237 is "23.7%".
	"pct": func(v float64) string { return fmt.Sprintf("%.1f%%", v*100) },
}

// parseTemplate parses one annotation. A missing map key renders as "":
// a label that one group lacks must not break its notification.
func parseTemplate(name, text string) (*template.Template, error) {
	return template.New(name).Option("missingkey=zero").Funcs(templateFuncs).Parse(text)
}

// renderText renders one annotation.
func renderText(name, text string, d templateData) (string, error) {
	t, err := parseTemplate(name, text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

// render renders every annotation. A template that fails (validation
// makes that unlikely) renders as its error, so that the alert still
// goes out and says what to fix, as Prometheus does.
func render(annotations map[string]string, d templateData) map[string]string {
	if len(annotations) == 0 {
		return nil
	}
	out := maps.Clone(annotations)
	for k, text := range annotations {
		s, err := renderText(k, text, d)
		if err != nil {
			s = fmt.Sprintf("<error rendering annotation %s: %v>", k, err)
		}
		out[k] = s
	}
	return out
}
