use seaworthy_dockerfile::{Args, BaseImage, Expanded, Keyword, Span, Stage};

use super::{DockerfileContext, DockerfileRule};
use crate::{Category, Finding, RuleMeta, Severity};

/// The final image runs a database server whose data directory is not on a `VOLUME`. Two cases,
/// both judged on the final stage and the stages it is built `FROM`:
///
/// 1. A server package is installed with a package manager (`apt-get`/`apt`, `apk`, `yum`,
///    `dnf`, `microdnf`, `zypper`): PostgreSQL (`postgresql`, `postgresql-16`, `postgresql16`,
///    `postgresql-server`), MySQL (`mysql-server`, `mysql-community-server`,
///    `default-mysql-server`), MariaDB (`mariadb-server`, `mariadb`), MongoDB (`mongodb`,
///    `mongodb-org`, `mongodb-org-server`), Redis and Valkey (`redis-server`, `valkey-server`;
///    plain `redis`/`valkey`, which may be installed for the CLI, only when CMD or ENTRYPOINT
///    runs the server), Elasticsearch and OpenSearch. Client, library and tool packages do not
///    count. The data directory is the one the Dockerfile sets (`ENV PGDATA`, `--datadir`,
///    `--dbpath`, `--dir`, `path.data` in CMD or ENTRYPOINT), else the server's usual ones.
/// 2. The stage is built on the server's official image (`postgres`, `mysql`, `mariadb`,
///    `mongo`, `redis`, `valkey/valkey`) and moves the data directory (`ENV PGDATA`,
///    `--datadir`, `--dbpath`, `--dir`) outside the volume that image declares.
///
/// A data directory counts as on a volume when a `VOLUME` in the chain is the directory, one
/// of its parents, or a directory below it.
pub struct DatabaseDataNotOnVolume;

static META: RuleMeta = RuleMeta {
    id: "SW1121",
    name: "database-data-not-on-volume",
    severity: Severity::Warning,
    category: Category::Runtime,
    practice: 6,
    aliases: &[],
    summary: "The image runs a database whose data directory is not on a VOLUME.",
    why: "Without a volume a database writes into the container's writable layer: the data is \
          lost when the container is removed or replaced (every deploy, every `docker compose \
          up --force-recreate`), it cannot be backed up or moved on its own, and the copy-on-write \
          layer makes heavy writes slow. Declare a VOLUME on the data directory so that every \
          run gets a volume even when the operator forgets to mount one, and mount a named \
          volume or a persistent volume claim on it.",
    bad: "FROM postgres:17.0\nENV PGDATA=/srv/pgdata\n",
    good: "FROM postgres:17.0\nENV PGDATA=/var/lib/postgresql/data/pgdata\n",
};

/// A database server: how to recognise its packages and images, and where it keeps its data.
struct Server {
    name: &'static str,
    /// Whether an installed package name is this server.
    package: fn(&str) -> bool,
    /// Installs only count when CMD/ENTRYPOINT runs one of these.
    needs_command: Option<&'static [&'static str]>,
    /// Official image repositories (`library/…` for Docker Hub).
    images: &'static [&'static str],
    /// The volumes the official image declares.
    image_volumes: &'static [&'static str],
    /// The usual data directories of a package install.
    data_dirs: &'static [&'static str],
    /// `ENV` names that set the data directory.
    env: &'static [&'static str],
    /// Command-line options that set the data directory.
    options: &'static [&'static str],
}

