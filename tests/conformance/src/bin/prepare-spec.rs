//! `prepare-spec [--prefix /v1] [--no-rewrite] [IN] OUT`: writes the prepared (3.1-clean,
//! `/v1`-prefixed) copy of the vendored OpenAPI spec as JSON, for Prism to serve. IN defaults to
//! `tests/spec/openapi.yaml`. `--no-rewrite` only prefixes the paths: the spec as published, to
//! show that the suite's negative canaries catch Prism's silent validation skip.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut prefix = String::from("/v1");
    let mut rewrite = true;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--prefix" => prefix = args.next().unwrap_or_default(),
            "--no-rewrite" => rewrite = false,
            "-h" | "--help" => {
                eprintln!("usage: prepare-spec [--prefix /v1] [--no-rewrite] [IN.yaml] OUT.json");
                return ExitCode::SUCCESS;
            }
            _ => files.push(a.into()),
        }
    }
    let (input, output) = match files.len() {
        1 => (openai_conformance::spec_path(), files.remove(0)),
        2 => (files.remove(0), files.remove(0)),
        _ => {
            eprintln!("usage: prepare-spec [--prefix /v1] [--no-rewrite] [IN.yaml] OUT.json");
            return ExitCode::from(2);
        }
    };
    let mut spec = match openai_conformance::load_spec(&input) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("prepare-spec: {e}");
            return ExitCode::FAILURE;
        }
    };
    let r = if rewrite {
        openai_conformance::prepare(&mut spec, &prefix)
    } else {
        openai_conformance::Rewrites {
            paths: openai_conformance::prefix_paths(&mut spec, &prefix),
            ..Default::default()
        }
    };
    let left = openai_conformance::leftover_30_keywords(&spec);
    if rewrite && left != 0 {
        eprintln!("prepare-spec: {left} OpenAPI 3.0 keywords left after rewriting");
        return ExitCode::FAILURE;
    }
    if let Some(dir) = output.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("prepare-spec: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let json = serde_json::to_vec(&spec).expect("a JSON value serialises");
    if let Err(e) = std::fs::write(&output, json) {
        eprintln!("prepare-spec: cannot write {}: {e}", output.display());
        return ExitCode::FAILURE;
    }
    eprintln!(
        "prepare-spec: {} -> {}: {} nullable rewritten ({} nullable:false dropped), {} boolean exclusive bounds, {} overlapping oneOf unions made anyOf, {} paths prefixed with {prefix:?}",
        input.display(),
        output.display(),
        r.nullable,
        r.nullable_false,
        r.exclusive_bounds,
        r.overlapping_unions,
        r.paths
    );
    ExitCode::SUCCESS
}
