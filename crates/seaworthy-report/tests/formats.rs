//! The machine-readable formats, read back the way their consumers read them.

use std::collections::HashSet;

use quick_xml::events::Event;
use quick_xml::Reader;
use seaworthy_dockerfile::{BuildOptions, Dockerfile, Model, Span};
use seaworthy_report::{render, statistics, FileReport, OutputFormat, RenderOptions};
use seaworthy_rules::{Edit, Finding, Fix};
use serde_json::Value;

struct Checked {
    path: &'static str,
    file: Dockerfile,
    findings: Vec<Finding>,
}

fn check(path: &'static str, src: &str) -> Checked {
    let file = Dockerfile::parse(src.as_bytes().to_vec()).unwrap();
    let findings = {
        let model = Model::build(&file, &BuildOptions::default());
        seaworthy_rules::check_dockerfile(&file, &model, &Default::default(), None)
    };
    Checked {
        path,
        file,
        findings,
    }
}

fn reports(checked: &[Checked]) -> Vec<FileReport<'_>> {
    checked
        .iter()
        .map(|c| FileReport::file(c.path, &c.file, &c.findings))
        .collect()
}

fn rendered(format: OutputFormat, checked: &[Checked]) -> String {
    let mut out = Vec::new();
    render(
        format,
        &mut out,
        &reports(checked),
        &RenderOptions { color: false },
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

fn offset_of(c: &Checked, needle: &str) -> usize {
    let text = std::str::from_utf8(c.file.source()).unwrap();
    text.find(needle).unwrap()
}

/// A finding of a real rule with every part filled in: related locations, a fix, and a message
/// full of characters each format must escape.
fn awkward_finding(c: &Checked) -> Finding {
    let rule = seaworthy_rules::find_rule("SW1001").unwrap();
    let at = offset_of(c, "USER");
    Finding::new(
        rule,
        Span::new(at, at + "USER root".len()),
        "50% <of> \"this\" & 'that'\nsecond line: a,b\u{1}",
    )
    .with_related(Span::new(0, 4), "the stage starts here")
    .with_fix(Fix {
        title: "run as an unprivileged user".into(),
        edits: vec![Edit {
            span: Span::new(at + 5, at + 9),
            replacement: "10001".into(),
        }],
        safe: false,
        writes: Vec::new(),
    })
}

/// Several files: findings with related locations and a fix, a line with characters outside
/// the BMP before the finding, awkward paths and messages, and a file without findings.
fn sample() -> Vec<Checked> {
    let mut first = check(
        "./svc/Dockerfile",
        "FROM alpine:3.20 as build\nRUN echo hi\nFROM build\nUSER root\n",
    );
    let extra = awkward_finding(&first);
    first.findings.push(extra);
    let unicode = check(
        "dir with space/Dockerfile.café",
        "FROM alpine:3.20\nRUN echo 🐳 && sudo ls\nUSER root\n",
    );
    let absolute = check("/abs/a,b:c/Dockerfile", "FROM ubuntu\nRUN sudo ls\n");
    let mut clean = check("empty/Dockerfile", "FROM alpine:3.20\n");
    clean.findings.clear();
    for c in [&first, &unicode, &absolute] {
        assert!(!c.findings.is_empty(), "{} has no findings", c.path);
    }
    vec![first, unicode, absolute, clean]
}

fn finding_count(checked: &[Checked]) -> usize {
    checked.iter().map(|c| c.findings.len()).sum()
}

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/schemas/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // The published schema's `language` patterns have a stray `]`, which the meta-schema's
    // `format: regex` rejects; use the pattern they mean. seaworthy sets no `language`.
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_and_complete() {
    let checked = sample();
    let text = rendered(OutputFormat::Sarif, &checked);
    let log: Value = serde_json::from_str(&text).unwrap();
    let validator = sarif_validator();
    assert_valid_sarif(&validator, &log);

    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "seaworthy");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), seaworthy_rules::catalogue().len());
    let sw1001 = rules.iter().find(|r| r["id"] == "SW1001").unwrap();
    assert_eq!(sw1001["name"], "last-user-root");
    assert!(sw1001["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("# SW1001 last-user-root"));
    assert!(sw1001["properties"]["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "DL3002"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), finding_count(&checked));
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["partialFingerprints"]["seaworthy/v1"].is_string());
    }

    // Relative paths: forward slashes, percent-encoded, against %SRCROOT%.
    let uris: HashSet<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains("svc/Dockerfile"), "{uris:?}");
    assert!(
        uris.contains("dir%20with%20space/Dockerfile.caf%C3%A9"),
        "{uris:?}"
    );
    assert!(uris.contains("file:///abs/a,b:c/Dockerfile"), "{uris:?}");

    // Columns count code points: the whale is one, not two UTF-16 units or four bytes.
    let sudo = results
        .iter()
        .find(|r| {
            r["ruleId"] == seaworthy_rules::find_rule("DL3004").unwrap().id
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
                    == "%SRCROOT%"
                && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
        })
        .expect("the sudo finding after the emoji");
    let region = &sudo["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], "RUN echo 🐳 && ".chars().count() + 1);

    // The finding with a fix and a related location.
    let awkward = results
        .iter()
        .find(|r| r["fixes"].is_array())
        .expect("a result with a fix");
    let region = &awkward["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&4.into(), &1.into())
    );
    assert_eq!(
        (&region["endLine"], &region["endColumn"]),
        (&4.into(), &10.into())
    );
    let related = &awkward["relatedLocations"][0];
    assert_eq!(related["message"]["text"], "the stage starts here");
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 1);
    let replacement = &awkward["fixes"][0]["artifactChanges"][0]["replacements"][0];
    let user_at = offset_of(&checked[0], "USER");
    assert_eq!(replacement["deletedRegion"]["byteOffset"], user_at + 5);
    assert_eq!(replacement["deletedRegion"]["byteLength"], 4);
    assert_eq!(replacement["insertedContent"]["text"], "10001");
    assert_eq!(
        awkward["message"]["text"],
        "50% <of> \"this\" & 'that'\nsecond line: a,b\u{1}"
    );

    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&broken));
    let mut unencoded = log.clone();
    unencoded["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"] = "dir with space/Dockerfile".into();
    assert!(!validator.is_valid(&unencoded));

    // Nothing to report is still a valid log with one run and no results.
    let text = rendered(OutputFormat::Sarif, &[]);
    let empty: Value = serde_json::from_str(&text).unwrap();
    assert_valid_sarif(&validator, &empty);
    assert_eq!(empty["runs"][0]["results"], Value::Array(vec![]));
}

