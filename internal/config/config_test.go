package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Addr    string        `yaml:"addr"`
	Timeout time.Duration `yaml:"timeout"`
}

type sample struct {
	Name   string   `yaml:"name"`
	Port   int      `yaml:"port"`
	On     bool     `yaml:"on"`
	Ratio  float64  `yaml:"ratio"`
	Tags   []string `yaml:"tags"`
	Inner  inner    `yaml:"inner"`
	Inline inner    `yaml:",inline"`
	hidden string
}

func TestApplyEnvSetsEveryKind(t *testing.T) {
	s := sample{Name: "default", Port: 1}
	err := ApplyEnv("APP", &s, []string{
		"APP_NAME=x", "APP_PORT=42", "APP_ON=true", "APP_RATIO=0.5", "APP_TAGS=a, b",
		"APP_INNER_ADDR=h:1", "APP_INNER_TIMEOUT=3s", "APP_ADDR=inline:2", "OTHER_NAME=ignored",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := sample{Name: "x", Port: 42, On: true, Ratio: 0.5, Tags: []string{"a", "b"},
		Inner: inner{Addr: "h:1", Timeout: 3 * time.Second}, Inline: inner{Addr: "inline:2"}}
	if s.Name != want.Name || s.Port != want.Port || !s.On || s.Ratio != 0.5 || !slices.Equal(s.Tags, want.Tags) ||
		s.Inner != want.Inner || s.Inline != want.Inline {
		t.Fatalf("got %+v, want %+v", s, want)
	}
}

func TestApplyEnvReportsEveryBadValue(t *testing.T) {
	var s sample
	err := ApplyEnv("APP", &s, []string{"APP_PORT=abc", "APP_INNER_TIMEOUT=soon", "APP_ON=maybe"})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"APP_PORT", "APP_INNER_TIMEOUT", "APP_ON"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestEnvNames(t *testing.T) {
	got := EnvNames("APP", &sample{})
	for _, want := range []string{"APP_NAME", "APP_INNER_TIMEOUT", "APP_ADDR", "APP_TIMEOUT"} {
		if !slices.Contains(got, want) {
			t.Errorf("EnvNames lacks %s: %v", want, got)
		}
	}
}

func TestLoadFileKeepsDefaultsAndRejectsUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("name: file\ninner:\n  timeout: 2s\n"), 0o600)
	s := sample{Port: 7}
	if err := LoadFile(good, &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "file" || s.Port != 7 || s.Inner.Timeout != 2*time.Second {
		t.Fatalf("got %+v", s)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("nmae: typo\n"), 0o600)
	if err := LoadFile(bad, &s); err == nil || !strings.Contains(err.Error(), "nmae") {
		t.Fatalf("want an error naming the unknown key, got %v", err)
	}

	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o600)
	if err := LoadFile(empty, &s); err != nil {
		t.Fatalf("an empty file must load: %v", err)
	}
}
