package alerts

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"text/template"
)

// MaxAnnotationBytes bounds one rendered annotation. Templates run at
// validation and for every notification, and text/template has no limit
// of its own: {{printf "%0999999d" 1}} in a {{range}} would allocate
// gigabytes. Past the bound the rendering fails (Execute stops at the
// first failed write), which validation reports and a notification shows
// as the error.
const MaxAnnotationBytes = 16 << 10

// errTooLong is the failed write of a rendering past MaxAnnotationBytes.
var errTooLong = fmt.Errorf("renders longer than %d bytes", MaxAnnotationBytes)

// cappedWriter is a strings.Builder that refuses to grow past
// MaxAnnotationBytes.
type cappedWriter struct{ b strings.Builder }

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxAnnotationBytes {
		return 0, errTooLong
	}
	return w.b.Write(p)
}

// templateData is what annotation templates see.
type templateData struct {
	Tenant    string            // the tenant whose data fired
	Rule      string            // rule name
	Metric    Metric            // rule metric
	Function  string            // the group's function; "" when the rule does not group by function
	Value     float64           // the sample's value, in the metric's unit
	Threshold float64           // the rule's threshold
	Link      string            // the group's API resource (notify.Notification.Link); may be empty
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

// renderText renders one annotation, at most MaxAnnotationBytes of it.
func renderText(name, text string, d templateData) (string, error) {
	t, err := parseTemplate(name, text)
	if err != nil {
		return "", err
	}
	var w cappedWriter
	if err := t.Execute(&w, d); err != nil {
		if errors.Is(err, errTooLong) { // text/template wraps it in its position
			return "", fmt.Errorf("template: %s: %w", name, errTooLong)
		}
		return "", err
	}
	return w.b.String(), nil
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
