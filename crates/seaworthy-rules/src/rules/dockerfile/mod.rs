//! Dockerfile rules: each reads the parsed file and its resolved model.
//!
//! To add a rule: create `<rule_name>.rs` beside this file (copy the shape of an existing one:
//! metadata with documentation, the check, `#[cfg(test)]` failing and passing snippets), then
//! list it in `dockerfile_rules!` below under its category.

use seaworthy_dockerfile::{BuildContext, Dockerfile, Model, Stage};

use crate::{Finding, RuleMeta, Settings};

pub(crate) mod fixes_run;
pub(crate) mod fixes_words;
mod packages;
pub(crate) mod secret_files;
mod windows;

/// What a Dockerfile rule can read.
pub struct DockerfileContext<'a> {
    pub file: &'a Dockerfile,
    pub model: &'a Model<'a>,
    /// The user's rule settings (trusted registries, pin levels, required labels).
    pub settings: &'a Settings,
    /// The build context read from disk next to the Dockerfile, when there is one.
    pub build_context: Option<&'a BuildContext>,
}

impl<'a> DockerfileContext<'a> {
    /// The stage the build produces: `--target`, or the last stage.
    pub fn final_stage(&self) -> Option<&'a Stage<'a>> {
        self.model.target_stage()
    }

    /// The stages whose results end up in the final image's build: the final stage and the
    /// stages it is built FROM. Build stages that only feed `COPY --from` do not ship their
    /// runtime settings (USER, HEALTHCHECK, CMD) and are not held to runtime rules.
    pub fn runtime_chain(&self) -> Vec<&'a Stage<'a>> {
        let mut chain = Vec::new();
        let mut next = self.final_stage();
        while let Some(stage) = next {
            chain.push(stage);
            next = match stage.base {
                seaworthy_dockerfile::BaseImage::Stage(i) => self.model.stages.get(i),
                _ => None,
            };
        }
        chain
    }
}

/// Whether the RUN of `step` mounts a cache or tmpfs on a directory `is_cache_dir` accepts: a
/// BuildKit cache mount keeps a package manager's cache out of the layer, so cleanup rules
/// stay quiet.
pub(crate) fn cache_mounted(
    step: &seaworthy_dockerfile::Step<'_>,
    is_cache_dir: impl Fn(&str) -> bool,
) -> bool {
    use seaworthy_dockerfile::model::MountType;
    step.mounts.iter().any(|m| {
        matches!(m.kind, MountType::Cache | MountType::Tmpfs)
            && m.target.as_deref().is_some_and(&is_cache_dir)
    })
}

/// The source words of a COPY or ADD as written (every word but the destination), heredoc
/// markers excluded.
pub(crate) fn copy_source_spans(
    ins: &seaworthy_dockerfile::Instruction,
) -> Vec<seaworthy_dockerfile::Span> {
    use seaworthy_dockerfile::{Args, Span};
    let spans: Vec<Span> = match &ins.args {
        Args::Words(words) => words.iter().map(|w| w.span).collect(),
        Args::Json { items, .. } => items.iter().map(|w| w.span).collect(),
        _ => Vec::new(),
    };
    let Some((_, sources)) = spans.split_last() else {
        return Vec::new();
    };
    sources
        .iter()
        .filter(|s| !ins.heredocs.iter().any(|h| h.marker == **s))
        .copied()
        .collect()
}

/// Whether a key found at `start` of `line` begins a word: not preceded by a letter, digit,
/// `_`, `-` or `.`, except the letter of a `\n` or `\t` escape (`printf '[x]\ngpgcheck=0'`).
pub(crate) fn starts_word(line: &str, start: usize) -> bool {
    let before = &line.as_bytes()[..start];
    match before {
        [.., b'\\', b'n' | b't'] => true,
        [.., c] => !(c.is_ascii_alphanumeric() || b"_-.".contains(c)),
        [] => true,
    }
}

