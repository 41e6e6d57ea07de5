//! payments (Rust): charges orders for checkout. Each charge locks the account row and
//! records the payment in postgres (simulated, see shoplib::db).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shoplib::config::Config;
use shoplib::db::{DbError, Store, StoreKind};
use shoplib::server::{handle, serve, Failure, Shop};

#[derive(Deserialize)]
struct Charge {
    user_id: String,
    amount_cents: i64,
}

#[derive(Serialize)]
struct Charged {
    payment_id: String,
    user_id: String,
    amount_cents: i64,
}

struct Payments {
    shop: Arc<Shop>,
    postgres: Store,
}

fn db_failure(error: DbError) -> Failure {
    let status = if error.is_timeout() {
        StatusCode::GATEWAY_TIMEOUT
    } else if error.is_pool_exhausted() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    Failure::new(status, &error, error.type_name())
}

async fn charge(State(app): State<Arc<Payments>>, Json(charge): Json<Charge>) -> Response {
    let shop = app.shop.clone();
    handle(shop, "/charge", async move {
        app.postgres
            .query("SELECT", "accounts", "SELECT id, balance_cents FROM accounts WHERE user_id = $1 FOR UPDATE")
            .await
            .map_err(db_failure)?;
        app.postgres
            .query("INSERT", "payments", "INSERT INTO payments (user_id, amount_cents) VALUES ($1, $2) RETURNING id")
            .await
            .map_err(db_failure)?;
        Ok(Charged { payment_id: format!("pay-{:016x}", fastrand::u64(..)), user_id: charge.user_id, amount_cents: charge.amount_cents })
    })
    .await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let config = match Config::from_args("payments", "127.0.0.1:8082", "postgres-addr") {
        Ok(c) => c,
        Err(e) => {
            eprintln!("payments: {e}");
            std::process::exit(2);
        }
    };
    let telemetry = shoplib::telemetry::init(&config).await.unwrap_or_else(|e| {
        eprintln!("payments: {e}");
        std::process::exit(1);
    });
    let shop = Shop::new(config).await.unwrap_or_else(|e| {
        eprintln!("payments: {e}");
        std::process::exit(1);
    });
    let postgres = Store::new(shop.clone(), StoreKind::Postgres, "shop");
    let app = Router::new().route("/charge", post(charge)).with_state(Arc::new(Payments { shop: shop.clone(), postgres }));
    if let Err(e) = serve(shop, app, telemetry).await {
        eprintln!("payments: {e}");
        std::process::exit(1);
    }
}
