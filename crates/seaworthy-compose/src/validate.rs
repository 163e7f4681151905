//! The Compose file schema, checked as `docker compose` checks it: unknown keys (outside `x-`
//! extensions) and values of the wrong type are errors, with the place and a suggestion.
//!
//! The knowledge is the Compose specification's JSON schema as compose-go (v2.9) embeds it,
//! written here as a table of objects, their keys and the types each key takes, plus what
//! compose-go does around the schema:
//!
//! - **When.** compose-go validates each document after interpolation, after `extends` and
//!   `include` are applied and after merging it into the documents and files before it. So a
//!   value is checked as interpolated (`cgroup: ${CG}` is checked against `host|private` with
//!   `CG`'s value), and types are YAML's: `user: 1000` is an integer and an error, `"1000"` a
//!   string. Values tagged `!reset` are dropped before validation and are not checked.
//! - **Casts.** Interpolation casts strings at some paths to the type the schema wants
//!   (`privileged: "yes"`, `cpus: "0.5"`, `ports[].target: "80"`, `ulimits`...), failing on a
//!   string that does not parse (`privileged: "maybe"`, `cpus: ""`): [`Schema::Cast`].
//! - **Duplicates.** Lists that compose-go de-duplicates before validating (environment,
//!   labels, cap_add, ports, volumes...) never fail the schema's `uniqueItems`; the others
//!   (security_opt, depends_on, networks, extra_hosts...) do.
//! - **Not checked by the schema**: `extends` (removed once applied) and `include` (removed
//!   once its files are loaded, and those are validated on their own).
//! - **Keys** must be strings (`1: a` is an error, even inside `x-` extensions).
//!
//! Each document is checked on its own, before merging: compose-go checks the merge, but a value
//! that is wrong in a document is wrong in the merge too, with one exception: an object merged
//! key by key (a `depends_on` entry, a provider, a model) may take its required keys from the
//! one it overrides or extends, so those are not required in override documents and in services
//! that extend another.

use crate::model::{Origin, Spanned, Tree, TreeValue};
use crate::yaml::{Node, Span, Value};

/// What [`document`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check<'a> {
    /// The whole document: the first document of a project.
    Full,
    /// The whole document, merged onto others.
    Override,
    /// Only service `name`: a service `extends` reads from another file (compose-go validates
    /// only what the extending service takes from it).
    Service(&'a str),
}

impl Check<'_> {
    /// The check for a later document of the same file.
    pub(crate) fn next_document(self) -> Self {
        match self {
            Check::Full => Check::Override,
            other => other,
        }
    }
}

/// A schema violation: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub origin: Origin,
    pub message: String,
}

/// Checks that every mapping key of a document is a string, as compose-go requires
/// (go-yaml reads `1:` or `true:` as a number or a boolean).
pub(crate) fn keys(node: &Node) -> Result<(), (Span, String)> {
    let mut path = Vec::new();
    keys_in(node, &mut path)
}

fn keys_in<'n>(node: &'n Node, path: &mut Vec<Segment<'n>>) -> Result<(), (Span, String)> {
    if node.has_tag("!reset") {
        return Ok(());
    }
    match &node.value {
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Segment::Index(i));
                keys_in(item, path)?;
                path.pop();
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let name = match &k.value {
                    Value::String(s) => s.as_str(),
                    Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Null => {
                        let text = match &k.value {
                            Value::Int(i) => i.to_string(),
                            Value::Float(f) => crate::model::format_float(*f),
                            Value::Bool(b) => b.to_string(),
                            _ => "null".into(),
                        };
                        let place = if path.is_empty() {
                            "at the top level".to_string()
                        } else {
                            format!("in {}", render(path))
                        };
                        return Err((
                            k.span,
                            format!(
                                "mapping key {text} {place} is not a string: Compose keys must be \
                                 strings (quote it: \"{text}\")"
                            ),
                        ));
                    }
                    Value::Seq(_) | Value::Map(_) => {
                        return Err((k.span, "mapping key must be a scalar".into()));
                    }
                };
                path.push(Segment::Key(name));
                keys_in(v, path)?;
                path.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// Checks an interpolated document (or one service of it) against the Compose schema.
pub(crate) fn document<'t>(root: &'t Tree, check: Check<'t>) -> Result<(), Violation> {
    let mut walker = Walker {
        path: Vec::new(),
        merged: check != Check::Full,
    };
    match check {
        Check::Service(name) => {
            let Some(service) = root.get("services").and_then(|s| s.get(name)) else {
                return Ok(());
            };
            if is_reset(service) {
                return Ok(());
            }
            walker.path = vec![Segment::Key("services"), Segment::Key(name)];
            walker.check(&Schema::Obj(&SERVICE), view(service), service.origin)
        }
        Check::Full | Check::Override => walker.check(&Schema::Obj(&ROOT), view(root), root.origin),
    }
}

// ---------------------------------------------------------------------------------------------
// The schema.

/// Kinds of value, as bits: a [`Schema::Of`] accepts the kinds of its bits.
type Kinds = u8;
const NULL: Kinds = 1;
const BOOL: Kinds = 2;
/// An integer, or a number with no fractional part (`2.0`), as JSON Schema's "integer".
const INT: Kinds = 4;
/// Any number, integers included.
const NUM: Kinds = 8;
const STR: Kinds = 16;
const SEQ: Kinds = 32;
const MAP: Kinds = 64;
const ANY: Kinds = NULL | BOOL | INT | NUM | STR | SEQ | MAP;

/// How a string at a cast path is converted before it is checked (compose-go's
/// `interpolateTypeCastMapping`).
#[derive(Debug, Clone, Copy)]
enum Cast {
    /// `strconv.Atoi` / `ParseInt(s, 10, 64)`.
    Int,
    /// `strconv.ParseFloat(s, 64)`.
    Float,
    /// `strconv.ParseFloat(s, 32)`.
    Float32,
    /// true/false, and YAML 1.1's y/yes/on, n/no/off, in any case.
    Bool,
}

