//! One rskafka client per process, producing uncompressed records (as the Collector's Kafka
//! exporter does by default) round-robin over a topic's partitions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rskafka::client::partition::{Compression, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;
use tokio::sync::Mutex;

/// Brokers and topics; the defaults match the Collector's Kafka exporter and Braid.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    pub brokers: Vec<String>,
    pub spans_topic: String,
    pub metrics_topic: String,
    pub logs_topic: String,
    pub app_logs_topic: String,
    pub client_id: String,
}

pub struct KafkaSink {
    client: Client,
    pub config: KafkaConfig,
    partitions: Mutex<HashMap<String, Arc<Vec<PartitionClient>>>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for KafkaSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSink").field("brokers", &self.config.brokers).finish()
    }
}

impl KafkaSink {
    pub async fn connect(config: KafkaConfig) -> Result<Arc<KafkaSink>, String> {
        let client = ClientBuilder::new(config.brokers.clone())
            .client_id(config.client_id.clone())
            .build()
            .await
            .map_err(|e| format!("connect to Kafka at {:?}: {e}", config.brokers))?;
        Ok(Arc::new(KafkaSink { client, config, partitions: Mutex::new(HashMap::new()), next: AtomicUsize::new(0) }))
    }

    /// The partition clients of topic, creating the topic (broker default partitions) when missing.
    pub async fn partitions(&self, topic: &str) -> Result<Arc<Vec<PartitionClient>>, String> {
        let mut cache = self.partitions.lock().await;
        if let Some(found) = cache.get(topic) {
            return Ok(found.clone());
        }
        let mut ids = self.partition_ids(topic).await?;
        if ids.is_empty() {
            let controller = self.client.controller_client().map_err(|e| e.to_string())?;
            // -1: the broker's num.partitions and default replication, like auto-creation.
            if let Err(e) = controller.create_topic(topic, -1, -1, 5_000).await {
                if !e.to_string().contains("TopicAlreadyExists") {
                    return Err(format!("create topic {topic}: {e}"));
                }
            }
            for _ in 0..50 {
                ids = self.partition_ids(topic).await?;
                if !ids.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        let mut clients = Vec::with_capacity(ids.len());
        for id in ids {
            clients.push(
                self.client
                    .partition_client(topic, id, UnknownTopicHandling::Retry)
                    .await
                    .map_err(|e| format!("partition {topic}/{id}: {e}"))?,
            );
        }
        if clients.is_empty() {
            return Err(format!("topic {topic} has no partitions"));
        }
        let clients = Arc::new(clients);
        cache.insert(topic.to_string(), clients.clone());
        Ok(clients)
    }

    async fn partition_ids(&self, topic: &str) -> Result<Vec<i32>, String> {
        let topics = self.client.list_topics().await.map_err(|e| format!("list topics: {e}"))?;
        Ok(topics.into_iter().find(|t| t.name == topic).map(|t| t.partitions.into_iter().collect()).unwrap_or_default())
    }

    /// Produces records with keys or headers of their own, all to the next partition in turn.
    pub async fn produce_records(&self, topic: &str, records: Vec<Record>) -> Result<(), String> {
        if records.is_empty() {
            return Ok(());
        }
        let partitions = self.partitions(topic).await?;
        let index = self.next.fetch_add(1, Ordering::Relaxed) % partitions.len();
        partitions[index].produce(records, Compression::NoCompression).await.map(|_| ()).map_err(|e| format!("produce to {topic}: {e}"))
    }

    /// Produces each value as one record, all to the next partition in turn.
    pub async fn produce(&self, topic: &str, values: Vec<Vec<u8>>) -> Result<(), String> {
        if values.is_empty() {
            return Ok(());
        }
        let partitions = self.partitions(topic).await?;
        let index = self.next.fetch_add(1, Ordering::Relaxed) % partitions.len();
        let now = chrono::Utc::now();
        let records = values
            .into_iter()
            .map(|value| Record { key: None, value: Some(value), headers: Default::default(), timestamp: now })
            .collect();
        partitions[index]
            .produce(records, Compression::NoCompression)
            .await
            .map(|_| ())
            .map_err(|e| format!("produce to {topic}: {e}"))
    }
}
