//! Generates the raw client from `openapi.json`: normalizes the FastAPI document with
//! `uumit-codegen`, hands it to progenitor, and writes progenitor's client, the open
//! enums and the facade glue into `OUT_DIR`.

use std::path::PathBuf;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=openapi.json");
    println!("cargo:rerun-if-changed=build.rs");
    if let Err(message) = generate() {
        // A build script reports failure through its exit status and stderr.
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn generate() -> Result<(), String> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let spec_path = manifest.join("openapi.json");
    let text = fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let source: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not valid JSON: {e}", spec_path.display()))?;
    let normalized = uumit_codegen::normalize(&source).map_err(|rejected| rejected.to_string())?;
    report_warnings(&normalized.warnings);
    let spec: openapiv3::OpenAPI = serde_json::from_value(normalized.document.clone())
        .map_err(|e| format!("the normalized document is not OpenAPI 3.0: {e}"))?;

    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote::quote!(crate::Inner))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    if normalized
        .document
        .pointer("/components/schemas/Money")
        .is_some()
    {
        let impls = [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr];
        settings.with_replacement("Money", "crate::Money", impls.into_iter());
    }
    for name in normalized.open_enums.keys() {
        let impls = [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr];
        settings.with_replacement(
            name,
            format!("crate::open_enums::{name}"),
            impls.into_iter(),
        );
    }
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor cannot generate the client: {e}"))?;
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    write(&out_dir, "client.rs", &prettyplease::unparse(&file))?;
    write(
        &out_dir,
        "glue.rs",
        &uumit_codegen::render_glue(&normalized.operations),
    )?;
    write(
        &out_dir,
        "open_enums.rs",
        &uumit_codegen::render_open_enums(&normalized.open_enums),
    )?;
    Ok(())
}

fn write(dir: &std::path::Path, name: &str, contents: &str) -> Result<(), String> {
    let path = dir.join(name);
    fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Prints lossy rewrites as cargo warnings: string limits the server enforces anyway and
/// examples cut down to one each as a summary line, every other rewrite on a line of its
/// own. `cargo xtask spec check` lists them all.
fn report_warnings(warnings: &[uumit_codegen::Diagnostic]) {
    let (limits, others): (Vec<_>, Vec<_>) = warnings
        .iter()
        .partition(|w| w.message.starts_with("dropped string limit"));
    let (examples, others): (Vec<_>, Vec<_>) = others
        .into_iter()
        .partition(|w| w.message.starts_with("kept the first of"));
    if !limits.is_empty() {
        println!(
            "cargo:warning=openapi.json: dropped {} string length or pattern limit(s) so that responses breaking them still decode; `cargo xtask spec check` lists them",
            limits.len()
        );
    }
    if !examples.is_empty() {
        println!(
            "cargo:warning=openapi.json: kept only the first example in {} place(s) that list several, as OpenAPI 3.0 allows one; `cargo xtask spec check` lists them",
            examples.len()
        );
    }
    for warning in others {
        println!("cargo:warning=openapi.json{warning}");
    }
}