enum Schema {
    /// Anything (`x-` extensions, keys checked elsewhere).
    Any,
    /// A value of one of these kinds; lists and mappings of any content when their bits are set.
    Of(Kinds),
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A string accepted by the function, described by the text.
    Pattern(fn(&str) -> bool, &'static str),
    /// An integer in `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// A list whose items follow `items`; `unique`: no two equal items.
    Seq {
        items: &'static Schema,
        unique: bool,
    },
    Obj(&'static Object),
    /// The first alternative that takes the value's kind (the schema's `oneOf`s have
    /// alternatives of distinct kinds).
    OneOf(&'static [Schema]),
    /// A string is converted first, then checked; other values are checked as they are.
    Cast(Cast, &'static Schema),
}

/// Which keys a pattern of the schema's `patternProperties` takes.
#[derive(Debug, Clone, Copy)]
enum Keys {
    /// Any non-empty key (`.+`).
    NonEmpty,
    /// A resource name: letters, digits, `.`, `_`, `-` (`^[a-zA-Z0-9._-]+$`).
    Name,
    /// Lower-case letters (`^[a-z]+$`, ulimits).
    Lower,
}

impl Keys {
    fn matches(self, key: &str) -> bool {
        match self {
            Keys::NonEmpty => !key.is_empty(),
            Keys::Name => {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            }
            Keys::Lower => !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase()),
        }
    }
}

struct Object {
    /// What the object is, for messages ("a service").
    what: &'static str,
    props: &'static [(&'static str, Schema)],
    /// Keys matching the pattern follow its schema (as well as their property's, if any).
    pattern: Option<(Keys, &'static Schema)>,
    /// `x-` keys are allowed, with any value.
    ext: bool,
    /// Keys that are neither properties, nor matched by the pattern, nor `x-` are errors.
    closed: bool,
    required: &'static [&'static str],
    /// compose-go merges the object key by key with the one it overrides or extends (a
    /// `depends_on` entry), so a required key may come from there. Other objects with
    /// required keys replace the one before them (list items, ulimits).
    merges: bool,
    /// compose-go merges the mapping onto the one before it by turning both into `KEY=VALUE`
    /// strings (environment, labels...), so in a merged document its values are not checked.
    stringified: bool,
}

/// A closed object with `x-` extensions: the common case.
const OBJECT: Object = Object {
    what: "",
    props: &[],
    pattern: None,
    ext: true,
    closed: true,
    required: &[],
    merges: false,
    stringified: false,
};

const STRING: Schema = Schema::Of(STR);
const BOOL_STR: Schema = Schema::Of(BOOL | STR);
const INT_STR: Schema = Schema::Of(INT | STR);
const NUM_STR: Schema = Schema::Of(NUM | STR);
/// A list of strings whose duplicates are errors (`list_of_strings`).
const UNIQUE_STRINGS: Schema = Schema::Seq {
    items: &STRING,
    unique: true,
};
/// A list of strings that may repeat, or that compose-go de-duplicates before validating.
const STRINGS: Schema = Schema::Seq {
    items: &STRING,
    unique: false,
};
const STRING_OR_LIST: Schema = Schema::OneOf(&[STRING, UNIQUE_STRINGS]);
const STRING_OR_DEDUPED_LIST: Schema = Schema::OneOf(&[STRING, STRINGS]);
const COMMAND: Schema = Schema::OneOf(&[Schema::Of(NULL), STRING, STRINGS]);
const BOOL_CAST: Schema = Schema::Cast(Cast::Bool, &BOOL_STR);

/// `list_or_dict`: a mapping of scalars, or a list of unique strings.
const DICT: Object = Object {
    what: "a mapping",
    pattern: Some((Keys::NonEmpty, &Schema::Of(STR | NUM | BOOL | NULL))),
    ext: false,
    ..OBJECT
};
const LIST_OR_DICT: Schema = Schema::OneOf(&[Schema::Obj(&DICT), UNIQUE_STRINGS]);
/// `list_or_dict` where compose-go de-duplicates the list by key first, and merges the mapping
/// as a list of `KEY=VALUE` strings.
const LIST_OR_DICT_DEDUPED: Schema = Schema::OneOf(&[
    Schema::Obj(&Object {
        stringified: true,
        ..DICT
    }),
    STRINGS,
]);

/// `driver_opts`: an open mapping of strings and numbers.
const DRIVER_OPTS: Schema = Schema::Obj(&Object {
    what: "driver options",
    pattern: Some((Keys::NonEmpty, &Schema::Of(STR | NUM))),
    ext: false,
    closed: false,
    ..OBJECT
});

const EXTRA_HOSTS: Schema = Schema::OneOf(&[
    Schema::Obj(&Object {
        what: "extra hosts",
        pattern: Some((Keys::NonEmpty, &Schema::OneOf(&[STRING, STRINGS]))),
        ext: false,
        ..OBJECT
    }),
    UNIQUE_STRINGS,
]);

const SERVICE_CONFIG_OR_SECRET: Schema = Schema::Seq {
    items: &Schema::OneOf(&[
        STRING,
        Schema::Obj(&Object {
            what: "a secret or config reference",
            props: &[
                ("source", STRING),
                ("target", STRING),
                ("uid", STRING),
                ("gid", STRING),
                ("mode", NUM_STR),
            ],
            ..OBJECT
        }),
    ]),
    unique: false,
};

const ULIMITS: Schema = Schema::Obj(&Object {
    what: "ulimits",
    pattern: Some((
        Keys::Lower,
        &Schema::OneOf(&[
            INT_STR,
            Schema::Obj(&Object {
                what: "a ulimit",
                props: &[("hard", INT_STR), ("soft", INT_STR)],
                required: &["soft", "hard"],
                ..OBJECT
            }),
        ]),
    )),
    ext: false,
    closed: false,
    ..OBJECT
});

/// A service's `ulimits`, whose strings compose-go casts to integers.
const ULIMITS_CAST: Schema = Schema::Obj(&Object {
    what: "ulimits",
    pattern: Some((
        Keys::Lower,
        &Schema::Cast(
            Cast::Int,
            &Schema::OneOf(&[
                INT_STR,
                Schema::Obj(&Object {
                    what: "a ulimit",
                    props: &[
                        ("hard", Schema::Cast(Cast::Int, &INT_STR)),
                        ("soft", Schema::Cast(Cast::Int, &INT_STR)),
                    ],
                    required: &["soft", "hard"],
                    ..OBJECT
                }),
            ]),
        ),
    )),
    ext: false,
    closed: false,
    ..OBJECT
});

const SERVICE_HOOK: Schema = Schema::Obj(&Object {
    what: "a lifecycle hook",
    props: &[
        ("command", COMMAND),
        ("user", STRING),
        ("privileged", BOOL_STR),
        ("working_dir", STRING),
        ("environment", LIST_OR_DICT),
    ],
    required: &["command"],
    ..OBJECT
});

const HEALTHCHECK: Object = Object {
    what: "a healthcheck",
    props: &[
        ("disable", BOOL_CAST),
        ("interval", STRING),
        ("retries", Schema::Cast(Cast::Int, &NUM_STR)),
        ("test", Schema::OneOf(&[STRING, STRINGS])),
        ("timeout", STRING),
        ("start_period", STRING),
        ("start_interval", STRING),
    ],
    ..OBJECT
};

const DEVICE_REQUEST_PROPS: &[(&str, Schema)] = &[
    ("capabilities", UNIQUE_STRINGS),
    ("count", INT_STR),
    ("device_ids", UNIQUE_STRINGS),
    ("driver", STRING),
    ("options", LIST_OR_DICT),
];

const DEVICES: Schema = Schema::Seq {
    items: &Schema::Obj(&Object {
        what: "a device request",
        props: DEVICE_REQUEST_PROPS,
        required: &["capabilities"],
        ..OBJECT
    }),
    unique: false,
};

const GPUS: Schema = Schema::OneOf(&[
    Schema::Enum(&["all"]),
    Schema::Seq {
        // The schema puts `additionalProperties: false` beside `items`, where it does nothing:
        // a GPU request takes any key.
        items: &Schema::Obj(&Object {
            what: "a GPU request",
            props: DEVICE_REQUEST_PROPS,
            closed: false,
            ..OBJECT
        }),
        unique: false,
    },
]);

const UPDATE_CONFIG: Schema = Schema::Obj(&Object {
    what: "an update or rollback config",
    props: &[
        ("parallelism", Schema::Cast(Cast::Int, &INT_STR)),
        ("delay", STRING),
        ("failure_action", STRING),
        ("monitor", STRING),
        ("max_failure_ratio", Schema::Cast(Cast::Float, &NUM_STR)),
        ("order", Schema::Enum(&["start-first", "stop-first"])),
    ],
    ..OBJECT
});

const DEPLOYMENT: Schema = Schema::OneOf(&[
    Schema::Of(NULL),
    Schema::Obj(&Object {
        what: "a deploy section",
        props: &[
            ("mode", STRING),
            ("endpoint_mode", STRING),
            ("replicas", Schema::Cast(Cast::Int, &INT_STR)),
            ("labels", LIST_OR_DICT_DEDUPED),
            ("rollback_config", UPDATE_CONFIG),
            ("update_config", UPDATE_CONFIG),
            (
                "resources",
                Schema::Obj(&Object {
                    what: "deploy resources",
                    props: &[
                        (
                            "limits",
                            Schema::Obj(&Object {
                                what: "resource limits",
                                props: &[("cpus", NUM_STR), ("memory", STRING), ("pids", INT_STR)],
                                ..OBJECT
                            }),
                        ),
                        (
                            "reservations",
                            Schema::Obj(&Object {
                                what: "resource reservations",
                                props: &[
                                    ("cpus", NUM_STR),
                                    ("memory", STRING),
                                    ("generic_resources", GENERIC_RESOURCES),
                                    ("devices", DEVICES),
                                ],
                                ..OBJECT
                            }),
                        ),
                    ],
                    ..OBJECT
                }),
            ),
            (
                "restart_policy",
                Schema::Obj(&Object {
                    what: "a restart policy",
                    props: &[
                        ("condition", STRING),
                        ("delay", STRING),
                        ("max_attempts", Schema::Cast(Cast::Int, &INT_STR)),
                        ("window", STRING),
                    ],
                    ..OBJECT
                }),
            ),
            (
                "placement",
                Schema::Obj(&Object {
                    what: "a placement",
                    props: &[
                        ("constraints", STRINGS),
                        (
                            "preferences",
                            Schema::Seq {
                                items: &Schema::Obj(&Object {
                                    what: "a placement preference",
                                    props: &[("spread", STRING)],
                                    ..OBJECT
                                }),
                                unique: false,
                            },
                        ),
                        ("max_replicas_per_node", Schema::Cast(Cast::Int, &INT_STR)),
                    ],
                    ..OBJECT
                }),
            ),
        ],
        ..OBJECT
    }),
]);

const GENERIC_RESOURCES: Schema = Schema::Seq {
    items: &Schema::Obj(&Object {
        what: "a generic resource",
        props: &[(
            "discrete_resource_spec",
            Schema::Obj(&Object {
                what: "a discrete resource spec",
                props: &[("kind", STRING), ("value", NUM_STR)],
                ..OBJECT
            }),
        )],
        ..OBJECT
    }),
    unique: false,
};

const DEVELOPMENT: Schema = Schema::OneOf(&[
    Schema::Of(NULL),
    Schema::Obj(&Object {
        what: "a develop section",
        props: &[(
            "watch",
            Schema::Seq {
                items: &Schema::Obj(&Object {
                    what: "a watch rule",
                    props: &[
                        ("ignore", STRING_OR_LIST),
                        ("include", STRING_OR_LIST),
                        ("path", STRING),
                        (
                            "action",
                            Schema::Enum(&[
                                "rebuild",
                                "sync",
                                "restart",
                                "sync+restart",
                                "sync+exec",
                            ]),
                        ),
                        ("target", STRING),
                        ("exec", SERVICE_HOOK),
                        ("initial_sync", Schema::Of(BOOL)),
                    ],
                    required: &["path", "action"],
                    ..OBJECT
                }),
                unique: false,
            },
        )],
        ..OBJECT
    }),
]);

const BUILD: Schema = Schema::OneOf(&[
    STRING,
    Schema::Obj(&Object {
        what: "a build section",
        props: &[
            ("context", STRING),
            ("dockerfile", STRING),
            ("dockerfile_inline", STRING),
            ("entitlements", STRINGS),
            ("args", LIST_OR_DICT_DEDUPED),
            ("ssh", LIST_OR_DICT),
            ("labels", LIST_OR_DICT_DEDUPED),
            ("cache_from", STRINGS),
            ("cache_to", STRINGS),
            ("no_cache", BOOL_STR),
            ("additional_contexts", LIST_OR_DICT_DEDUPED),
            ("network", STRING),
            ("provenance", BOOL_STR),
            ("sbom", BOOL_STR),
            ("pull", BOOL_STR),
            ("target", STRING),
            ("shm_size", INT_STR),
            ("extra_hosts", EXTRA_HOSTS),
            ("isolation", STRING),
            ("privileged", BOOL_STR),
            ("secrets", SERVICE_CONFIG_OR_SECRET),
            ("tags", STRINGS),
            ("ulimits", ULIMITS),
            ("platforms", STRINGS),
        ],
        ..OBJECT
    }),
]);

const BLKIO_LIMITS: Schema = Schema::Seq {
    items: &Schema::Obj(&Object {
        what: "a blkio limit",
        props: &[("path", STRING), ("rate", INT_STR)],
        ext: false,
        ..OBJECT
    }),
    unique: false,
};

const PORTS: Schema = Schema::Seq {
    items: &Schema::OneOf(&[
        Schema::Of(NUM),
        STRING,
        Schema::Obj(&Object {
            what: "a port",
            props: &[
                ("name", STRING),
                ("mode", STRING),
                ("host_ip", STRING),
                ("target", Schema::Cast(Cast::Int, &INT_STR)),
                ("published", INT_STR),
                ("protocol", STRING),
                ("app_protocol", STRING),
            ],
            ..OBJECT
        }),
    ]),
    // De-duplicated by compose-go before validation.
    unique: false,
};

const SERVICE_VOLUMES: Schema = Schema::Seq {
    items: &Schema::OneOf(&[
        STRING,
        Schema::Obj(&Object {
            what: "a volume mount",
            props: &[
                (
                    "type",
                    Schema::Enum(&["bind", "volume", "tmpfs", "cluster", "npipe", "image"]),
                ),
                ("source", STRING),
                ("target", STRING),
                ("read_only", BOOL_CAST),
                ("consistency", STRING),
                (
                    "bind",
                    Schema::Obj(&Object {
                        what: "bind options",
                        props: &[
                            ("propagation", STRING),
                            ("create_host_path", BOOL_STR),
                            (
                                "recursive",
                                Schema::Enum(&["enabled", "disabled", "writable", "readonly"]),
                            ),
                            ("selinux", Schema::Enum(&["z", "Z"])),
                        ],
                        ..OBJECT
                    }),
                ),
                (
                    "volume",
                    Schema::Obj(&Object {
                        what: "volume options",
                        props: &[
                            ("labels", LIST_OR_DICT),
                            ("nocopy", BOOL_CAST),
                            ("subpath", STRING),
                        ],
                        ..OBJECT
                    }),
                ),
                (
                    "tmpfs",
                    Schema::Obj(&Object {
                        what: "tmpfs options",
                        props: &[
                            (
                                "size",
                                Schema::OneOf(&[
                                    Schema::Int {
                                        min: 0,
                                        max: i64::MAX,
                                    },
                                    STRING,
                                ]),
                            ),
                            ("mode", NUM_STR),
                        ],
                        ..OBJECT
                    }),
                ),
                (
                    "image",
                    Schema::Obj(&Object {
                        what: "image options",
                        props: &[("subpath", STRING)],
                        ..OBJECT
                    }),
                ),
            ],
            required: &["type"],
            ..OBJECT
        }),
    ]),
    // De-duplicated by compose-go before validation.
    unique: false,
};

const SERVICE_NETWORKS: Schema = Schema::OneOf(&[
    UNIQUE_STRINGS,
    Schema::Obj(&Object {
        what: "a service's networks",
        pattern: Some((
            Keys::Name,
            &Schema::OneOf(&[
                Schema::Of(NULL),
                Schema::Obj(&Object {
                    what: "a network attachment",
                    props: &[
                        ("aliases", STRINGS),
                        ("interface_name", STRING),
                        ("ipv4_address", STRING),
                        ("ipv6_address", STRING),
                        ("link_local_ips", STRINGS),
                        ("mac_address", STRING),
                        ("driver_opts", DRIVER_OPTS),
                        ("priority", Schema::Of(NUM)),
                        ("gw_priority", Schema::Of(NUM)),
                    ],
                    ..OBJECT
                }),
            ]),
        )),
        ext: false,
        ..OBJECT
    }),
]);

fn container_name_ok(s: &str) -> bool {
    // `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, unanchored.
    let b = s.as_bytes();
    b.windows(2).any(|w| {
        w[0].is_ascii_alphanumeric()
            && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'.' | b'-'))
    })
}

