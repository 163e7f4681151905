use std::path::Path;

use seaworthy_compose::model::MountType;
use seaworthy_compose::Service;

use super::image_unpinned::{image_base_name, image_ref};
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A service running a stateful database image with no volume or bind mount on its data
/// directory.
///
/// The images and their data directories (from each image's documentation):
///
/// | Image (last path component) | Data directory |
/// |---|---|
/// | `postgres`, `postgis`, `timescaledb` | `$PGDATA`, else `/var/lib/postgresql/data` (18+: `/var/lib/postgresql`) |
/// | `mysql`, `mariadb`, `percona`, `percona-server` | `/var/lib/mysql` |
/// | `mongo` | `/data/db` |
/// | `redis`, `valkey`, `redis-stack-server`, `keydb` | `/data` |
/// | `elasticsearch` | `/usr/share/elasticsearch/data` |
/// | `opensearch` | `/usr/share/opensearch/data` |
/// | `rabbitmq` | `/var/lib/rabbitmq` |
/// | `cassandra` | `/var/lib/cassandra` |
/// | `couchdb` | `/opt/couchdb/data` |
/// | `neo4j` | `/data` |
/// | `influxdb` | `/var/lib/influxdb2` (2.x) or `/var/lib/influxdb` (1.x) |
/// | `clickhouse`, `clickhouse-server` | `/var/lib/clickhouse` |
/// | `bitnami/<name>` (postgresql, mysql, mariadb, mongodb, redis, …) | `/bitnami/<name>` |
///
/// A mount at the data directory or above it covers it; `tmpfs` there is a deliberate choice
/// of throw-away data (tests) and passes as well.
pub struct DatabaseWithoutVolume;

static META: RuleMeta = RuleMeta {
    id: "SW2500",
    name: "compose-database-without-volume",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 6,
    aliases: &[],
    summary: "A database service has no volume on its data directory.",
    why: "Without a named volume or bind mount on the data directory the database writes into \
          the container's writable layer or an anonymous volume that the image's VOLUME \
          creates: `docker compose down -v`, `docker compose rm -v`, a `docker volume prune` \
          or recreating the service elsewhere loses every row, and nothing in the Compose \
          file says where the data lives or how to back it up. Mount a named volume there \
          (`pgdata:/var/lib/postgresql/data` with a top-level `volumes: {pgdata: {}}`). The \
          data directory follows `PGDATA` when the service sets it.",
    bad: "services:\n  db:\n    image: postgres:16.4\n",
    good: "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - pgdata:/var/lib/postgresql/data\nvolumes:\n  pgdata: {}\n",
};

/// The data directories of the database `service` runs, or `None` when it is not one.
pub(super) fn data_directories(service: &Service) -> Option<Vec<String>> {
    let image = image_ref(service)?;
    let base = image_base_name(&image);
    if let Some(rest) = image.repository.strip_prefix("bitnami/") {
        const BITNAMI: &[&str] = &[
            "postgresql",
            "postgresql-repmgr",
            "mysql",
            "mariadb",
            "mongodb",
            "redis",
            "valkey",
            "rabbitmq",
            "elasticsearch",
            "opensearch",
            "cassandra",
            "couchdb",
            "neo4j",
            "influxdb",
            "clickhouse",
        ];
        return BITNAMI
            .contains(&rest)
            .then(|| vec![format!("/bitnami/{rest}")]);
    }
    let dirs: &[&str] = match base {
        "postgres" | "postgis" | "timescaledb" | "timescaledb-ha" => {
            if let Some((_, Some(pgdata))) = service.environment.get("PGDATA") {
                if !pgdata.value.trim().is_empty() {
                    return Some(vec![pgdata.value.trim().to_owned()]);
                }
            }
            &["/var/lib/postgresql/data", "/var/lib/postgresql"]
        }
        "mysql" | "mariadb" | "percona" | "percona-server" => &["/var/lib/mysql"],
        "mongo" => &["/data/db"],
        "redis" | "valkey" | "redis-stack-server" | "keydb" | "neo4j" => &["/data"],
        "elasticsearch" => &["/usr/share/elasticsearch/data"],
        "opensearch" => &["/usr/share/opensearch/data"],
        "rabbitmq" => &["/var/lib/rabbitmq"],
        "cassandra" => &["/var/lib/cassandra"],
        "couchdb" => &["/opt/couchdb/data"],
        "influxdb" => &["/var/lib/influxdb2", "/var/lib/influxdb"],
        "clickhouse" | "clickhouse-server" => &["/var/lib/clickhouse"],
        _ => return None,
    };
    Some(dirs.iter().map(|d| (*d).to_owned()).collect())
}

