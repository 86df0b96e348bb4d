//! Compiles `c/enet_c_peer.c` into an executable linked with the system's C ENet, zlib and
//! libzstd, with the flags `pkg-config --cflags --libs libenet zlib libzstd` gives (Debian:
//! `libenet-dev`, `zlib1g-dev`, `libzstd-dev`, `pkg-config`; `scripts/install-enet.sh`, which
//! the repository's `./test.sh` runs, installs them).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let source = "c/enet_c_peer.c";
    println!("cargo:rerun-if-changed={source}");
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libenet", "zlib", "libzstd"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_else(|| {
            panic!(
                "C ENet, zlib or zstd not found by pkg-config (the C ENet interop tests need \
                 libenet-dev, zlib1g-dev, libzstd-dev and pkg-config): run ./test.sh, which \
                 installs them and runs the tests (or only install them: bash scripts/install-enet.sh)"
            )
        });
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let binary = out_dir.join("enet_c_peer");
    let compiler = cc::Build::new().opt_level(2).get_compiler();
    let status = compiler
        .to_command()
        .args(["-std=c11", "-Wall", "-Wextra", "-o"])
        .arg(&binary)
        .arg(source)
        .args(flags.split_whitespace())
        .status()
        .expect("running the C compiler");
    assert!(status.success(), "compiling {source} failed");
    println!("cargo:rustc-env=NETSCENE_ENET_C_PEER={}", binary.display());
}