fn pull_policy_ok(s: &str) -> bool {
    // `always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+`,
    // unanchored.
    const WORDS: [&str; 8] = [
        "always",
        "never",
        "build",
        "if_not_present",
        "missing",
        "refresh",
        "daily",
        "weekly",
    ];
    if WORDS.iter().any(|w| s.contains(w)) {
        return true;
    }
    s.match_indices("every_").any(|(i, _)| {
        let rest = &s.as_bytes()[i + "every_".len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        digits > 0 && matches!(rest.get(digits), Some(b'w' | b'd' | b'h' | b'm' | b's'))
    })
}

const SERVICE: Object = Object {
    what: "a service",
    props: &[
        ("develop", DEVELOPMENT),
        ("deploy", DEPLOYMENT),
        ("annotations", LIST_OR_DICT_DEDUPED),
        ("attach", BOOL_STR),
        ("build", BUILD),
        (
            "blkio_config",
            Schema::Obj(&Object {
                what: "a blkio config",
                props: &[
                    ("device_read_bps", BLKIO_LIMITS),
                    ("device_read_iops", BLKIO_LIMITS),
                    ("device_write_bps", BLKIO_LIMITS),
                    ("device_write_iops", BLKIO_LIMITS),
                    ("weight", INT_STR),
                    (
                        "weight_device",
                        Schema::Seq {
                            items: &Schema::Obj(&Object {
                                what: "a blkio weight",
                                props: &[("path", STRING), ("weight", INT_STR)],
                                ext: false,
                                ..OBJECT
                            }),
                            unique: false,
                        },
                    ),
                ],
                ext: false,
                ..OBJECT
            }),
        ),
        ("cap_add", STRINGS),
        ("cap_drop", STRINGS),
        ("cgroup", Schema::Enum(&["host", "private"])),
        ("cgroup_parent", STRING),
        ("command", COMMAND),
        ("configs", SERVICE_CONFIG_OR_SECRET),
        (
            "container_name",
            Schema::Pattern(
                container_name_ok,
                "a container name: a letter or digit followed by letters, digits, '_', '.' or '-'",
            ),
        ),
        (
            "cpu_count",
            Schema::Cast(
                Cast::Int,
                &Schema::OneOf(&[
                    STRING,
                    Schema::Int {
                        min: 0,
                        max: i64::MAX,
                    },
                ]),
            ),
        ),
        (
            "cpu_percent",
            Schema::Cast(
                Cast::Float,
                &Schema::OneOf(&[STRING, Schema::Int { min: 0, max: 100 }]),
            ),
        ),
        ("cpu_shares", Schema::Cast(Cast::Int, &NUM_STR)),
        ("cpu_quota", Schema::Cast(Cast::Int, &NUM_STR)),
        ("cpu_period", Schema::Cast(Cast::Int, &NUM_STR)),
        ("cpu_rt_period", Schema::Cast(Cast::Int, &NUM_STR)),
        ("cpu_rt_runtime", Schema::Cast(Cast::Int, &NUM_STR)),
        ("cpus", Schema::Cast(Cast::Float32, &NUM_STR)),
        ("cpuset", STRING),
        (
            "credential_spec",
            Schema::Obj(&Object {
                what: "a credential spec",
                props: &[("config", STRING), ("file", STRING), ("registry", STRING)],
                ..OBJECT
            }),
        ),
        (
            "depends_on",
            Schema::OneOf(&[
                UNIQUE_STRINGS,
                Schema::Obj(&Object {
                    what: "a service's dependencies",
                    pattern: Some((
                        Keys::Name,
                        &Schema::Obj(&Object {
                            what: "a dependency",
                            props: &[
                                ("restart", BOOL_STR),
                                ("required", Schema::Of(BOOL)),
                                (
                                    "condition",
                                    Schema::Enum(&[
                                        "service_started",
                                        "service_healthy",
                                        "service_completed_successfully",
                                    ]),
                                ),
                            ],
                            required: &["condition"],
                            merges: true,
                            ..OBJECT
                        }),
                    )),
                    ext: false,
                    ..OBJECT
                }),
            ]),
        ),
        ("device_cgroup_rules", UNIQUE_STRINGS),
        (
            "devices",
            Schema::Seq {
                items: &Schema::OneOf(&[
                    STRING,
                    Schema::Obj(&Object {
                        what: "a device",
                        props: &[
                            ("source", STRING),
                            ("target", STRING),
                            ("permissions", STRING),
                        ],
                        required: &["source"],
                        ..OBJECT
                    }),
                ]),
                unique: false,
            },
        ),
        ("dns", STRING_OR_DEDUPED_LIST),
        ("dns_opt", STRINGS),
        ("dns_search", STRING_OR_DEDUPED_LIST),
        ("domainname", STRING),
        ("entrypoint", COMMAND),
        (
            "env_file",
            Schema::OneOf(&[
                STRING,
                Schema::Seq {
                    items: &Schema::OneOf(&[
                        STRING,
                        Schema::Obj(&Object {
                            what: "an env_file entry",
                            props: &[("path", STRING), ("format", STRING), ("required", BOOL_STR)],
                            ext: false,
                            required: &["path"],
                            ..OBJECT
                        }),
                    ]),
                    unique: false,
                },
            ]),
        ),
        ("label_file", Schema::OneOf(&[STRING, STRINGS])),
        ("environment", LIST_OR_DICT_DEDUPED),
        (
            "expose",
            Schema::Seq {
                items: &Schema::Of(STR | NUM),
                unique: false,
            },
        ),
        // Applied and removed by compose-go before validation.
        ("extends", Schema::Any),
        (
            "provider",
            Schema::Obj(&Object {
                what: "a provider",
                props: &[
                    ("type", STRING),
                    (
                        "options",
                        Schema::Obj(&Object {
                            what: "provider options",
                            pattern: Some((
                                Keys::NonEmpty,
                                &Schema::OneOf(&[
                                    Schema::Of(STR | NUM | BOOL),
                                    Schema::Seq {
                                        items: &Schema::Of(STR | NUM | BOOL),
                                        unique: false,
                                    },
                                ]),
                            )),
                            ext: false,
                            closed: false,
                            ..OBJECT
                        }),
                    ),
                ],
                required: &["type"],
                merges: true,
                ..OBJECT
            }),
        ),
        (
            "external_links",
            Schema::Seq {
                items: &STRING,
                unique: true,
            },
        ),
        ("extra_hosts", EXTRA_HOSTS),
        ("gpus", GPUS),
        (
            "group_add",
            Schema::Seq {
                items: &Schema::Of(STR | NUM),
                unique: true,
            },
        ),
        ("healthcheck", Schema::Obj(&HEALTHCHECK)),
        ("hostname", STRING),
        ("image", STRING),
        ("init", BOOL_CAST),
        ("ipc", STRING),
        ("isolation", STRING),
        ("labels", LIST_OR_DICT_DEDUPED),
        ("links", STRINGS),
        (
            "logging",
            Schema::Obj(&Object {
                what: "a logging section",
                props: &[
                    ("driver", STRING),
                    (
                        "options",
                        Schema::Obj(&Object {
                            what: "logging options",
                            pattern: Some((Keys::NonEmpty, &Schema::Of(STR | NUM | NULL))),
                            ext: false,
                            closed: false,
                            ..OBJECT
                        }),
                    ),
                ],
                ..OBJECT
            }),
        ),
        ("mac_address", STRING),
        ("mem_limit", NUM_STR),
        ("mem_reservation", INT_STR),
        ("mem_swappiness", INT_STR),
        ("memswap_limit", NUM_STR),
        ("network_mode", STRING),
        (
            "models",
            Schema::OneOf(&[
                UNIQUE_STRINGS,
                Schema::Obj(&Object {
                    what: "a service's models",
                    pattern: Some((
                        Keys::Name,
                        &Schema::OneOf(&[
                            Schema::Of(NULL),
                            Schema::Obj(&Object {
                                what: "a model reference",
                                props: &[("endpoint_var", STRING), ("model_var", STRING)],
                                ..OBJECT
                            }),
                        ]),
                    )),
                    ext: false,
                    closed: false,
                    ..OBJECT
                }),
            ]),
        ),
        ("networks", SERVICE_NETWORKS),
        ("oom_kill_disable", BOOL_CAST),
        (
            "oom_score_adj",
            Schema::Cast(
                Cast::Int,
                &Schema::OneOf(&[
                    STRING,
                    Schema::Int {
                        min: -1000,
                        max: 1000,
                    },
                ]),
            ),
        ),
        ("pid", Schema::Of(STR | NULL)),
        ("pids_limit", Schema::Cast(Cast::Int, &NUM_STR)),
        ("platform", STRING),
        ("ports", PORTS),
        (
            "post_start",
            Schema::Seq {
                items: &SERVICE_HOOK,
                unique: false,
            },
        ),
        (
            "pre_stop",
            Schema::Seq {
                items: &SERVICE_HOOK,
                unique: false,
            },
        ),
        ("privileged", BOOL_CAST),
        ("profiles", STRINGS),
        (
            "pull_policy",
            Schema::Pattern(
                pull_policy_ok,
                "a pull policy: always, never, build, if_not_present, missing, refresh, daily, \
                 weekly or every_<duration>",
            ),
        ),
        ("pull_refresh_after", STRING),
        ("read_only", BOOL_CAST),
        ("restart", STRING),
        ("runtime", STRING),
        ("scale", Schema::Cast(Cast::Int, &INT_STR)),
        ("security_opt", UNIQUE_STRINGS),
        ("shm_size", NUM_STR),
        ("secrets", SERVICE_CONFIG_OR_SECRET),
        ("sysctls", LIST_OR_DICT_DEDUPED),
        ("stdin_open", BOOL_CAST),
        ("stop_grace_period", STRING),
        ("stop_signal", STRING),
        ("storage_opt", Schema::Of(MAP)),
        ("tmpfs", STRING_OR_DEDUPED_LIST),
        ("tty", BOOL_CAST),
        ("ulimits", ULIMITS_CAST),
        ("use_api_socket", Schema::Of(BOOL)),
        ("user", STRING),
        ("uts", STRING),
        ("userns_mode", STRING),
        ("volumes", SERVICE_VOLUMES),
        ("volumes_from", UNIQUE_STRINGS),
        ("working_dir", STRING),
    ],
    ..OBJECT
};

/// `external:` of a network or volume: a boolean, or (deprecated) `{name: ...}`.
const EXTERNAL: Schema = Schema::Cast(
    Cast::Bool,
    &Schema::OneOf(&[
        BOOL_STR,
        Schema::Obj(&Object {
            what: "an external reference",
            props: &[("name", STRING)],
            ..OBJECT
        }),
    ]),
);

/// `external:` of a secret or config (its object form takes any key).
const EXTERNAL_OPEN: Schema = Schema::Cast(
    Cast::Bool,
    &Schema::OneOf(&[
        BOOL_STR,
        Schema::Obj(&Object {
            what: "an external reference",
            props: &[("name", STRING)],
            ext: false,
            closed: false,
            ..OBJECT
        }),
    ]),
);

const NETWORK: Schema = Schema::OneOf(&[
    Schema::Of(NULL),
    Schema::Obj(&Object {
        what: "a network",
        props: &[
            ("name", STRING),
            ("driver", STRING),
            ("driver_opts", DRIVER_OPTS),
            (
                "ipam",
                Schema::Obj(&Object {
                    what: "an IPAM section",
                    props: &[
                        ("driver", STRING),
                        (
                            "config",
                            Schema::Seq {
                                items: &Schema::Obj(&Object {
                                    what: "an IPAM config",
                                    props: &[
                                        ("subnet", STRING),
                                        ("ip_range", STRING),
                                        ("gateway", STRING),
                                        (
                                            "aux_addresses",
                                            Schema::Obj(&Object {
                                                what: "auxiliary addresses",
                                                pattern: Some((Keys::NonEmpty, &STRING)),
                                                ext: false,
                                                ..OBJECT
                                            }),
                                        ),
                                    ],
                                    ..OBJECT
                                }),
                                unique: false,
                            },
                        ),
                        (
                            "options",
                            Schema::Obj(&Object {
                                what: "IPAM options",
                                pattern: Some((Keys::NonEmpty, &STRING)),
                                ext: false,
                                ..OBJECT
                            }),
                        ),
                    ],
                    ..OBJECT
                }),
            ),
            ("external", EXTERNAL),
            ("internal", BOOL_CAST),
            ("enable_ipv4", BOOL_CAST),
            ("enable_ipv6", BOOL_CAST),
            ("attachable", BOOL_CAST),
            ("labels", LIST_OR_DICT_DEDUPED),
        ],
        ..OBJECT
    }),
]);

const VOLUME: Schema = Schema::OneOf(&[
    Schema::Of(NULL),
    Schema::Obj(&Object {
        what: "a volume",
        props: &[
            ("name", STRING),
            ("driver", STRING),
            ("driver_opts", DRIVER_OPTS),
            ("external", EXTERNAL),
            ("labels", LIST_OR_DICT),
        ],
        ..OBJECT
    }),
]);

const SECRET: Schema = Schema::Obj(&Object {
    what: "a secret",
    props: &[
        ("name", STRING),
        ("environment", STRING),
        ("file", STRING),
        ("external", EXTERNAL_OPEN),
        ("labels", LIST_OR_DICT),
        ("driver", STRING),
        ("driver_opts", DRIVER_OPTS),
        ("template_driver", STRING),
    ],
    ..OBJECT
});

const CONFIG: Schema = Schema::Obj(&Object {
    what: "a config",
    props: &[
        ("name", STRING),
        ("content", STRING),
        ("environment", STRING),
        ("file", STRING),
        ("external", EXTERNAL_OPEN),
        ("labels", LIST_OR_DICT),
        ("template_driver", STRING),
    ],
    ..OBJECT
});

const MODEL: Schema = Schema::Obj(&Object {
    what: "a model",
    props: &[
        ("name", STRING),
        ("model", STRING),
        ("context_size", Schema::Of(INT)),
        ("runtime_flags", STRINGS),
    ],
    required: &["model"],
    merges: true,
    ..OBJECT
});

/// A top-level section of named entries; `closed`: names must be resource names.
macro_rules! named {
    ($what:literal, $entry:expr, $closed:literal) => {
        Schema::Obj(&Object {
            what: $what,
            props: &[],
            pattern: Some((Keys::Name, &$entry)),
            ext: false,
            closed: $closed,
            required: &[],
            merges: false,
            stringified: false,
        })
    };
}

const ROOT: Object = Object {
    what: "a Compose file",
    props: &[
        ("version", STRING),
        ("name", STRING),
        // Loaded and removed by compose-go before validation; the included files are
        // validated on their own.
        ("include", Schema::Any),
        (
            "services",
            named!("the services", Schema::Obj(&SERVICE), true),
        ),
        ("models", named!("the models", MODEL, false)),
        ("networks", named!("the networks", NETWORK, false)),
        ("volumes", named!("the volumes", VOLUME, true)),
        ("secrets", named!("the secrets", SECRET, true)),
        ("configs", named!("the configs", CONFIG, true)),
    ],
    ..OBJECT
};

// ---------------------------------------------------------------------------------------------
// The walk.

#[derive(Debug, Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn render(path: &[Segment]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A value as the schema sees it: a tree's value, or a cast string's result.
#[derive(Debug, Clone, Copy)]
enum View<'t> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'t str),
    Seq(&'t [Tree]),
    Map(&'t [(Spanned<String>, Tree)]),
}

fn view(t: &Tree) -> View<'_> {
    match &t.value {
        TreeValue::Null => View::Null,
        TreeValue::Bool(b) => View::Bool(*b),
        TreeValue::Int(i) => View::Int(*i),
        TreeValue::Float(f) => View::Float(*f),
        TreeValue::String(s) => View::Str(s),
        TreeValue::Seq(items) => View::Seq(items),
        TreeValue::Map(entries) => View::Map(entries),
    }
}

