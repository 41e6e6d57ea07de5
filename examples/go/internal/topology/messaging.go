package topology

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/braid/examples/internal/shop"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

func randFloat() float64 { return rand.Float64() }

// headerCarrier carries W3C trace context in Kafka record headers.
type headerCarrier struct{ headers *[]kgo.RecordHeader }

func (c headerCarrier) Get(key string) string {
	for _, h := range *c.headers {
		if strings.EqualFold(h.Key, key) {
			return string(h.Value)
		}
	}
	return ""
}

func (c headerCarrier) Set(key, value string) {
	*c.headers = append(*c.headers, kgo.RecordHeader{Key: key, Value: []byte(value)})
}

func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(*c.headers))
	for _, h := range *c.headers {
		keys = append(keys, h.Key)
	}
	return keys
}

func (p *Player) topicName(topic string) string { return p.opts.MessageTopicPrefix + topic }

func messagingAttributes(topic, operation string, broker string) []attribute.KeyValue {
	host, port, _ := strings.Cut(broker, ":")
	return []attribute.KeyValue{
		attribute.String("messaging.system", "kafka"), attribute.String("messaging.destination.name", topic),
		attribute.String("messaging.operation.type", operation), attribute.String("messaging.operation.name", operation),
		attribute.String("server.address", host), attribute.String("server.port", port),
	}
}

// publish produces one message on a topic under a PRODUCER span, its context in the headers.
func (p *Player) publish(ctx context.Context, svc *played, topic string) error {
	ctx, span := svc.tracer.Start(ctx, "send "+topic, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(messagingAttributes(topic, "send", p.opts.Kafka.Brokers[0])...))
	defer span.End()
	record := &kgo.Record{Topic: p.topicName(topic), Value: []byte(fmt.Sprintf(`{"from":%q,"at":%q}`, svc.name, time.Now().Format(time.RFC3339Nano)))}
	propagator.Inject(ctx, headerCarrier{&record.Headers})
	if err := p.producer.Client().ProduceSync(ctx, record).FirstErr(); err != nil {
		shop.RecordError(span, err)
		return &shop.StatusError{Code: 502, Err: fmt.Errorf("publish to %s: %w", topic, err)}
	}
	return nil
}

// consume processes a topic's messages for one service, each under a CONSUMER span whose parent
// is the producer's context; the service's own faults apply to the processing.
func (p *Player) consume(ctx context.Context, service, topic string, consumer Consumer) {
	client, err := kgo.NewClient(
		kgo.SeedBrokers(p.opts.Kafka.Brokers...),
		kgo.ClientID(service),
		kgo.ConsumerGroup(p.topicName(service)),
		kgo.ConsumeTopics(p.topicName(topic)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
	)
	if err != nil {
		fmt.Printf("consumer %s/%s: %v\n", service, topic, err)
		return
	}
	defer client.Close()
	for ctx.Err() == nil {
		fetches := client.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.EachRecord(func(record *kgo.Record) { p.process(ctx, service, topic, consumer, record) })
	}
}

func (p *Player) process(ctx context.Context, service, topic string, consumer Consumer, record *kgo.Record) {
	svc := p.service(service)
	start := time.Now()
	parent := propagator.Extract(ctx, headerCarrier{&record.Headers})
	attrs := append(messagingAttributes(topic, "process", p.opts.Kafka.Brokers[0]), attribute.String("messaging.consumer.group.name", p.topicName(service)),
		attribute.Int("messaging.destination.partition.id", int(record.Partition)), attribute.Int64("messaging.kafka.offset", record.Offset))
	msgCtx, span := svc.tracer.Start(parent, consumer.Operation, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
	status := "ok"
	defer func() {
		if recovered := recover(); recovered != nil {
			err, ok := recovered.(error)
			if !ok {
				err = fmt.Errorf("%v", recovered)
			}
			status = "error"
			shop.RecordError(span, err, attribute.String("exception.stacktrace", fmt.Sprintf("panic: %v", recovered)))
			svc.log.Error(msgCtx, "panic processing message from "+topic, err, "")
		}
		span.End()
		set := metric.WithAttributes(attribute.String("messaging.destination.name", topic), attribute.String("outcome", status))
		svc.requests.Add(msgCtx, 1, set)
		svc.duration.Record(msgCtx, time.Since(start).Seconds(), set)
	}()
	if err := p.execute(msgCtx, svc, consumer.LatencyMs, consumer.Calls); err != nil {
		status = "error"
		shop.RecordError(span, err)
		svc.log.Error(msgCtx, "message processing failed", err, "", "messaging.destination.name", topic)
	}
}
