import { describe, expect, it } from "vitest";
import { rowSchemasByTable } from "../schemas/rows.js";
import { newNormalizeStats, type NormalizeContext } from "./context.js";
import { normalizeMetrics } from "./metrics.js";
import { hex, NOW, ns, str, viaProtobuf } from "../test/normalizer/otlp-requests.js";

function ctx(): NormalizeContext {
  return { tenant: "acme", ingestedAt: "2024-01-15T10:31:00.000Z", nowNanos: NOW, stats: newNormalizeStats() };
}

const exemplar = { timeUnixNano: ns(3), asDouble: 0.7, traceId: hex("4bf92f3577b34da6a3ce929d0e0e4736"), spanId: hex("00f067aa0ba902b7"), filteredAttributes: [str("user", "u1")] };
const point = { attributes: [str("http.route", "/checkout")], startTimeUnixNano: ns(0), timeUnixNano: ns(10) };

const request = viaProtobuf.metrics({
  resourceMetrics: [
    {
      resource: { attributes: [str("service.name", "checkout"), str("telemetry.sdk.language", "rust")] },
      schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
      scopeMetrics: [
        {
          scope: { name: "meter", version: "1.0", droppedAttributesCount: 2 },
          metrics: [
            { name: "cpu", unit: "1", description: "CPU", gauge: { dataPoints: [{ ...point, asDouble: 0.42, exemplars: [exemplar] }] } },
            { name: "orders", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point, asInt: "17", flags: 1 }] } },
            { name: "latency", unit: "s", histogram: { aggregationTemporality: 1, dataPoints: [{ ...point, count: "6", sum: 1.5, bucketCounts: ["1", "2", "3"], explicitBounds: [0.1, 0.5], min: 0.01, max: 0.9, exemplars: [exemplar] }] } },
            { name: "size", exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ ...point, count: "5", sum: 900, scale: 3, zeroCount: "1", positive: { offset: 40, bucketCounts: ["2", "2"] }, negative: { offset: -1, bucketCounts: [] }, min: 0, max: 400, exemplars: [exemplar] }] } },
            { name: "rpc.duration", summary: { dataPoints: [{ ...point, count: "10", sum: 3.5, quantileValues: [{ quantile: 0.5, value: 0.3 }, { quantile: 0.99, value: 1.2 }] }] } },
            { name: "no data" },
          ],
        },
      ],
    },
  ],
});

describe("normalizeMetrics", () => {
  const c = ctx();
  const rows = normalizeMetrics(request, c);

  it("produces valid rows for all five metric tables", () => {
    for (const [table, list] of Object.entries(rows)) {
      expect(list, table).toHaveLength(1);
      for (const row of list) rowSchemasByTable[table as keyof typeof rowSchemasByTable].parse(row);
    }
  });

  it("fills the common columns from resource, scope and point", () => {
    expect(rows.otel_metrics_gauge[0]).toMatchObject({
      ServiceName: "checkout",
      SourceLanguage: "rust",
      ResourceSchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
      ScopeName: "meter",
      ScopeVersion: "1.0",
      ScopeDroppedAttrCount: 2,
      MetricName: "cpu",
      MetricUnit: "1",
      MetricDescription: "CPU",
      Attributes: { "http.route": "/checkout" },
      StartTimeUnix: ns(0),
      TimeUnix: ns(10),
      Value: 0.42,
      Tenant: "acme",
    });
  });

  it("keeps exemplars with their trace and span ids", () => {
    for (const row of [rows.otel_metrics_gauge[0]!, rows.otel_metrics_histogram[0]!, rows.otel_metrics_exponential_histogram[0]!]) {
      expect(row).toMatchObject({
        "Exemplars.TraceId": ["4bf92f3577b34da6a3ce929d0e0e4736"],
        "Exemplars.SpanId": ["00f067aa0ba902b7"],
        "Exemplars.Value": [0.7],
        "Exemplars.TimeUnix": [ns(3)],
        "Exemplars.FilteredAttributes": [{ user: "u1" }],
      });
    }
  });

  it("maps sum, histogram, exponential histogram and summary fields", () => {
    expect(rows.otel_metrics_sum[0]).toMatchObject({ Value: 17, AggregationTemporality: 2, IsMonotonic: true, Flags: 1 });
    expect(rows.otel_metrics_histogram[0]).toMatchObject({ Count: "6", Sum: 1.5, BucketCounts: ["1", "2", "3"], ExplicitBounds: [0.1, 0.5], Min: 0.01, Max: 0.9, AggregationTemporality: 1 });
    expect(rows.otel_metrics_exponential_histogram[0]).toMatchObject({ Count: "5", Scale: 3, ZeroCount: "1", PositiveOffset: 40, PositiveBucketCounts: ["2", "2"], NegativeOffset: -1, NegativeBucketCounts: [] });
    expect(rows.otel_metrics_summary[0]).toMatchObject({ Count: "10", Sum: 3.5, "ValueAtQuantiles.Quantile": [0.5, 0.99], "ValueAtQuantiles.Value": [0.3, 1.2] });
  });

  it("counts a metric without data of a known type", () => {
    expect(c.stats!.unknownMetricTypes).toBe(1);
  });

  it("replaces a missing point time with now and counts it, without touching the series attributes", () => {
    const c2 = ctx();
    const out = normalizeMetrics(viaProtobuf.metrics({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: "g", gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] }), c2);
    expect(out.otel_metrics_gauge[0]).toMatchObject({ TimeUnix: NOW.toString(), Attributes: {}, ServiceName: "unknown_service" });
    expect(c2.stats).toMatchObject({ timestampFixups: 1, missingServiceName: 1 });
  });
});
