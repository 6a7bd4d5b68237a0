package queue

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestDefaultConfigIsValid(t *testing.T) {
	if err := NewDefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := Config{SegmentBytes: 1024, MaxBytes: 1024}.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, key := range []string{"collector.queue.segment_bytes", "collector.queue.max_bytes"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
}

func TestConfigYAMLKeys(t *testing.T) {
	cfg := NewDefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader("segment_bytes: 4194304\nmax_bytes: 8388608\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.SegmentBytes != 4<<20 || cfg.MaxBytes != 8<<20 {
		t.Errorf("decoded %+v", cfg)
	}
}
