use std::collections::BTreeSet;

use seaworthy_compose::model::Tree;
use seaworthy_compose::{Origin, Service};

use super::database_without_volume::data_directories;
use super::{finding_at, ComposeContext, ComposeRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// A service that publishes ports shares a network with a database service it does not use.
///
/// - Databases: the images `compose-database-without-volume` knows (PostgreSQL, MySQL,
///   MariaDB, MongoDB, Redis, Elasticsearch, RabbitMQ, … and their Bitnami builds).
/// - Networks: each service's `networks:`, or the project's implicit `default` network when
///   it names none (services with a `network_mode` are on no project network).
/// - "Uses": the publishing service `depends_on` the database or `links` to it, or one of its
///   `environment` values (`env_file:` included), `command` or `entrypoint` words names the
///   database as a host: its service name, `hostname`, `container_name` or a network alias
///   (`DATABASE_HOST: db`, `postgres://app@db:5432/app`).
/// - The finding points at the publishing service's network entry (at its name when it is on
///   the implicit default network): that is usually what to change.
pub struct PublicServiceReachesDatabase;

static META: RuleMeta = RuleMeta {
    id: "SW2502",
    name: "compose-public-service-reaches-database",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 20,
    aliases: &[],
    summary: "A service that publishes ports shares a network with a database it does not use.",
    why: "Every service on a Compose network can open a connection to every other one on it, \
          on any port: a reverse proxy, a web front end or an admin UI that takes traffic \
          from outside and sits on the same network as the database is one exploited bug \
          away from the database's port, with only its password in the way. Put the \
          database on a backend network shared only with the services that use it, and the \
          public service on a separate front network (`networks: [front]` for the proxy, \
          `[front, back]` for the application, `[back]` for the database). Reported only \
          where the shared network gives the publishing service nothing it needs: a service \
          that depends on, links to or is configured with the database's host name uses it. \
          Differs from KICS (`Networks Not Set`), which reports every service without \
          `networks:`: the implicit default network is a private network of the project, \
          and a project of one application and its database gains nothing from declaring \
          one.",
    bad: "services:\n  proxy:\n    image: nginx:1.27.2\n    ports:\n      - \"127.0.0.1:8080:80\"\n    depends_on: [app]\n  app:\n    image: registry.example.com/app:1.4.2\n    environment:\n      DATABASE_HOST: db\n  db:\n    image: postgres:16.4\n",
    good: "services:\n  proxy:\n    image: nginx:1.27.2\n    ports:\n      - \"127.0.0.1:8080:80\"\n    depends_on: [app]\n    networks: [front]\n  app:\n    image: registry.example.com/app:1.4.2\n    environment:\n      DATABASE_HOST: db\n    networks: [front, back]\n  db:\n    image: postgres:16.4\n    networks: [back]\nnetworks:\n  front: {}\n  back:\n    internal: true\n",
};

/// The names `service` answers to on `network`: its name, hostname, container name and the
/// network's aliases for it.
fn host_names(service: &Service, network: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::from([service.name.to_lowercase()]);
    for key in ["hostname", "container_name"] {
        if let Some(name) = service.raw.get(key).and_then(Tree::scalar_text) {
            names.insert(name.to_lowercase());
        }
    }
    if let Some(aliases) = service
        .raw
        .get("networks")
        .and_then(|n| n.get(network))
        .and_then(|n| n.get("aliases"))
        .and_then(Tree::as_seq)
    {
        names.extend(
            aliases
                .iter()
                .filter_map(Tree::scalar_text)
                .map(|a| a.to_lowercase()),
        );
    }
    names
}

/// The words of a value that could be host names: split at anything but letters, digits,
/// `-`, `_` and `.`.
fn host_words(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Whether `client` uses `database` (reachable as `names`).
fn uses(client: &Service, database: &Service, names: &BTreeSet<String>) -> bool {
    if client.depends_on.iter().any(|d| d.value == database.name) {
        return true;
    }
    let links = client
        .raw
        .get("links")
        .and_then(Tree::as_seq)
        .unwrap_or(&[]);
    if links.iter().filter_map(Tree::scalar_text).any(|l| {
        let target = l.split(':').next().unwrap_or("");
        target == database.name || names.contains(&target.to_lowercase())
    }) {
        return true;
    }
    let mut values: Vec<String> = client
        .environment
        .values()
        .filter_map(|(_, v)| v.as_ref().map(|v| v.value.clone()))
        .collect();
    for key in ["command", "entrypoint"] {
        if let Some(t) = client.raw.get(key) {
            match t.as_seq() {
                Some(items) => values.extend(items.iter().filter_map(Tree::scalar_text)),
                None => values.extend(t.scalar_text()),
            }
        }
    }
    values
        .iter()
        .any(|v| host_words(v).any(|w| names.contains(&w)))
}

impl ComposeRule for PublicServiceReachesDatabase {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &ComposeContext<'_>, out: &mut Vec<Finding>) {
        let databases: Vec<&Service> = cx
            .services()
            .filter(|s| data_directories(s).is_some())
            .collect();
        if databases.is_empty() {
            return;
        }
        for public in cx.services().filter(|s| !s.ports.is_empty()) {
            let implicit = public.raw.get("networks").is_none();
            for network in &public.networks {
                let unused: Vec<&str> = databases
                    .iter()
                    .filter(|db| db.name != public.name)
                    .filter(|db| db.networks.iter().any(|n| n.value == network.value))
                    .filter(|db| !uses(public, db, &host_names(db, &network.value)))
                    .map(|db| db.name.as_str())
                    .collect();
                if unused.is_empty() {
                    continue;
                }
                let at: Origin = if implicit {
                    public.name_origin
                } else {
                    network.origin
                };
                let dbs = unused
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let which = if implicit {
                    "the project's default network".to_string()
                } else {
                    format!("network `{}`", network.value)
                };
                out.push(finding_at(
                    &META,
                    at,
                    format!(
                        "service `{}` publishes ports and shares {which} with the database \
                         {dbs}, which it does not use: put the database on a network of its \
                         own clients only",
                        public.name
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::compose::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&PublicServiceReachesDatabase);
    }

    #[test]
    fn fires() {
        // The three tiers on the implicit default network: the proxy, at its name.
        assert_fires(&PublicServiceReachesDatabase, META.bad, &[2]);
        // Declared networks: at the proxy's entry of the shared one.
        assert_fires(
            &PublicServiceReachesDatabase,
            "services:\n  proxy:\n    image: nginx:1.27.2\n    ports: [\"80:80\"]\n    networks:\n      - front\n      - back\n  app:\n    image: x:1.0.0\n    networks: [front, back]\n    depends_on: [db, cache]\n  db:\n    image: mariadb:11.4\n    networks: [back]\n  cache:\n    image: redis:7.4\n    networks: [back]\nnetworks:\n  front: {}\n  back: {}\n",
            &[7],
        );
        let found = findings_with(
            &PublicServiceReachesDatabase,
            &crate::Settings::default(),
            &[(
                "compose.yaml",
                "services:\n  adminer:\n    image: adminer:4.8.1\n    ports: [\"127.0.0.1:8081:8080\"]\n  db:\n    image: postgres:16.4\n  cache:\n    image: bitnami/redis:7.4\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].2.contains("`cache`, `db`"), "{found:?}");
        // The network comes from an override file.
        let found = findings_with(
            &PublicServiceReachesDatabase,
            &crate::Settings::default(),
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    image: x:1.0.0\n    ports: [\"8080:8080\"]\n    networks: [front]\n  db:\n    image: mongo:7.0\n    networks: [back]\nnetworks:\n  front: {}\n  back: {}\n",
                ),
                (
                    "compose.override.yaml",
                    "services:\n  web:\n    networks: [back]\n",
                ),
            ],
        );
        assert_eq!(places(&found), [("compose.override.yaml", 3)]);
        // A name that only contains the database's name is not a use of it.
        assert_fires(
            &PublicServiceReachesDatabase,
            "services:\n  web:\n    image: x:1.0.0\n    ports: [\"8080:8080\"]\n    environment:\n      LOG_DB: dbx\n      PREFIX: my-db-app\n  db:\n    image: postgres:16.4\n",
            &[2],
        );
    }

    #[test]
    fn passes() {
        assert_clean(&PublicServiceReachesDatabase, META.good);
        // The publishing service uses the database: by depends_on, link, host name in a URL,
        // a hostname or network alias, a command argument.
        for client in [
            "    depends_on:\n      db:\n        condition: service_healthy\n",
            "    links: [\"db:database\"]\n",
            "    environment:\n      - DATABASE_URL=postgres://app@db:5432/app\n",
            "    environment:\n      PGHOST: pg.internal\n",
            "    environment:\n      PGHOST: primary\n",
            "    command: [\"--db-host\", \"DB\"]\n",
        ] {
            let compose = format!(
                "services:\n  web:\n    image: x:1.0.0\n    ports: [\"8080:8080\"]\n{client}  db:\n    image: postgres:16.4\n    hostname: pg.internal\n    networks:\n      default:\n        aliases: [primary]\n"
            );
            assert_clean(&PublicServiceReachesDatabase, &compose);
        }
        // Separate networks; nothing published; a database that publishes its own port;
        // a service in another's network namespace.
        assert_clean(
            &PublicServiceReachesDatabase,
            "services:\n  web:\n    image: x:1.0.0\n    ports: [\"8080:8080\"]\n    networks: [front]\n  db:\n    image: postgres:16.4\n    networks: [back]\nnetworks:\n  front: {}\n  back: {}\n",
        );
        assert_clean(
            &PublicServiceReachesDatabase,
            "services:\n  worker:\n    image: x:1.0.0\n  db:\n    image: postgres:16.4\n",
        );
        assert_clean(
            &PublicServiceReachesDatabase,
            "services:\n  db:\n    image: postgres:16.4\n    ports: [\"127.0.0.1:5432:5432\"]\n",
        );
        assert_clean(
            &PublicServiceReachesDatabase,
            "services:\n  vpn:\n    image: x:1.0.0\n    networks: [back]\n  web:\n    image: y:1.0.0\n    network_mode: service:vpn\n  db:\n    image: postgres:16.4\n    networks: [back]\nnetworks:\n  back: {}\n",
        );
    }
}
