// Package kafkaexport puts the services' telemetry on Kafka the way the OpenTelemetry
// Collector's Kafka exporter does: one OTLP protobuf Export*ServiceRequest per message on
// otlp_spans / otlp_metrics / otlp_logs, and one raw JSON log line per message on app_logs.
package kafkaexport

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Config names the brokers and topics. Defaults match the Collector's Kafka exporter and Braid.
type Config struct {
	Brokers      []string
	SpansTopic   string
	MetricsTopic string
	LogsTopic    string
	AppLogsTopic string
	ClientID     string
	// Compression of the record batches: none, gzip, snappy, lz4 or zstd.
	Compression string
}

// ConfigFromEnv reads BRAID_KAFKA_BROKERS (comma separated), BRAID_TOPIC_{SPANS,METRICS,LOGS,APP_LOGS}
// and BRAID_KAFKA_COMPRESSION (default none, as the Collector's Kafka exporter).
func ConfigFromEnv(clientID string) Config {
	return Config{
		Brokers:      strings.Split(envOr("BRAID_KAFKA_BROKERS", "127.0.0.1:9092"), ","),
		SpansTopic:   envOr("BRAID_TOPIC_SPANS", "otlp_spans"),
		MetricsTopic: envOr("BRAID_TOPIC_METRICS", "otlp_metrics"),
		LogsTopic:    envOr("BRAID_TOPIC_LOGS", "otlp_logs"),
		AppLogsTopic: envOr("BRAID_TOPIC_APP_LOGS", "app_logs"),
		ClientID:     clientID,
		Compression:  envOr("BRAID_KAFKA_COMPRESSION", "none"),
	}
}

// codec is franz-go's codec for a compression name as the Java client and the Collector spell it.
func codec(name string) (kgo.CompressionCodec, error) {
	switch name {
	case "", "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("compression %q is not one of none, gzip, snappy, lz4, zstd", name)
}

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// Producer is one franz-go client shared by every signal of a process.
type Producer struct {
	client *kgo.Client
	Config Config
	// failed counts records the broker did not accept; log lines are best effort and must
	// never block a request, so failures are counted and reported at shutdown.
	failed atomic.Int64
}

func NewProducer(cfg Config) (*Producer, error) {
	compression, err := codec(cfg.Compression)
	if err != nil {
		return nil, err
	}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ClientID(cfg.ClientID),
		kgo.AllowAutoTopicCreation(),
		// Uncompressed unless configured, as the Collector's Kafka exporter (franz-go's own
		// default would be snappy); Braid reads every codec.
		kgo.ProducerBatchCompression(compression),
		kgo.ProducerLinger(20*time.Millisecond),
		kgo.RecordDeliveryTimeout(15*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka client for %v: %w", cfg.Brokers, err)
	}
	return &Producer{client: client, Config: cfg}, nil
}

// ProduceSync sends one message and waits for the broker's acknowledgement.
func (p *Producer) ProduceSync(ctx context.Context, topic string, value []byte) error {
	res := p.client.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: value})
	if err := res.FirstErr(); err != nil {
		p.failed.Add(1)
		return fmt.Errorf("produce to %s: %w", topic, err)
	}
	return nil
}

// ProduceAsync sends one message without waiting; value must not be reused by the caller.
func (p *Producer) ProduceAsync(topic string, value []byte) {
	p.client.Produce(context.Background(), &kgo.Record{Topic: topic, Value: value}, func(_ *kgo.Record, err error) {
		if err != nil {
			p.failed.Add(1)
		}
	})
}

// Client is the underlying franz-go client, for records with keys or headers of their own.
func (p *Producer) Client() *kgo.Client { return p.client }

// Failed is the number of records that could not be delivered so far.
func (p *Producer) Failed() int64 { return p.failed.Load() }

// Close flushes what is buffered (bounded by ctx) and closes the client.
func (p *Producer) Close(ctx context.Context) error {
	err := p.client.Flush(ctx)
	p.client.Close()
	return err
}
