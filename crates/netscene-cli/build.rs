//! With the `agones` feature: generates the gRPC *server* side of the Agones SDK (the services
//! `agones.dev.sdk.SDK` and `agones.dev.sdk.beta.SDK`) from the .proto files the `agones` crate
//! ships, for tests/agones.rs's fake SDK sidecar. The crate itself only builds the client.
//! Needs `protoc` (scripts/install-protoc.sh); without the feature this does nothing.

fn main() {
    #[cfg(feature = "agones")]
    agones_fake_server();
}

#[cfg(feature = "agones")]
fn agones_fake_server() {
    use std::path::PathBuf;
    use std::process::Command;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    // Only this build's platform: offline, cargo has downloaded just its packages (a fresh
    // machine has no Windows-only crates, and unfiltered metadata fails wanting them).
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--all-features",
            "--filter-platform",
            &target,
            "--manifest-path",
        ])
        .arg(manifest.join("Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let agones = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "agones"))
        .expect("the agones package in cargo metadata");
    let manifest_path = PathBuf::from(agones["manifest_path"].as_str().expect("manifest path"));
    let proto = manifest_path.parent().expect("agones dir").join("proto");
    let files = ["sdk/sdk.proto", "sdk/beta/beta.proto"].map(|f| proto.join(f));
    let includes =
        ["googleapis", "grpc-gateway", "sdk/alpha", "sdk/beta", "sdk"].map(|d| proto.join(d));
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    if let Err(error) = tonic_build::configure()
        .build_client(false)
        .build_server(true)
        .compile_protos(&files, &includes)
    {
        panic!(
            "cannot generate the fake Agones sidecar from {}: {error}\n\
             (is protoc installed? run: bash scripts/install-protoc.sh)",
            proto.display()
        );
    }
}
