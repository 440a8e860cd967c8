//! Generates `include/openai.h` with cbindgen (pinned) from the crate's exports. The header is
//! committed; `make c-test` regenerates it and fails on `git diff`.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    // A SONAME, so programs record `libopenai.so` (found through their rpath or the loader path)
    // rather than the absolute path they were linked against. The release tarball (`make dist`)
    // sets OPENAI_SONAME to the versioned name (libopenai.so.0.1); in-tree builds keep the plain
    // one, because the tests link target/*/libopenai.so where no versioned link exists.
    println!("cargo:rerun-if-env-changed=OPENAI_SONAME");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let soname = env::var("OPENAI_SONAME").unwrap_or_else(|_| "libopenai.so".to_owned());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }

    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml"))
        .expect("bindings-c/cbindgen.toml is valid");
    let v = |k: &str| env::var(k).expect("cargo sets the version variables");
    config.after_includes = Some(format!(
        "\n#define OPENAI_VERSION_MAJOR {}\n#define OPENAI_VERSION_MINOR {}\n#define OPENAI_VERSION_PATCH {}\n\
         /** The library version as a string literal; equals what openai_version() returns. */\n\
         #define OPENAI_VERSION_STRING \"{}\"",
        v("CARGO_PKG_VERSION_MAJOR"),
        v("CARGO_PKG_VERSION_MINOR"),
        v("CARGO_PKG_VERSION_PATCH"),
        v("CARGO_PKG_VERSION"),
    ));
    match cbindgen::Builder::new()
        .with_src(dir.join("src/lib.rs"))
        .with_config(config)
        .generate()
    {
        // Writes only when the content changed, so CMake does not rebuild for nothing.
        Ok(bindings) => {
            bindings.write_to_file(dir.join("include/openai.h"));
        }
        Err(e) => panic!("cbindgen failed to generate include/openai.h: {e}"),
    }
}