const SERVERS: &[Server] = &[
    Server {
        name: "PostgreSQL",
        package: |p| {
            let Some(rest) = p.strip_prefix("postgresql") else {
                return false;
            };
            let rest = rest.strip_suffix("-server").unwrap_or(rest);
            let rest = rest.strip_prefix('-').unwrap_or(rest);
            rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        },
        needs_command: None,
        images: &["library/postgres", "bitnami/postgresql"],
        image_volumes: &["/var/lib/postgresql", "/bitnami/postgresql"],
        data_dirs: &[
            "/var/lib/postgresql",
            "/var/lib/pgsql",
            "/usr/local/pgsql/data",
        ],
        env: &["PGDATA", "POSTGRESQL_DATA_DIR"],
        options: &["-D", "--pgdata"],
    },
    Server {
        name: "MySQL",
        package: |p| {
            matches!(
                p,
                "mysql-server" | "mysql-community-server" | "default-mysql-server"
            ) || p
                .strip_prefix("mysql-server-")
                .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        },
        needs_command: None,
        images: &["library/mysql", "library/percona", "bitnami/mysql"],
        image_volumes: &["/var/lib/mysql", "/bitnami/mysql"],
        data_dirs: &["/var/lib/mysql"],
        env: &[],
        options: &["--datadir"],
    },
    Server {
        name: "MariaDB",
        package: |p| matches!(p, "mariadb" | "mariadb-server" | "default-mariadb-server"),
        needs_command: None,
        images: &["library/mariadb", "bitnami/mariadb"],
        image_volumes: &["/var/lib/mysql", "/bitnami/mariadb"],
        data_dirs: &["/var/lib/mysql"],
        env: &[],
        options: &["--datadir"],
    },
    Server {
        name: "MongoDB",
        package: |p| {
            matches!(
                p,
                "mongodb" | "mongodb-server" | "mongodb-org" | "mongodb-org-server"
            )
        },
        needs_command: None,
        images: &["library/mongo", "bitnami/mongodb"],
        image_volumes: &["/data/db", "/data/configdb", "/bitnami/mongodb"],
        data_dirs: &["/data/db", "/var/lib/mongodb", "/var/lib/mongo"],
        env: &[],
        options: &["--dbpath"],
    },
    Server {
        name: "Redis",
        package: |p| matches!(p, "redis-server" | "valkey-server"),
        needs_command: None,
        images: &["library/redis", "valkey/valkey", "bitnami/redis"],
        image_volumes: &["/data", "/bitnami/redis"],
        data_dirs: &["/var/lib/redis", "/var/lib/valkey", "/data"],
        env: &[],
        options: &["--dir"],
    },
    Server {
        name: "Redis",
        package: |p| matches!(p, "redis" | "valkey"),
        needs_command: Some(&["redis-server", "valkey-server"]),
        images: &[],
        image_volumes: &[],
        data_dirs: &["/var/lib/redis", "/var/lib/valkey", "/data"],
        env: &[],
        options: &["--dir"],
    },
    Server {
        name: "Elasticsearch",
        package: |p| matches!(p, "elasticsearch" | "opensearch"),
        needs_command: None,
        images: &[],
        image_volumes: &[],
        data_dirs: &[
            "/var/lib/elasticsearch",
            "/usr/share/elasticsearch/data",
            "/var/lib/opensearch",
            "/usr/share/opensearch/data",
        ],
        env: &[],
        options: &["-Epath.data"],
    },
];

impl DockerfileRule for DatabaseDataNotOnVolume {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>) {
        let Some(last) = cx.final_stage() else { return };
        let chain: Vec<&Stage<'_>> = cx.runtime_chain().into_iter().rev().collect();
        let base_repo = chain.first().and_then(|s| match &s.base {
            BaseImage::Image(image) if image.registry == "docker.io" => {
                Some(image.repository.as_str())
            }
            _ => None,
        });
        let volumes = volumes(&chain);
        let command = start_command(cx, &chain);
        for server in SERVERS {
            // Case 1: installed here.
            let install = installed(&chain, server.package);
            let runs = server.needs_command.is_none_or(|names| {
                command
                    .iter()
                    .any(|(w, _)| names.iter().any(|n| w.ends_with(n)))
            });
            // Case 2: the official image, with its data directory moved.
            let official = base_repo.is_some_and(|r| server.images.contains(&r));
            let install = install.filter(|_| runs);
            if install.is_none() && !official {
                continue;
            }
            let custom = custom_data_dirs(cx, &chain, &command, server);
            let dirs: Vec<(String, Option<Span>)> = if !custom.is_empty() {
                custom
            } else if official {
                continue;
            } else {
                server
                    .data_dirs
                    .iter()
                    .map(|d| (d.to_string(), None))
                    .collect()
            };
            let mut covered_by: Vec<&str> = volumes.iter().map(|(v, _)| v.as_str()).collect();
            if official {
                covered_by.extend(server.image_volumes);
            }
            let covered = |d: &str| {
                covered_by
                    .iter()
                    .any(|v| *v == d || under(d, v) || under(v, d))
            };
            if install.is_some()
                && custom_is_default(&dirs)
                && server.data_dirs.iter().any(|d| covered(d))
            {
                continue;
            }
            let Some((dir, span)) = dirs.iter().find(|(d, _)| !covered(d)) else {
                continue;
            };
            let span = span
                .or(install.as_ref().map(|(_, s)| *s))
                .unwrap_or(last.from.keyword);
            let how = match &install {
                Some((package, _)) => format!("installs {} (`{package}`)", server.name),
                None => format!("runs {} from its official image", server.name),
            };
            out.push(Finding::new(
                &META,
                span,
                format!(
                    "the image {how} but its data directory {dir} is not on a VOLUME: the data \
                     lives in the container's writable layer and is lost with the container"
                ),
            ));
            return;
        }
    }
}

