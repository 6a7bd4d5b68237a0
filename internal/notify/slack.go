package notify

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Slack POSTs to a Slack incoming webhook, or any receiver that speaks its
// format (Mattermost, Rocket.Chat, Discord's /slack endpoint): one message
// with one colored attachment per alert. Attachments rather than blocks,
// because every Slack-compatible receiver renders them.
type Slack struct{ *sender }

// slackMaxAttachments keeps messages under the limits of Slack and its
// look-alikes; a larger batch is sent as several messages.
const slackMaxAttachments = 20

// Colors by status and severity: green when resolved, then red, orange, blue.
var slackColors = map[string]string{"resolved": "#2eb886", "critical": "#d00000", "warning": "#daa038", "info": "#439fe0"}

type slackMessage struct {
	Text        string            `json:"text"`
	Attachments []slackAttachment `json:"attachments"`
}

type slackAttachment struct {
	Color     string       `json:"color"`
	Fallback  string       `json:"fallback"`
	Title     string       `json:"title"`
	TitleLink string       `json:"title_link,omitempty"`
	Text      string       `json:"text"`
	Fields    []slackField `json:"fields"`
	Ts        int64        `json:"ts"`
}

type slackField struct {
	Title string `json:"title"`
	Value string `json:"value"`
	Short bool   `json:"short"`
}

// NewSlack makes a Slack notifier; cfg must be valid. No I/O.
func NewSlack(cfg HTTPConfig, set Settings) *Slack {
	return &Slack{newSender("slack", cfg, cfg.URL, set)}
}

// Notify posts every notification but refreshes, up to 20 per message.
func (s *Slack) Notify(ctx context.Context, batch []Notification) error {
	return postChunks(ctx, s.sender, announced(batch), slackMaxAttachments, func(chunk []Notification) any {
		return slackMessageOf(chunk)
	})
}

func slackMessageOf(batch []Notification) slackMessage {
	var firing int
	m := slackMessage{Attachments: make([]slackAttachment, len(batch))}
	for i, n := range batch {
		if n.Status == StatusFiring {
			firing++
		}
		m.Attachments[i] = slackAttachmentOf(n)
	}
	m.Text = fmt.Sprintf("faascope: %d firing, %d resolved", firing, len(batch)-firing)
	return m
}

func slackAttachmentOf(n Notification) slackAttachment {
	color, at := slackColors[n.Severity], n.StartsAt
	if n.Status == StatusResolved {
		color, at = slackColors["resolved"], n.EndsAt
	}
	title := fmt.Sprintf("[%s] %s %s", strings.ToUpper(string(n.Status)), n.Rule, groupText(n.Group))
	text := cmp.Or(n.Annotations["summary"], n.Annotations["description"])
	if text == "" {
		text = "value " + formatFloat(n.Value) + ", threshold " + formatFloat(n.Threshold)
	}
	return slackAttachment{
		Color: color, Fallback: slackEscape(title), Title: slackEscape(title), TitleLink: n.Link, Text: slackEscape(text),
		Fields: []slackField{
			{Title: "Value", Value: formatFloat(n.Value), Short: true},
			{Title: "Threshold", Value: formatFloat(n.Threshold), Short: true},
			{Title: "Severity", Value: n.Severity, Short: true},
			{Title: "Tenant", Value: slackEscape(n.Tenant), Short: true},
		},
		Ts: at.Unix(),
	}
}

// groupText renders a group as "function=f account=1", keys sorted.
func groupText(group map[string]string) string {
	parts := make([]string, 0, len(group))
	for _, k := range slices.Sorted(maps.Keys(group)) {
		parts = append(parts, k+"="+group[k])
	}
	return strings.Join(parts, " ")
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// slackEscape escapes the three characters Slack's mrkdwn reserves, so a
// function name cannot inject a link or a mention.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
