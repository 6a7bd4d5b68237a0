package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// LoadFile decodes the YAML file at path into dst, which already holds the
// defaults. Keys the file does not name keep their defaults; unknown keys fail.
func LoadFile(path string, dst any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF: it simply sets nothing.
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("cannot parse config %s: %w", path, err)
	}
	return nil
}

// ApplyEnv sets every field of dst (a pointer to a struct with yaml tags)
// whose variable PREFIX_KEY_PATH is in environ ("NAME=value" entries).
// Durations take Go syntax (5s, 1m30s), lists are comma separated. All bad
// values are reported at once.
func ApplyEnv(prefix string, dst any, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, prefix+"_") {
			env[k] = v
		}
	}
	var errs []error
	walk(reflect.ValueOf(dst).Elem(), prefix, func(name string, f reflect.Value) {
		if v, ok := env[name]; ok {
			if err := setValue(f, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// EnvNames lists every variable ApplyEnv understands for dst, for help text and tests.
func EnvNames(prefix string, dst any) []string {
	var names []string
	walk(reflect.ValueOf(dst).Elem(), prefix, func(name string, _ reflect.Value) { names = append(names, name) })
	return names
}

var durationType = reflect.TypeOf(time.Duration(0))

// walk calls fn for each leaf field with its variable name. Inline structs
// add no name segment, as in YAML.
func walk(v reflect.Value, name string, fn func(string, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		key, opts, _ := strings.Cut(tag, ",")
		f := v.Field(i)
		if f.Kind() == reflect.Struct && f.Type() != durationType {
			if strings.Contains(opts, "inline") {
				walk(f, name, fn)
			} else {
				walk(f, name+"_"+strings.ToUpper(key), fn)
			}
			continue
		}
		if key != "" {
			fn(name+"_"+strings.ToUpper(key), f)
		}
	}
}

func setValue(f reflect.Value, s string) error {
	if f.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration (like 5s or 1m): %q", s)
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", s)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", s)
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", s)
		}
		f.SetFloat(x)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list type %s", f.Type())
		}
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		f.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}
