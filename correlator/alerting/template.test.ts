import { describe, expect, it } from "vitest";
import { goFloat, humanize, humanizeDuration, printf, Template, TemplateError } from "./template.js";

const render = (text: string, value = 453.25, labels: Record<string, string> = { service: "checkout", "k8s.ns": "shop" }) => new Template(text).render({ value, labels, vars: { threshold: 200 } });

describe("alert templates (Prometheus dialect of Go text/template)", () => {
  it("expands $value, $labels.x, index, .Value/.Labels and Braid's variables", () => {
    expect(render("{{ $labels.service }} p99 {{ $value }}ms over {{ $threshold }}")).toBe("checkout p99 453.25ms over 200");
    expect(render('{{ index $labels "k8s.ns" }}')).toBe("shop");
    expect(render("{{ .Value }} {{ .Labels.service }}")).toBe("453.25 checkout");
    expect(render("missing: [{{ $labels.nope }}]")).toBe("missing: []");
  });

  it("runs functions and pipelines as Prometheus does", () => {
    expect(render('{{ printf "%.1f" $value }}', 453.27)).toBe("453.3");
    expect(render("{{ $value | humanize }}", 1234567)).toBe("1.235M");
    expect(render("{{ humanizePercentage $value }}", 0.01234)).toBe("1.234%");
    expect(render("{{ $value | humanizeDuration }}", 5400.5)).toBe("1h 30m 0.5s");
    expect(render("{{ $labels.service | toUpper }}")).toBe("CHECKOUT");
    expect(render("a {{- $labels.service -}} b")).toBe("acheckoutb");
  });

  it("prints floats the way Go's %v does", () => {
    expect(goFloat(450.5)).toBe("450.5");
    expect(goFloat(1234567)).toBe("1.234567e+06");
    expect(goFloat(0.00001234)).toBe("1.234e-05");
    expect(humanize(0.0123)).toBe("12.3m");
    expect(humanizeDuration(0.25)).toBe("250ms");
    expect(printf("%d%% of %s", [12.7, "calls"])).toBe("12% of calls");
  });

  it("rejects what it cannot evaluate when the rule is loaded, saying where", () => {
    expect(() => new Template("{{ if $value }}x{{ end }}")).toThrow(TemplateError);
    expect(() => new Template("{{ if $value }}x{{ end }}")).toThrow(/"if" is not supported .* at offset 0/);
    expect(() => new Template("{{ $nope }}")).toThrow(/unknown variable \$nope/);
    expect(() => new Template("{{ $value | frobnicate }}")).toThrow(/unknown function "frobnicate"/);
    expect(() => new Template("{{ $value")).toThrow(/unclosed action/);
  });
});
