package kafkaexport

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TraceClient is an otlptrace.Client: the SDK's OTLP trace exporter converts spans to the
// OTLP protos with its own transform code and hands them here; each upload becomes one
// ExportTraceServiceRequest message on the spans topic.
type TraceClient struct{ producer *Producer }

var _ otlptrace.Client = (*TraceClient)(nil)

func NewTraceClient(p *Producer) *TraceClient { return &TraceClient{producer: p} }

func (c *TraceClient) Start(context.Context) error { return nil }

// Stop leaves the producer open: it is shared with metrics and logs, which shut down later.
func (c *TraceClient) Stop(context.Context) error { return nil }

func (c *TraceClient) UploadTraces(ctx context.Context, resourceSpans []*tracepb.ResourceSpans) error {
	if len(resourceSpans) == 0 {
		return nil
	}
	payload, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: resourceSpans})
	if err != nil {
		return fmt.Errorf("marshal ExportTraceServiceRequest: %w", err)
	}
	return c.producer.ProduceSync(ctx, c.producer.Config.SpansTopic, payload)
}
