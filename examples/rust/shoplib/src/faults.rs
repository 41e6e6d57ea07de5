//! Faults injected into one service: added latency and errors of a named kind, on the
//! service's own handling (dependency empty) or on one dependency, active from a start offset
//! for a duration. Same JSON as the Go services and the scenario files (schemas/scenario.ts).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

pub const KINDS: [&str; 9] = ["connection_refused", "connection_reset", "dns", "timeout", "panic", "no_rows", "tls_cert_expired", "pool_exhausted", "http_5xx"];

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service: String,
    /// Empty: the service's own request handling.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dependency: String,
    /// Empty: latency only.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Share of requests affected, 0..1; absent or 0 means 1.
    #[serde(default)]
    pub rate: f64,
    #[serde(default)]
    pub latency_ms: u64,
    /// Offset from when the fault is added.
    #[serde(default)]
    pub start_s: f64,
    /// 0: until cleared.
    #[serde(default)]
    pub duration_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActiveFault {
    #[serde(flatten)]
    pub spec: FaultSpec,
    pub id: u64,
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(skip)]
    from_time: SystemTime,
    #[serde(skip)]
    until_time: Option<SystemTime>,
}

/// What to do to one request or dependency call.
#[derive(Debug, Default, Clone)]
pub struct Injection {
    pub latency: Duration,
    /// Empty: no error.
    pub kind: String,
}

#[derive(Debug)]
pub struct FaultRegistry {
    service: String,
    faults: Mutex<(u64, Vec<ActiveFault>)>,
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Reads one spec, an array of specs, or {"faults": [...]}.
pub fn parse_specs(text: &str) -> Result<Vec<FaultSpec>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wrapper {
        faults: Vec<FaultSpec>,
    }
    let mut specs: Vec<FaultSpec> = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else if text.contains("\"faults\"") {
        serde_json::from_str::<Wrapper>(text).map_err(|e| e.to_string())?.faults
    } else {
        vec![serde_json::from_str(text).map_err(|e| e.to_string())?]
    };
    for spec in &mut specs {
        if spec.rate <= 0.0 {
            spec.rate = 1.0;
        }
    }
    Ok(specs)
}

impl FaultRegistry {
    pub fn new(service: &str) -> Arc<FaultRegistry> {
        Arc::new(FaultRegistry { service: service.to_string(), faults: Mutex::new((0, Vec::new())) })
    }

    pub fn validate(&self, spec: &FaultSpec) -> Result<(), String> {
        if !spec.service.is_empty() && spec.service != self.service {
            return Err(format!("fault is for service {:?}, this is {:?}", spec.service, self.service));
        }
        if !spec.kind.is_empty() && !KINDS.contains(&spec.kind.as_str()) {
            return Err(format!("unknown fault kind {:?}", spec.kind));
        }
        if !(0.0..=1.0).contains(&spec.rate) {
            return Err(format!("rate must be within 0..1, got {}", spec.rate));
        }
        if spec.start_s < 0.0 || spec.duration_s < 0.0 {
            return Err("start_s and duration_s must not be negative".into());
        }
        if spec.kind.is_empty() && spec.latency_ms == 0 {
            return Err("a fault needs a kind or latency_ms".into());
        }
        Ok(())
    }

    /// Places specs on the clock relative to now.
    pub fn add(&self, specs: Vec<FaultSpec>) -> Result<Vec<ActiveFault>, String> {
        for spec in &specs {
            self.validate(spec)?;
        }
        let now = SystemTime::now();
        let mut guard = self.faults.lock().unwrap();
        let mut added = Vec::new();
        for spec in specs {
            guard.0 += 1;
            let from_time = now + Duration::from_secs_f64(spec.start_s);
            let until_time = (spec.duration_s > 0.0).then(|| from_time + Duration::from_secs_f64(spec.duration_s));
            let fault = ActiveFault {
                id: guard.0,
                from: rfc3339(from_time),
                until: until_time.map(rfc3339),
                from_time,
                until_time,
                spec,
            };
            guard.1.push(fault.clone());
            added.push(fault);
        }
        Ok(added)
    }