/// With no custom directory every usual directory is listed; one covered is enough.
fn custom_is_default(dirs: &[(String, Option<Span>)]) -> bool {
    dirs.iter().all(|(_, s)| s.is_none())
}

/// The first package of `is_server` installed in the chain, and where.
fn installed<'a>(chain: &[&'a Stage<'a>], is_server: fn(&str) -> bool) -> Option<(String, Span)> {
    const MANAGERS: &[(&str, &[&str])] = &[
        ("apt-get", &["install"]),
        ("apt", &["install"]),
        ("apk", &["add"]),
        ("yum", &["install"]),
        ("dnf", &["install"]),
        ("microdnf", &["install"]),
        ("tdnf", &["install"]),
        ("zypper", &["install", "in"]),
    ];
    for stage in chain {
        for step in &stage.steps {
            let Some(run) = &step.run else { continue };
            let Some(script) = run.script() else { continue };
            for cmd in &script.commands {
                let Some(name) = cmd.name_str() else { continue };
                let Some((_, subs)) = MANAGERS.iter().find(|(m, _)| *m == name) else {
                    continue;
                };
                let mut words = cmd
                    .args
                    .iter()
                    .filter(|w| !w.value.as_deref().is_some_and(|v| v.starts_with('-')));
                let Some(sub) = words.next().and_then(|w| w.value.as_deref()) else {
                    continue;
                };
                if !subs.contains(&sub) {
                    continue;
                }
                for word in words {
                    let Some(value) = word.value.as_deref() else {
                        continue;
                    };
                    let package = value
                        .split(['=', '<', '>', '~'])
                        .next()
                        .unwrap_or(value)
                        .split(':')
                        .next()
                        .unwrap_or(value);
                    if is_server(package) {
                        return Some((package.to_owned(), run.source_span(word.span.clone())));
                    }
                }
            }
        }
    }
    None
}

/// Every VOLUME path of the chain, absolute.
fn volumes(chain: &[&Stage<'_>]) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for stage in chain {
        for step in &stage.steps {
            if let Expanded::Volume(paths) = &step.expanded {
                for p in paths {
                    let path = if p.starts_with('/') {
                        clean(p)
                    } else if let Some(w) = &step.in_effect.workdir {
                        clean(&format!("{}/{p}", w.path))
                    } else {
                        continue;
                    };
                    out.push((path, step.instruction.keyword));
                }
            }
        }
    }
    out
}

/// The words of the last ENTRYPOINT and CMD of the chain.
fn start_command(cx: &DockerfileContext<'_>, chain: &[&Stage<'_>]) -> Vec<(String, Span)> {
    let mut entrypoint = Vec::new();
    let mut cmd = Vec::new();
    for stage in chain {
        for step in &stage.steps {
            let ins = step.instruction;
            let target = match ins.kind {
                Keyword::Entrypoint => &mut entrypoint,
                Keyword::Cmd => &mut cmd,
                _ => continue,
            };
            target.clear();
            match &ins.args {
                Args::Json { items, .. } => {
                    for item in items {
                        target.push((cx.file.arg_value(ins, item).into_owned(), item.span));
                    }
                }
                Args::String(arg) => {
                    for word in cx.file.logical(ins, arg.span).split_whitespace() {
                        target.push((word.trim_matches(['"', '\'']).to_owned(), arg.span));
                    }
                }
                _ => {}
            }
        }
    }
    entrypoint.extend(cmd);
    entrypoint
}