fn kinds_of(v: View) -> Kinds {
    match v {
        View::Null => NULL,
        View::Bool(_) => BOOL,
        View::Int(_) => INT | NUM,
        View::Float(f) if f.is_finite() && f.fract() == 0.0 => INT | NUM,
        View::Float(_) => NUM,
        View::Str(_) => STR,
        View::Seq(_) => SEQ,
        View::Map(_) => MAP,
    }
}

impl Schema {
    /// The kinds of value this schema can take.
    fn kinds(&self) -> Kinds {
        match self {
            Schema::Any => ANY,
            Schema::Of(k) => *k,
            Schema::Enum(_) | Schema::Pattern(..) => STR,
            Schema::Int { .. } => INT,
            Schema::Seq { .. } => SEQ,
            Schema::Obj(_) => MAP,
            Schema::OneOf(alts) => alts.iter().fold(0, |k, a| k | a.kinds()),
            Schema::Cast(_, inner) => inner.kinds() | STR,
        }
    }
}

fn is_reset(t: &Tree) -> bool {
    t.tag.as_deref() == Some("!reset")
}

/// Where to point at a value: the value, or its key when the value is not written (`key:`).
fn place(t: &Tree, key: Origin) -> Origin {
    if t.origin.span.is_empty() {
        key
    } else {
        t.origin
    }
}