    pub fn list(&self) -> Vec<ActiveFault> {
        self.faults.lock().unwrap().1.clone()
    }

    pub fn clear(&self) {
        self.faults.lock().unwrap().1.clear();
    }

    /// Rolls the active faults for one request ("") or one call to dependency: each matching
    /// fault hits with probability rate; latencies add up, the first hit with a kind decides.
    pub fn decide(&self, dependency: &str) -> Injection {
        let now = SystemTime::now();
        let guard = self.faults.lock().unwrap();
        let mut injection = Injection::default();
        for fault in &guard.1 {
            let active = now >= fault.from_time && fault.until_time.is_none_or(|until| now < until);
            if fault.spec.dependency != dependency || !active || fastrand::f64() >= fault.spec.rate {
                continue;
            }
            injection.latency += Duration::from_millis(fault.spec.latency_ms);
            if injection.kind.is_empty() && !fault.spec.kind.is_empty() {
                injection.kind = fault.spec.kind.clone();
            }
        }
        injection
    }
}

fn reply(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

pub async fn admin_list(State(registry): State<Arc<FaultRegistry>>) -> Response {
    reply(StatusCode::OK, serde_json::json!({ "service": registry.service, "now": rfc3339(SystemTime::now()), "faults": registry.list() }))
}

pub async fn admin_add(State(registry): State<Arc<FaultRegistry>>, body: String) -> Response {
    match parse_specs(&body).and_then(|specs| {
        if specs.is_empty() {
            Err("no fault in body".to_string())
        } else {
            registry.add(specs)
        }
    }) {
        Ok(added) => reply(StatusCode::OK, serde_json::json!({ "service": registry.service, "added": added })),
        Err(e) => reply(StatusCode::BAD_REQUEST, serde_json::json!({ "error": e })),
    }
}

pub async fn admin_clear(State(registry): State<Arc<FaultRegistry>>) -> Response {
    registry.clear();
    reply(StatusCode::OK, serde_json::json!({ "service": registry.service, "faults": [] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_object_an_array_and_a_wrapper_with_rate_defaulting_to_one() {
        for text in [
            r#"{"dependency":"postgres","kind":"pool_exhausted"}"#,
            r#"[{"dependency":"postgres","kind":"pool_exhausted"}]"#,
            r#"{"faults":[{"dependency":"postgres","kind":"pool_exhausted"}]}"#,
        ] {
            let specs = parse_specs(text).unwrap();
            assert_eq!(specs.len(), 1, "{text}");
            assert_eq!(specs[0].rate, 1.0);
            assert_eq!(specs[0].kind, "pool_exhausted");
        }
        assert!(parse_specs(r#"{"kind":"panic","rat":1}"#).is_err(), "unknown fields are rejected");
    }

    #[test]
    fn decides_only_active_faults_of_the_asked_dependency() {
        let registry = FaultRegistry::new("payments");
        registry
            .add(vec![
                FaultSpec { dependency: "postgres".into(), kind: "timeout".into(), rate: 1.0, latency_ms: 7, duration_s: 60.0, ..Default::default() },
                FaultSpec { kind: "panic".into(), rate: 1.0, start_s: 60.0, duration_s: 5.0, ..Default::default() },
            ])
            .unwrap();
        let db = registry.decide("postgres");
        assert_eq!((db.kind.as_str(), db.latency), ("timeout", Duration::from_millis(7)));
        assert_eq!(registry.decide("").kind, "", "the panic fault starts in 60 s");
        assert_eq!(registry.decide("redis").kind, "");
    }

    #[test]
    fn rejects_faults_for_another_service_or_of_an_unknown_kind() {
        let registry = FaultRegistry::new("inventory");
        let other = FaultSpec { service: "payments".into(), kind: "panic".into(), rate: 1.0, ..Default::default() };
        assert!(registry.add(vec![other]).unwrap_err().contains("this is \"inventory\""));
        let unknown = FaultSpec { kind: "oom".into(), rate: 1.0, ..Default::default() };
        assert!(registry.add(vec![unknown]).unwrap_err().contains("unknown fault kind"));
    }
}