/// Whether a mount at `target` holds `dir`: at it or above it.
fn covers(target: &str, dir: &str) -> bool {
    let target = target.trim_end_matches('/');
    Path::new(dir).starts_with(if target.is_empty() { "/" } else { target })
}

impl ComposeRule for DatabaseWithoutVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        for service in cx.services() {
            let Some(dirs) = data_directories(service) else {
                continue;
            };
            let bitnami = dirs.iter().any(|d| d.starts_with("/bitnami/"));
            let mounted = dirs.iter().any(|dir| {
                service.volumes.iter().any(|m| {
                    matches!(
                        m.kind,
                        MountType::Bind | MountType::Volume | MountType::Tmpfs | MountType::Cluster
                    ) && (covers(&m.target, dir)
                        || (bitnami && Path::new(&m.target).starts_with(dir)))
                }) || service.tmpfs.iter().any(|t| {
                    let target = t.value.split(':').next().unwrap_or_default();
                    covers(target, dir)
                })
            });
            if mounted {
                continue;
            }
            let image = service.image.as_ref().map_or("", |i| i.value.as_str());
            out.push(finding_at(
                &META,
                service.name_origin,
                format!(
                    "service `{}` runs the database image `{image}` with no volume on its data \
                     directory {}; mount a named volume there",
                    service.name,
                    dirs.first().map(String::as_str).unwrap_or_default()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&DatabaseWithoutVolume);
    }

    #[test]
    fn fires() {
        assert_fires(
            &DatabaseWithoutVolume,
            "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro\n  cache:\n    image: redis:7.4.1\n  search:\n    image: docker.elastic.co/elasticsearch/elasticsearch:8.15.0\n  mongo:\n    image: bitnami/mongodb:7.0\n",
            &[6, 2, 10, 8],
        );
        // PGDATA moves the data directory away from the mount.
        let found = findings_with(
            &DatabaseWithoutVolume,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: ${PG_IMAGE}\n    environment:\n      PGDATA: /pgdata\n    volumes:\n      - type: volume\n        source: pg\n        target: /var/lib/postgresql/data\nvolumes:\n  pg: {}\n",
                ),
                (".env", "PG_IMAGE=postgres:16.4\n"),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].2.contains("/pgdata"), "{found:?}");
    }

    #[test]
    fn passes() {
        assert_clean(
            &DatabaseWithoutVolume,
            "services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n  db18:\n    image: postgres:18.0\n    volumes:\n      - type: volume\n        source: pg18\n        target: /var/lib/postgresql\n  mysql:\n    image: mysql:8.4\n    volumes:\n      - ./data/mysql:/var/lib/mysql\n  cache:\n    image: redis:7.4.1\n    tmpfs:\n      - /data\n  app:\n    image: nginx:1.27.2\n  bit:\n    image: bitnami/redis:7.4\n    volumes:\n      - redis:/bitnami/redis/data\nvolumes:\n  pgdata: {}\n  pg18: {}\n  redis: {}\n",
        );
        // The volume comes from an override file; PGDATA honoured.
        let found = findings_with(
            &DatabaseWithoutVolume,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  db:\n    image: postgres:16.4\n    environment:\n      PGDATA: /pgdata/data\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  db:\n    volumes:\n      - pg:/pgdata\nvolumes:\n  pg: {}\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
