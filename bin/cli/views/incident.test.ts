import { describe, expect, it } from "vitest";
import { alertNames } from "./incident.js";

describe("alertNames", () => {
  it("names a rule's several alerts by the labels that vary among them, as Prometheus writes them", () => {
    const slo = (long: string, short: string, severity: string) => ({ RuleName: "checkout-availability", State: "firing", Value: 20, Labels: { alertname: "checkout-availability", tenant: "default", service: "checkout", severity, long, short } });
    expect(alertNames([slo("1h", "5m", "page"), slo("6h", "30m", "page"), slo("3d", "6h", "ticket"), { RuleName: "checkout-errors", State: "pending", Value: 0.7, Labels: { alertname: "checkout-errors" } }])).toEqual([
      'checkout-availability{long="1h",severity="page",short="5m"}',
      'checkout-availability{long="6h",severity="page",short="30m"}',
      'checkout-availability{long="3d",severity="ticket",short="6h"}',
      "checkout-errors",
    ]);
  });

  it("keeps the bare rule name when the alerts have no labels to tell them apart", () => {
    expect(alertNames([{ RuleName: "r", State: "firing", Value: 1 }, { RuleName: "r", State: "pending", Value: 1 }])).toEqual(["r", "r"]);
  });
});