fn cast(c: Cast, s: &str) -> Option<View<'static>> {
    match c {
        Cast::Int => s.parse::<i64>().ok().map(View::Int),
        Cast::Float => go_float(s).map(View::Float),
        Cast::Float32 => go_float(s)
            .filter(|f| !f.is_finite() || f.abs() <= f64::from(f32::MAX))
            .map(View::Float),
        Cast::Bool => match s.to_ascii_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Some(View::Bool(true)),
            "false" | "n" | "no" | "off" => Some(View::Bool(false)),
            _ => None,
        },
    }
}

/// `strconv.ParseFloat`: decimal floats, `inf`, `infinity`, `nan` (any case, signed).
fn go_float(s: &str) -> Option<f64> {
    let digits = s.trim_start_matches(['+', '-']);
    let word = digits.to_ascii_lowercase();
    if matches!(word.as_str(), "inf" | "infinity" | "nan") {
        return s.parse::<f64>().ok();
    }
    // Rust also reads "inf"-like words and nothing else Go rejects; Go needs a digit.
    if !digits.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<f64>().ok()
}

fn describe_kinds(k: Kinds) -> String {
    let mut names = Vec::new();
    if k & MAP != 0 {
        names.push("a mapping");
    }
    if k & SEQ != 0 {
        names.push("a list");
    }
    if k & STR != 0 {
        names.push("a string");
    }
    if k & NUM != 0 {
        names.push("a number");
    } else if k & INT != 0 {
        names.push("an integer");
    }
    if k & BOOL != 0 {
        names.push("a boolean");
    }
    if k & NULL != 0 {
        names.push("empty");
    }
    match names.as_slice() {
        [] => "nothing".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe_value(v: View) -> String {
    match v {
        View::Null => "empty (null)".into(),
        View::Bool(b) => format!("a boolean ({b})"),
        View::Int(i) => format!("an integer ({i})"),
        View::Float(f) => format!("a number ({})", crate::model::format_float(f)),
        View::Str(s) => format!("a string ({s:?})"),
        View::Seq(_) => "a list".into(),
        View::Map(_) => "a mapping".into(),
    }
}

fn scalar_text(v: View) -> Option<String> {
    match v {
        View::Bool(b) => Some(b.to_string()),
        View::Int(i) => Some(i.to_string()),
        View::Float(f) => Some(crate::model::format_float(f)),
        _ => None,
    }
}

/// Equality as JSON Schema's `uniqueItems` sees it (numbers by value, mappings by content).
fn equal(a: View, b: View) -> bool {
    match (a, b) {
        (View::Null, View::Null) => true,
        (View::Bool(x), View::Bool(y)) => x == y,
        (View::Str(x), View::Str(y)) => x == y,
        (View::Int(x), View::Int(y)) => x == y,
        (View::Int(x), View::Float(y)) | (View::Float(y), View::Int(x)) => x as f64 == y,
        (View::Float(x), View::Float(y)) => x == y,
        (View::Seq(x), View::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(view(a), view(b)))
        }
        (View::Map(x), View::Map(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| k2.value == k.value)
                        .is_some_and(|(_, w)| equal(view(v), view(w)))
                })
        }
        _ => false,
    }
}