/// Every port word of every EXPOSE after ARG/ENV expansion, with the span of the word as
/// written (one word may expand to several ports). Words that do not expand are left out.
pub(crate) fn expose_ports(
    cx: &DockerfileContext<'_>,
) -> Vec<(seaworthy_dockerfile::Span, String)> {
    use seaworthy_dockerfile::{expand::Lexer, Args, Keyword};
    let lexer = Lexer::new(cx.file.escape as char);
    let mut out = Vec::new();
    for stage in &cx.model.stages {
        for (i, step) in stage.steps.iter().enumerate() {
            let ins = step.instruction;
            let (Keyword::Expose, Args::Words(words)) = (ins.kind, &ins.args) else {
                continue;
            };
            let vars = cx.model.variables_before(stage.index, i);
            for word in words {
                let raw = cx.file.logical(ins, word.span);
                if let Ok(ports) = lexer.process_words(&raw, &vars) {
                    out.extend(ports.into_iter().map(|port| (word.span, port)));
                }
            }
        }
    }
    out
}

/// A rule over one Dockerfile.
pub trait DockerfileRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &DockerfileContext<'_>, out: &mut Vec<Finding>);
    /// What `seaworthy fix` can do about this rule's findings; a rule whose findings carry a
    /// [`crate::Fix`] says so here, for its documentation (a test holds the two together).
    fn fix_kind(&self) -> crate::FixKind {
        crate::FixKind::None
    }
}

macro_rules! dockerfile_rules {
    ($($module:ident::$rule:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every Dockerfile rule.
        pub fn all() -> &'static [&'static dyn DockerfileRule] {
            &[$(&$module::$rule),*]
        }
    };
}