/// Data directories the Dockerfile sets for `server`, with where.
fn custom_data_dirs(
    cx: &DockerfileContext<'_>,
    chain: &[&Stage<'_>],
    command: &[(String, Span)],
    server: &Server,
) -> Vec<(String, Option<Span>)> {
    let mut out = Vec::new();
    for stage in chain {
        for step in &stage.steps {
            let (Expanded::Env(pairs), Args::KeyValues(kvs)) =
                (&step.expanded, &step.instruction.args)
            else {
                continue;
            };
            for ((k, v), kv) in pairs.iter().zip(kvs) {
                if server.env.contains(&k.as_str()) && v.starts_with('/') && !v.contains('$') {
                    out.retain(|(_, s): &(String, Option<Span>)| {
                        s.is_none_or(|s| cx.file.slice(s).trim() != k.as_str())
                    });
                    out.push((clean(v), Some(kv.value)));
                }
            }
        }
    }
    for (i, (word, span)) in command.iter().enumerate() {
        for option in server.options {
            let value = if word == option {
                command.get(i + 1).map(|(v, _)| v.as_str())
            } else {
                word.strip_prefix(option).and_then(|r| r.strip_prefix('='))
            };
            if let Some(v) = value.filter(|v| v.starts_with('/')) {
                out.push((clean(v), Some(*span)));
            }
        }
    }
    out
}

fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `path` is strictly below `dir`.
fn under(path: &str, dir: &str) -> bool {
    (dir == "/" && path != "/")
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn documented_examples() {
        assert_documented_examples(&DatabaseDataNotOnVolume);
    }

    #[test]
    fn fires() {
        let rule = &DatabaseDataNotOnVolume;
        assert_fires(
            rule,
            "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    postgresql-15\nCMD [\"postgres\"]\n",
            &[3],
        );
        assert_fires(rule, "FROM alpine\nRUN apk add --no-cache mariadb\n", &[2]);
        assert_fires(
            rule,
            "FROM rockylinux:9\nRUN dnf install -y postgresql-server\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM ubuntu\nRUN apt-get install -y mongodb-org=7.0.2\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM debian\nRUN apt-get install -y redis-server\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM alpine\nRUN apk add redis\nCMD [\"redis-server\", \"--appendonly\", \"yes\"]\n",
            &[2],
        );
        // A VOLUME elsewhere does not help.
        assert_fires(
            rule,
            "FROM debian\nRUN apt-get install -y mysql-server\nVOLUME /var/log/mysql\n",
            &[2],
        );
        // The data directory set by ENV, without a volume on it.
        assert_fires(
            rule,
            "FROM alpine\nRUN apk add postgresql16\nENV PGDATA=/srv/pg\nVOLUME /var/lib/postgresql\n",
            &[3],
        );
        // The official image with its data directory moved out of its volume.
        assert_fires(rule, "FROM postgres:16\nENV PGDATA=/pgdata\n", &[2]);
        assert_fires(
            rule,
            "FROM mysql:8.4\nCMD [\"mysqld\", \"--datadir=/srv/mysql\"]\n",
            &[2],
        );
        assert_fires(
            rule,
            "FROM mongo:7 AS db\nFROM db\nCMD [\"mongod\", \"--dbpath\", \"/srv/mongo\"]\n",
            &[3],
        );
    }

    #[test]
    fn passes() {
        let rule = &DatabaseDataNotOnVolume;
        let ok = [
            "FROM debian\nRUN apt-get install -y postgresql-15\nVOLUME /var/lib/postgresql\n",
            "FROM debian\nRUN apt-get install -y postgresql-15\nVOLUME /var/lib/postgresql/15/main\n",
            "FROM alpine\nRUN apk add postgresql16\nENV PGDATA=/srv/pg\nVOLUME /srv/pg\n",
            "FROM debian\nRUN apt-get install -y mysql-server\nVOLUME [\"/var/lib/mysql\"]\n",
            // Clients and tools are not servers.
            "FROM debian\nRUN apt-get install -y postgresql-client-15 libpq-dev mysql-client redis-tools\n",
            "FROM alpine\nRUN apk add postgresql16-client mariadb-client mongodb-tools\n",
            // Plain redis without running the server: installed for the CLI.
            "FROM alpine\nRUN apk add redis\nCMD [\"app\"]\n",
            // The official images declare their volumes.
            "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
            "FROM postgres:16\nENV PGDATA=/var/lib/postgresql/data/pgdata\n",
            "FROM redis:7\nCMD [\"redis-server\", \"--dir\", \"/data/redis\"]\n",
            // A build stage's database does not ship.
            "FROM debian AS test\nRUN apt-get install -y postgresql\nFROM debian\nCMD [\"app\"]\n",
            // Not a package manager install.
            "FROM debian\nRUN apt-get remove -y postgresql\n",
        ];
        for src in ok {
            assert_clean(rule, src);
        }
    }
}