/// The key closest to `key` among `options`, for "did you mean" (a typo, a missing or extra
/// character, two swapped ones).
fn nearest<'a>(key: &str, options: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let key = key.to_ascii_lowercase();
    let limit = match key.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    options
        .map(|o| (edit_distance(&key, o), o))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, o)| o)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions each cost 1.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

struct Walker<'t> {
    path: Vec<Segment<'t>>,
    /// Whether the value is merged onto another before compose-go validates it (an override
    /// document, a service that extends another): objects merged key by key may then lack
    /// their required keys.
    merged: bool,
}

type Checked = Result<(), Violation>;

impl<'t> Walker<'t> {
    fn at(&self) -> String {
        if self.path.is_empty() {
            "the file".into()
        } else {
            render(&self.path)
        }
    }

    fn error(&self, origin: Origin, message: String) -> Violation {
        Violation { origin, message }
    }

    fn type_error(&self, want: Kinds, v: View, at: Origin) -> Violation {
        let mut message = format!(
            "{} must be {}, not {}",
            self.at(),
            describe_kinds(want),
            describe_value(v)
        );
        if want & STR != 0 {
            if let Some(text) = scalar_text(v) {
                message.push_str(&format!("; write it in quotes: \"{text}\""));
            }
        }
        self.error(at, message)
    }