dockerfile_rules! {
    // identity
    last_user_root::LastUserRoot,
    user_not_numeric::UserNotNumeric,
    // supply-chain
    base_image_unpinned::BaseImageUnpinned,
    base_image_tag_coarse::BaseImageTagCoarse,
    base_image_not_digest_pinned::BaseImageNotDigestPinned,
    registry_untrusted::RegistryUntrusted,
    curl_pipe_shell::CurlPipeShell,
    pipe_without_pipefail::PipeWithoutPipefail,
    system_package_unpinned::SystemPackageUnpinned,
    language_package_unpinned::LanguagePackageUnpinned,
    dist_upgrade_in_build::DistUpgradeInBuild,
    packages_upgraded_in_build::PackagesUpgradedInBuild,
    tls_verification_disabled::TlsVerificationDisabled,
    package_signature_unchecked::PackageSignatureUnchecked,
    // runtime
    shell_form_cmd::ShellFormCmd,
    healthcheck_missing::HealthcheckMissing,
    healthcheck_no_op::HealthcheckNoOp,
    healthcheck_without_start_period::HealthcheckWithoutStartPeriod,
    ssh_port_exposed::SshPortExposed,
    healthcheck_tool_missing::HealthcheckToolMissing,
    volume_not_owned_by_user::VolumeNotOwnedByUser,
    database_data_not_on_volume::DatabaseDataNotOnVolume,
    // secrets
    secret_in_arg_or_env::SecretInArgOrEnv,
    secret_file_copied::SecretFileCopied,
    password_set_in_build::PasswordSetInBuild,
    context_secret_copied::ContextSecretCopied,
    // hygiene
    install_without_yes::InstallWithoutYes,
    apt_install_recommends::AptInstallRecommends,
    apt_lists_not_removed::AptListsNotRemoved,
    apt_instead_of_apt_get::AptInsteadOfAptGet,
    pip_cache_kept::PipCacheKept,
    apk_cache_kept::ApkCacheKept,
    package_index_update_alone::PackageIndexUpdateAlone,
    node_package_cache_kept::NodePackageCacheKept,
    rpm_cache_not_cleaned::RpmCacheNotCleaned,
    cleanup_in_later_layer::CleanupInLaterLayer,
    sudo_in_run::SudoInRun,
    cd_instead_of_workdir::CdInsteadOfWorkdir,
    chmod_world_writable::ChmodWorldWritable,
    curl_and_wget::CurlAndWget,
    wget_without_progress::WgetWithoutProgress,
    useradd_high_uid_without_no_log_init::UseraddHighUidWithoutNoLogInit,
    pointless_command_in_run::PointlessCommandInRun,
    bin_sh_replaced::BinShReplaced,
    consecutive_run::ConsecutiveRun,
    archive_copied_then_extracted::ArchiveCopiedThenExtracted,
    toolchain_in_final_image::ToolchainInFinalImage,
    context_copied_before_install::ContextCopiedBeforeInstall,
    label_key_invalid::LabelKeyInvalid,
    label_value_empty::LabelValueEmpty,
    required_label_missing::RequiredLabelMissing,
    label_not_in_schema::LabelNotInSchema,
    label_value_invalid::LabelValueInvalid,
    dockerignore_missing::DockerignoreMissing,
    dockerignore_incomplete::DockerignoreIncomplete,
    // correctness
    expose_invalid::ExposeInvalid,
    expose_protocol_casing::ExposeProtocolCasing,
    copy_relative_without_workdir::CopyRelativeWithoutWorkdir,
    instruction_casing_inconsistent::InstructionCasingInconsistent,
    empty_continuation_line::EmptyContinuationLine,
    workdir_system_directory::WorkdirSystemDirectory,
    repeated_cmd_entrypoint_healthcheck::RepeatedCmdEntrypointHealthcheck,
    maintainer_deprecated::MaintainerDeprecated,
    add_instead_of_copy::AddInsteadOfCopy,
    add_url_without_checksum::AddUrlWithoutChecksum,
    duplicate_stage_name::DuplicateStageName,
    stage_name_casing::StageNameCasing,
    from_as_casing::FromAsCasing,
    reserved_stage_name::ReservedStageName,
    workdir_relative::WorkdirRelative,
    copy_dest_not_directory::CopyDestNotDirectory,
    legacy_key_value_format::LegacyKeyValueFormat,
    from_platform_constant::FromPlatformConstant,
    from_platform_redundant::FromPlatformRedundant,
    copy_from_unknown_stage::CopyFromUnknownStage,
    copy_from_entire_filesystem::CopyFromEntireFilesystem,
    undefined_var::UndefinedVar,
    undefined_arg_in_from::UndefinedArgInFrom,
    invalid_default_arg_in_from::InvalidDefaultArgInFrom,
    env_self_reference::EnvSelfReference,
    copy_ignored_file::CopyIgnoredFile,
    dockerignore_invalid::DockerignoreInvalid,
}

/// Parses and models `text` with default build options and runs every Dockerfile rule on it,
/// or says why it does not parse or model: what a fix pass re-checks in tests and fuzzing.
pub fn check_dockerfile_text(text: &str, settings: &Settings) -> Result<Vec<Finding>, String> {
    let file = Dockerfile::parse(text.as_bytes().to_vec()).map_err(|e| e.to_string())?;
    let model = Model::build(&file, &seaworthy_dockerfile::BuildOptions::default());
    if let Some(e) = model.errors.first() {
        return Err(e.message.clone());
    }
    Ok(check_dockerfile(&file, &model, settings, None))
}

/// Runs every Dockerfile rule; findings come back in source order.
pub fn check_dockerfile(
    file: &Dockerfile,
    model: &Model<'_>,
    settings: &Settings,
    build_context: Option<&BuildContext>,
) -> Vec<Finding> {
    let cx = DockerfileContext {
        file,
        model,
        settings,
        build_context,
    };
    let mut out = Vec::new();
    for rule in all() {
        rule.check(&cx, &mut out);
    }
    out.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(a.rule.id.cmp(b.rule.id))
    });
    out
}
