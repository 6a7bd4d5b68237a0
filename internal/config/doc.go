// Package config loads faascope's YAML configuration strictly (unknown keys
// are errors) and overlays FAASCOPE_* environment variables derived from the
// YAML key paths: clickhouse.addr is FAASCOPE_CLICKHOUSE_ADDR. Each package
// owns its own Config struct, defaults and Validate; this package only moves
// values into them.
package config