    fn check(&mut self, s: &Schema, v: View<'t>, at: Origin) -> Checked {
        match s {
            Schema::Any => Ok(()),
            Schema::Of(k) => {
                if kinds_of(v) & k != 0 {
                    Ok(())
                } else {
                    Err(self.type_error(*k, v, at))
                }
            }
            Schema::Enum(options) => match v {
                View::Str(s) if options.contains(&s) => Ok(()),
                View::Str(s) => {
                    let list: Vec<String> = options.iter().map(|o| format!("{o:?}")).collect();
                    let allowed = match list.as_slice() {
                        [one] => one.clone(),
                        _ => format!("one of {}", list.join(", ")),
                    };
                    let mut message = format!("{} must be {allowed}, not {s:?}", self.at());
                    if let Some(n) = nearest(s, options.iter().copied()) {
                        message.push_str(&format!(" (did you mean {n:?}?)"));
                    }
                    Err(self.error(at, message))
                }
                _ => Err(self.type_error(STR, v, at)),
            },
            Schema::Pattern(ok, what) => match v {
                View::Str(s) if ok(s) => Ok(()),
                View::Str(s) => {
                    Err(self.error(at, format!("{} must be {what}, not {s:?}", self.at())))
                }
                _ => Err(self.type_error(STR, v, at)),
            },
            Schema::Int { min, max } => {
                if kinds_of(v) & INT == 0 {
                    return Err(self.type_error(INT, v, at));
                }
                let n = match v {
                    View::Int(i) => i as f64,
                    View::Float(f) => f,
                    _ => 0.0,
                };
                if n < *min as f64 || n > *max as f64 {
                    let range = if *max == i64::MAX {
                        format!("at least {min}")
                    } else {
                        format!("between {min} and {max}")
                    };
                    let shown = scalar_text(v).unwrap_or_default();
                    return Err(
                        self.error(at, format!("{} must be {range}, not {shown}", self.at()))
                    );
                }
                Ok(())
            }
            Schema::Seq { items, unique } => {
                let View::Seq(list) = v else {
                    return Err(self.type_error(SEQ, v, at));
                };
                for (i, item) in list.iter().enumerate() {
                    if is_reset(item) {
                        continue;
                    }
                    self.path.push(Segment::Index(i));
                    let r = self.check(items, view(item), place(item, at));
                    self.path.pop();
                    r?;
                }
                if *unique {
                    let kept: Vec<(usize, &Tree)> = list
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| !is_reset(t))
                        .collect();
                    for (n, (j, b)) in kept.iter().enumerate() {
                        if let Some((i, _)) =
                            kept[..n].iter().find(|(_, a)| equal(view(a), view(b)))
                        {
                            let shown = match view(b) {
                                View::Str(s) => format!("{s:?}"),
                                other => scalar_text(other).unwrap_or_else(|| "an entry".into()),
                            };
                            return Err(self.error(
                                b.origin,
                                format!(
                                    "{} lists {shown} twice (entries {i} and {j}); entries must \
                                     be unique",
                                    self.at()
                                ),
                            ));
                        }
                    }
                }
                Ok(())
            }
            Schema::Obj(o) => {
                let View::Map(entries) = v else {
                    return Err(self.type_error(MAP, v, at));
                };
                self.object(o, entries, at)
            }
            Schema::OneOf(alternatives) => {
                let k = kinds_of(v);
                match alternatives.iter().find(|a| a.kinds() & k != 0) {
                    Some(a) => self.check(a, v, at),
                    None => Err(self.type_error(s.kinds(), v, at)),
                }
            }
            Schema::Cast(c, inner) => match v {
                View::Str(text) => match cast(*c, text) {
                    Some(converted) => self.check(inner, converted, at),
                    None => {
                        let want = match c {
                            Cast::Int => "an integer",
                            Cast::Float | Cast::Float32 => "a number",
                            Cast::Bool => "a boolean (true or false)",
                        };
                        Err(self.error(at, format!("{} must be {want}, not {text:?}", self.at())))
                    }
                },
                other => self.check(inner, other, at),
            },
        }
    }

    fn object(
        &mut self,
        o: &'static Object,
        entries: &'t [(Spanned<String>, Tree)],
        at: Origin,
    ) -> Checked {
        let outer = self.merged;
        if entries.iter().any(|(k, _)| k.value == "extends")
            && o.props.iter().any(|(name, _)| *name == "extends")
        {
            self.merged = true;
        }
        for (k, t) in entries {
            if is_reset(t) {
                continue;
            }
            let prop = o.props.iter().find(|(name, _)| *name == k.value);
            let pattern = o.pattern.filter(|(keys, _)| keys.matches(&k.value));
            let extension = o.ext && k.value.starts_with("x-");
            if prop.is_none() && pattern.is_none() && !extension {
                if o.closed {
                    return Err(self.unknown_key(o, k));
                }
                continue;
            }
            self.path.push(Segment::Key(&k.value));
            let value_at = place(t, k.origin);
            let mut r = Ok(());
            if let Some((_, s)) = prop {
                r = self.check(s, view(t), value_at);
            }
            if let (Ok(()), Some((_, s))) = (&r, pattern) {
                if !(self.merged && o.stringified) {
                    r = self.check(s, view(t), value_at);
                }
            }
            self.path.pop();
            r?;
        }
        if !(self.merged && o.merges) {
            for name in o.required {
                let present = entries
                    .iter()
                    .any(|(k, t)| k.value == *name && !is_reset(t));
                if !present {
                    return Err(self.error(
                        at,
                        format!("{} lacks {name:?}, which {} requires", self.at(), o.what),
                    ));
                }
            }
        }
        self.merged = outer;
        Ok(())
    }

    fn unknown_key(&self, o: &Object, key: &Spanned<String>) -> Violation {
        let k = &key.value;
        if let Some((keys, _)) = o.pattern {
            if o.props.is_empty() && matches!(keys, Keys::Name) {
                let entry = o.what.trim_start_matches("the ").trim_end_matches('s');
                return self.error(
                    key.origin,
                    format!(
                        "{entry} name {k:?} in {} may only contain letters, digits, '.', '_' \
                         and '-'",
                        self.at()
                    ),
                );
            }
        }
        let mut message = if self.path.is_empty() {
            format!("unknown top-level key {k:?}")
        } else {
            format!("unknown key {k:?} in {} ({})", self.at(), o.what)
        };
        if let Some(n) = nearest(k, o.props.iter().map(|(name, _)| *name)) {
            message.push_str(&format!("; did you mean {n:?}?"));
        } else if o.props.len() <= 12 && !o.props.is_empty() {
            let names: Vec<&str> = o.props.iter().map(|(name, _)| *name).collect();
            message.push_str(&format!("; expected one of {}", names.join(", ")));
            if o.ext {
                message.push_str(", or an x- extension");
            }
        } else if o.ext {
            message.push_str("; custom keys must start with \"x-\"");
        }
        self.error(key.origin, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_once() {
        assert_eq!(edit_distance("imgae", "image"), 1);
        assert_eq!(edit_distance("usr", "user"), 1);
        assert_eq!(edit_distance("enviroment", "environment"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }

    #[test]
    fn patterns_match_as_unanchored_regexes() {
        assert!(container_name_ok("web"));
        assert!(container_name_ok("-ab"));
        assert!(!container_name_ok("x"));
        assert!(!container_name_ok("-"));
        assert!(pull_policy_ok("always"));
        assert!(pull_policy_ok("every_12h"));
        assert!(pull_policy_ok("every_1d30m"));
        assert!(!pull_policy_ok("every_h"));
        assert!(!pull_policy_ok("sometimes"));
    }

    #[test]
    fn casts_follow_go() {
        assert!(matches!(cast(Cast::Bool, "Yes"), Some(View::Bool(true))));
        assert!(matches!(cast(Cast::Bool, "OFF"), Some(View::Bool(false))));
        assert!(cast(Cast::Bool, "").is_none());
        assert!(matches!(cast(Cast::Int, "+80"), Some(View::Int(80))));
        assert!(cast(Cast::Int, "80.0").is_none());
        assert!(cast(Cast::Int, "0x50").is_none());
        assert!(matches!(cast(Cast::Float, "0.5"), Some(View::Float(_))));
        assert!(cast(Cast::Float, "").is_none());
        assert!(cast(Cast::Float32, "1e40").is_none());
    }
}
