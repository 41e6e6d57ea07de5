// Package shop is the plumbing the Go shop services share: flags, the HTTP server with its
// metrics, panic recovery and admin endpoints, calls to peer services and the simulated
// database, and the recording of errors on spans and in logs.
package shop

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/braid/examples/internal/faults"
	"github.com/braid/examples/internal/kafkaexport"
)

// Config of one Go shop service; every flag has an environment fallback.
type Config struct {
	Service         string
	Version         string // service.version of the SDK resource
	Listen          string
	Kafka           kafkaexport.Config
	Faults          []faults.Spec
	MetricsInterval time.Duration
	ClientTimeout   time.Duration // per call to a peer service
	DBTimeout       time.Duration // per simulated database query
	PostgresAddr    string        // where the simulated postgres "lives"; nothing needs to listen there
	LogLevel        string
	Peers           map[string]string // peer service name -> base URL
}

// ParseFlags parses os.Args for service; peerNames are the services it calls (flags
// --<name>-url). clientTimeout is the default per-call timeout to peers: callers nearer the
// edge get longer budgets than their callees, as deadlines shrink down a call chain.
func ParseFlags(service, defaultListen string, clientTimeout time.Duration, peerNames ...string) (Config, error) {
	cfg := Config{Service: service, Kafka: kafkaexport.ConfigFromEnv(service), Peers: map[string]string{}}
	fs := flag.NewFlagSet(service, flag.ContinueOnError)
	fs.StringVar(&cfg.Listen, "listen", env("LISTEN", defaultListen), "address to serve HTTP on (env LISTEN)")
	fs.StringVar(&cfg.Version, "service-version", env("SHOP_SERVICE_VERSION", "1.4.2"), "service.version of the telemetry resource (env SHOP_SERVICE_VERSION)")
	brokers := fs.String("kafka-brokers", strings.Join(cfg.Kafka.Brokers, ","), "Kafka bootstrap brokers, comma separated (env BRAID_KAFKA_BROKERS)")
	fs.StringVar(&cfg.Kafka.SpansTopic, "topic-spans", cfg.Kafka.SpansTopic, "topic for OTLP traces (env BRAID_TOPIC_SPANS)")
	fs.StringVar(&cfg.Kafka.MetricsTopic, "topic-metrics", cfg.Kafka.MetricsTopic, "topic for OTLP metrics (env BRAID_TOPIC_METRICS)")
	fs.StringVar(&cfg.Kafka.LogsTopic, "topic-logs", cfg.Kafka.LogsTopic, "topic for OTLP logs (env BRAID_TOPIC_LOGS)")
	fs.StringVar(&cfg.Kafka.AppLogsTopic, "topic-app-logs", cfg.Kafka.AppLogsTopic, "topic for JSON log lines (env BRAID_TOPIC_APP_LOGS)")
	faultsJSON := fs.String("faults", env("SHOP_FAULTS", ""), "faults to inject, JSON object or array; start_s counts from process start (env SHOP_FAULTS)")
	fs.DurationVar(&cfg.MetricsInterval, "metrics-interval", envDuration("SHOP_METRICS_INTERVAL", 5*time.Second), "metric export interval")
	fs.DurationVar(&cfg.ClientTimeout, "client-timeout", envDuration("SHOP_CLIENT_TIMEOUT", clientTimeout), "timeout of each call to a peer service")
	fs.DurationVar(&cfg.DBTimeout, "db-timeout", envDuration("SHOP_DB_TIMEOUT", 300*time.Millisecond), "timeout of each database query")
	fs.StringVar(&cfg.PostgresAddr, "postgres-addr", env("SHOP_POSTGRES_ADDR", ""), "address of the simulated postgres (empty: a closed loopback port)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("SHOP_LOG_LEVEL", "info"), "debug, info, warn or error")
	peerFlags := map[string]*string{}
	for _, name := range peerNames {
		key := strings.ToUpper(name) + "_URL"
		peerFlags[name] = fs.String(name+"-url", env(key, ""), fmt.Sprintf("base URL of %s (env %s)", name, key))
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return cfg, err
	}
	cfg.Kafka.Brokers = strings.Split(*brokers, ",")
	for name, url := range peerFlags {
		if *url == "" {
			return cfg, fmt.Errorf("--%s-url is required", name)
		}
		cfg.Peers[name] = strings.TrimRight(*url, "/")
	}
	specs, err := faults.ParseSpecs([]byte(*faultsJSON))
	if err != nil {
		return cfg, fmt.Errorf("--faults: %w", err)
	}
	cfg.Faults = specs
	return cfg, nil
}

func env(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func envDuration(key string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return fallback
}
