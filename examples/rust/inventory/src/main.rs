//! inventory (Rust): reserves stock for checkout, one DECRBY per item in redis (simulated,
//! see shoplib::db).

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
struct Item {
    sku: String,
    qty: i64,
}

#[derive(Deserialize)]
struct Reserve {
    cart_id: String,
    items: Option<Vec<Item>>,
}

#[derive(Serialize)]
struct Reserved {
    reservation_id: String,
    cart_id: String,
    items: usize,
}

struct Inventory {
    shop: Arc<Shop>,
    redis: Store,
}

fn cache_failure(error: DbError) -> Failure {
    let status = if error.is_timeout() { StatusCode::GATEWAY_TIMEOUT } else { StatusCode::SERVICE_UNAVAILABLE };
    Failure::new(status, &error, error.type_name())
}

async fn reserve(State(app): State<Arc<Inventory>>, Json(reserve): Json<Reserve>) -> Response {
    let shop = app.shop.clone();
    handle(shop, "/reserve", async move {
        let items = reserve.items.filter(|i| !i.is_empty()).unwrap_or_else(|| vec![Item { sku: "sku-000".into(), qty: 1 }]);
        for item in &items {
            let command = format!("DECRBY stock:{} {}", item.sku, item.qty);
            app.redis.query("DECRBY", "stock", &command).await.map_err(cache_failure)?;
        }
        Ok(Reserved { reservation_id: format!("res-{:016x}", fastrand::u64(..)), cart_id: reserve.cart_id, items: items.len() })
    })
    .await
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let config = match Config::from_args("inventory", "127.0.0.1:8083", "redis-addr") {
        Ok(c) => c,
        Err(e) => {
            eprintln!("inventory: {e}");
            std::process::exit(2);
        }
    };
    let telemetry = shoplib::telemetry::init(&config).await.unwrap_or_else(|e| {
        eprintln!("inventory: {e}");
        std::process::exit(1);
    });
    let shop = Shop::new(config).await.unwrap_or_else(|e| {
        eprintln!("inventory: {e}");
        std::process::exit(1);
    });
    let redis = Store::new(shop.clone(), StoreKind::Redis, "0");
    let app = Router::new().route("/reserve", post(reserve)).with_state(Arc::new(Inventory { shop: shop.clone(), redis }));
    if let Err(e) = serve(shop, app, telemetry).await {
        eprintln!("inventory: {e}");
        std::process::exit(1);
    }
}