/// Every element of an XML document with its decoded attributes, failing on malformed XML.
fn xml_elements(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut reader = Reader::from_str(text);
    let mut elements = Vec::new();
    let mut open = 0usize;
    loop {
        let event = reader.read_event().unwrap();
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                        let value = a
                            .decode_and_unescape_value(reader.decoder())
                            .unwrap()
                            .into_owned();
                        (key, value)
                    })
                    .collect();
                elements.push((name, attrs));
            }
            Event::Text(t) => {
                t.decode().unwrap();
            }
            _ => {}
        }
        match event {
            Event::Start(_) => open += 1,
            Event::End(_) => open -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(open, 0, "unclosed elements in\n{text}");
    elements
}

fn attr<'a>(element: &'a (String, Vec<(String, String)>), key: &str) -> &'a str {
    element
        .1
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{} has no {key}", element.0))
}

fn named<'a>(
    elements: &'a [(String, Vec<(String, String)>)],
    name: &str,
) -> Vec<&'a (String, Vec<(String, String)>)> {
    elements.iter().filter(|e| e.0 == name).collect()
}

const AWKWARD_DECODED: &str = "50% <of> \"this\" & 'that'\nsecond line: a,b\u{fffd}";

#[test]
fn junit_is_well_formed_with_a_testcase_per_finding() {
    let checked = sample();
    let text = rendered(OutputFormat::Junit, &checked);
    let elements = xml_elements(&text);
    let total = finding_count(&checked);

    let suites = named(&elements, "testsuites");
    assert_eq!(suites.len(), 1);
    // One passing testcase for the clean file.
    assert_eq!(attr(suites[0], "tests"), (total + 1).to_string());
    assert_eq!(attr(suites[0], "failures"), total.to_string());

    let suite_elements = named(&elements, "testsuite");
    assert_eq!(suite_elements.len(), checked.len());
    for (suite, c) in suite_elements.iter().zip(&checked) {
        assert_eq!(attr(suite, "name"), c.path);
        assert_eq!(attr(suite, "failures"), c.findings.len().to_string());
    }
    assert_eq!(named(&elements, "testcase").len(), total + 1);
    let failures = named(&elements, "failure");
    assert_eq!(failures.len(), total);
    assert!(failures
        .iter()
        .any(|f| attr(f, "message") == AWKWARD_DECODED && attr(f, "type") == "warning"));
}

