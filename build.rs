//! Records how the crate was compiled, for `fastinfo.show_config()` (`src/python/config.rs`).
//!
//! Cargo tells a build script the target, the optimisation level and the target features, but not
//! the profile's name (`PROFILE` is only `release` or `debug`, `ci` included in `release`). The
//! name is read off `OUT_DIR` instead, `<target dir>/[<triple>/]<profile dir>/build/<package>…`:
//! the component before the last `build`. Where that layout is not recognised the profile is
//! reported as `PROFILE` with a `?`.

use std::env;
use std::path::Path;
use std::process::Command;

fn profile_dir(out_dir: &Path) -> Option<String> {
    let parts: Vec<&str> = out_dir.iter().filter_map(|c| c.to_str()).collect();
    let build = parts.iter().rposition(|&c| c == "build")?;
    let name = *parts.get(build.checked_sub(1)?)?;
    let plausible = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    // The `dev` profile's directory is `debug`.
    plausible.then(|| if name == "debug" { "dev" } else { name }.to_string())
}

fn main() {
    let var = |name: &str| env::var(name).unwrap_or_default();
    let profile =
        profile_dir(Path::new(&var("OUT_DIR"))).unwrap_or_else(|| format!("{}?", var("PROFILE")));
    let rustc = Command::new(env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "unknown".to_string(), |v| v.trim().to_string());
    for (key, value) in [
        ("PROFILE", profile),
        ("OPT_LEVEL", var("OPT_LEVEL")),
        ("TARGET", var("TARGET")),
        ("TARGET_FEATURES", var("CARGO_CFG_TARGET_FEATURE")),
        ("RUSTC", rustc),
    ] {
        println!("cargo:rustc-env=FASTINFO_BUILD_{key}={value}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
