//! Command-line flags with environment fallbacks, the same names as the Go services use.

use std::collections::HashMap;
use std::time::Duration;

use crate::faults::FaultSpec;
use crate::kafka::KafkaConfig;

/// Configuration of one Rust shop service.
#[derive(Debug, Clone)]
pub struct Config {
    pub service: String,
    pub listen: String,
    pub kafka: KafkaConfig,
    pub faults: Vec<FaultSpec>,
    pub metrics_interval: Duration,
    /// Budget of each database/cache query, and of a handler's own work.
    pub db_timeout: Duration,
    /// Where the simulated database "lives" (nothing needs to listen): --postgres-addr or --redis-addr.
    pub store_addr: Option<String>,
    pub log_level: String,
}

const USAGE: &str = "flags: --listen ADDR --kafka-brokers LIST --topic-spans T --topic-metrics T --topic-logs T \
--topic-app-logs T --faults JSON --metrics-interval DUR --db-timeout DUR --postgres-addr|--redis-addr ADDR --log-level LEVEL";

impl Config {
    /// Parses `--flag value` / `--flag=value` pairs from the process arguments.
    pub fn from_args(service: &str, default_listen: &str, store_flag: &str) -> Result<Config, String> {
        let mut flags: HashMap<String, String> = HashMap::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Err(USAGE.to_string());
            }
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument {arg:?}; {USAGE}"));
            };
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (name.to_string(), args.next().ok_or_else(|| format!("--{name} needs a value"))?),
            };
            flags.insert(name, value);
        }
        let get = |flag: &str, env: &str, default: &str| -> String {
            flags
                .get(flag)
                .cloned()
                .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
                .unwrap_or_else(|| default.to_string())
        };
        let known = [
            "listen", "kafka-brokers", "topic-spans", "topic-metrics", "topic-logs", "topic-app-logs", "faults",
            "metrics-interval", "db-timeout", store_flag, "log-level",
        ];
        if let Some(unknown) = flags.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("unknown flag --{unknown}; {USAGE}"));
        }
        let kafka = KafkaConfig {
            brokers: get("kafka-brokers", "BRAID_KAFKA_BROKERS", "127.0.0.1:9092").split(',').map(str::to_string).collect(),
            spans_topic: get("topic-spans", "BRAID_TOPIC_SPANS", "otlp_spans"),
            metrics_topic: get("topic-metrics", "BRAID_TOPIC_METRICS", "otlp_metrics"),
            logs_topic: get("topic-logs", "BRAID_TOPIC_LOGS", "otlp_logs"),
            app_logs_topic: get("topic-app-logs", "BRAID_TOPIC_APP_LOGS", "app_logs"),
            client_id: service.to_string(),
        };
        let faults = crate::faults::parse_specs(&get("faults", "SHOP_FAULTS", "")).map_err(|e| format!("--faults: {e}"))?;
        let store_env = format!("SHOP_{}", store_flag.to_uppercase().replace('-', "_"));
        let store_addr = Some(get(store_flag, &store_env, "")).filter(|s| !s.is_empty());
        Ok(Config {
            service: service.to_string(),
            listen: get("listen", "LISTEN", default_listen),
            kafka,
            faults,
            metrics_interval: parse_duration(&get("metrics-interval", "SHOP_METRICS_INTERVAL", "5s"))?,
            db_timeout: parse_duration(&get("db-timeout", "SHOP_DB_TIMEOUT", "300ms"))?,
            store_addr,
            log_level: get("log-level", "SHOP_LOG_LEVEL", "info"),
        })
    }
}

/// Parses Go-style durations of one unit: "300ms", "5s", "1m".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("bad duration {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" => value * 60.0,
        _ => return Err(format!("bad duration unit in {text:?} (use ms, s or m)")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