#[test]
fn checkstyle_is_well_formed_with_an_error_per_finding() {
    let checked = sample();
    let text = rendered(OutputFormat::Checkstyle, &checked);
    let elements = xml_elements(&text);
    assert_eq!(elements[0].0, "checkstyle");
    assert_eq!(attr(&elements[0], "version"), "4.3");
    let files = named(&elements, "file");
    assert_eq!(
        files.iter().map(|f| attr(f, "name")).collect::<Vec<_>>(),
        checked.iter().map(|c| c.path).collect::<Vec<_>>()
    );
    let errors = named(&elements, "error");
    assert_eq!(errors.len(), finding_count(&checked));
    for e in &errors {
        assert!(["error", "warning", "info"].contains(&attr(e, "severity")));
        assert!(attr(e, "source").starts_with("SW"));
        assert!(attr(e, "line").parse::<usize>().unwrap() >= 1);
    }
    assert!(errors.iter().any(|e| {
        attr(e, "message") == format!("{AWKWARD_DECODED} (last-user-root)")
            && (attr(e, "line"), attr(e, "column")) == ("4", "1")
    }));
}

#[test]
fn github_annotations_escape_properties_and_messages() {
    let checked = sample();
    let text = rendered(OutputFormat::Github, &checked);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), finding_count(&checked));
    for line in &lines {
        assert!(
            ["::error ", "::warning ", "::notice "]
                .iter()
                .any(|p| line.starts_with(p)),
            "{line}"
        );
    }
    assert!(
        lines.contains(
            &"::warning file=./svc/Dockerfile,line=4,col=1,endLine=4,endColumn=9,\
              title=SW1001 last-user-root::50%25 <of> \"this\" & 'that'%0Asecond line: a,b\u{1}"
        ),
        "{text}"
    );
    // The path's `,` and `:` would otherwise end the property.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("file=/abs/a%2Cb%3Ac/Dockerfile,line=2,")),
        "{text}"
    );
}

fn gitlab_issues(checked: &[Checked]) -> Vec<Value> {
    let text = rendered(OutputFormat::Gitlab, checked);
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn fingerprints(issues: &[Value]) -> Vec<String> {
    issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn gitlab_fingerprints_are_unique_and_stable() {
    // Two identical lines with identical findings still get different fingerprints.
    let mut checked = sample();
    checked.push(check(
        "twice/Dockerfile",
        "FROM alpine:3.20\nRUN sudo ls\nRUN sudo ls\n",
    ));
    let issues = gitlab_issues(&checked);
    assert_eq!(issues.len(), finding_count(&checked));
    let prints = fingerprints(&issues);
    assert_eq!(
        prints.iter().collect::<HashSet<_>>().len(),
        prints.len(),
        "{prints:?}"
    );
    for issue in &issues {
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().unwrap()));
        assert!(issue["check_name"].as_str().unwrap().starts_with("SW"));
        assert!(!issue["description"].as_str().unwrap().is_empty());
        let lines = &issue["location"]["lines"];
        assert!(lines["begin"].as_u64().unwrap() >= 1);
        assert!(lines["end"].as_u64() >= lines["begin"].as_u64());
    }
    assert!(issues
        .iter()
        .any(|i| i["location"]["path"] == "svc/Dockerfile"));

    // The same input fingerprints alike in another run.
    assert_eq!(fingerprints(&gitlab_issues(&checked)), prints);

    // Lines added above do not change a finding's fingerprint; editing its line does.
    let before = gitlab_issues(&[check("Dockerfile", "FROM ubuntu\nRUN sudo ls\n")]);
    let moved = gitlab_issues(&[check("Dockerfile", "# note\nFROM ubuntu\n\nRUN sudo ls\n")]);
    let edited = gitlab_issues(&[check("Dockerfile", "FROM ubuntu\nRUN sudo ls -l\n")]);
    let sudo = |issues: &[Value]| {
        issues
            .iter()
            .find(|i| i["check_name"] == seaworthy_rules::find_rule("DL3004").unwrap().id)
            .unwrap()["fingerprint"]
            .clone()
    };
    assert_eq!(sudo(&before), sudo(&moved));
    // SHA-256 of the length-prefixed path, rule id, line text and occurrence: the same in
    // every run and version.
    assert_eq!(
        sudo(&before),
        "2035cddf113048ee9ec868504771f6a54dd608a4fe6ad3c0a4b4f811ed2f2d0d"
    );
    assert_ne!(sudo(&before), sudo(&edited));
}

#[test]
fn statistics_counts_per_rule_most_frequent_first() {
    let checked = vec![
        check("a/Dockerfile", "FROM ubuntu\nRUN sudo ls\nRUN sudo id\n"),
        check("b/Dockerfile", "FROM ubuntu\nRUN sudo ls\n"),
    ];
    let mut out = Vec::new();
    statistics(&mut out, &reports(&checked)).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0]
        .split_whitespace()
        .eq(["count", "id", "name", "severity"]));
    let sudo = seaworthy_rules::find_rule("DL3004").unwrap();
    let first: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        first,
        ["3", sudo.id, sudo.name, sudo.severity.as_str()],
        "{text}"
    );
    let counts: Vec<usize> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{text}");
    assert_eq!(counts.iter().sum::<usize>(), finding_count(&checked));
    assert_eq!(
        lines.last().unwrap().split_whitespace().collect::<Vec<_>>(),
        [
            finding_count(&checked).to_string().as_str(),
            "total",
            "in",
            "2",
            "files"
        ]
    );
}

#[test]
fn render_dispatches_to_the_existing_formats() {
    let checked = vec![check("Dockerfile", "FROM ubuntu\nRUN sudo ls\n")];
    let mut direct = Vec::new();
    seaworthy_report::concise(&mut direct, &reports(&checked)).unwrap();
    assert_eq!(
        rendered(OutputFormat::Concise, &checked),
        String::from_utf8(direct).unwrap()
    );
    let mut direct = Vec::new();
    seaworthy_report::json(&mut direct, &reports(&checked)).unwrap();
    assert_eq!(
        rendered(OutputFormat::Json, &checked),
        String::from_utf8(direct).unwrap()
    );
    assert!(rendered(OutputFormat::Human, &checked).contains("Dockerfile:2:"));
}

/// Findings of an artifact without text (a container here), as the image and runtime
/// commands report them.
fn logical_findings() -> Vec<Finding> {
    let meta = seaworthy_rules::find_rule("SW1001").unwrap();
    vec![
        Finding::at(meta, "HostConfig.Privileged", "runs privileged"),
        Finding::at(meta, "Config.User", "runs as root,\nuid 0"),
    ]
}

fn render_logical(format: OutputFormat, findings: &[Finding]) -> String {
    let reports = [FileReport::logical(
        "container",
        "risky (3f2a1b9c0d1e)",
        findings,
    )];
    let mut out = Vec::new();
    render(format, &mut out, &reports, &RenderOptions::default()).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn logical_artifacts_have_places_instead_of_lines_in_every_format() {
    let findings = logical_findings();
    let concise = render_logical(OutputFormat::Concise, &findings);
    assert!(
        concise.starts_with(
            "container risky (3f2a1b9c0d1e): HostConfig.Privileged: warning[SW1001] runs privileged"
        ),
        "{concise}"
    );
    let human = render_logical(OutputFormat::Human, &findings);
    assert!(
        human.contains("in container risky (3f2a1b9c0d1e): Config.User"),
        "{human}"
    );
    assert!(!human.contains(":1:1"), "{human}");

    let json: Value = serde_json::from_str(&render_logical(OutputFormat::Json, &findings)).unwrap();
    assert_eq!(json[0]["kind"], "container");
    assert_eq!(json[0]["location"], "HostConfig.Privileged");
    assert!(json[0].get("line").is_none());

    let log: Value = serde_json::from_str(&render_logical(OutputFormat::Sarif, &findings)).unwrap();
    assert_valid_sarif(&sarif_validator(), &log);
    let location = &log["runs"][0]["results"][1]["locations"][0];
    assert!(location.get("physicalLocation").is_none(), "{location}");
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "container/risky (3f2a1b9c0d1e)/Config.User"
    );

    let github = render_logical(OutputFormat::Github, &findings);
    assert!(!github.contains("file="), "{github}");
    assert!(
        github.contains("Config.User: runs as root,%0Auid 0"),
        "{github}"
    );

    let gitlab: Value =
        serde_json::from_str(&render_logical(OutputFormat::Gitlab, &findings)).unwrap();
    let prints: Vec<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_ne!(
        prints[0], prints[1],
        "the place distinguishes two findings of one rule"
    );

    let checkstyle = render_logical(OutputFormat::Checkstyle, &findings);
    let errors = xml_elements(&checkstyle);
    let error = errors.iter().find(|e| e.0 == "error").unwrap();
    assert!(error.1.iter().all(|(k, _)| k != "line"), "{checkstyle}");

    let junit = render_logical(OutputFormat::Junit, &findings);
    assert!(
        junit.contains("SW1001 last-user-root at HostConfig.Privileged"),
        "{junit}"
    );
}
