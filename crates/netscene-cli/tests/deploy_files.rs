//! The container and Kubernetes files agree with the binary: the Dockerfile (multi-stage,
//! non-root runtime, `serve` entrypoint, the game and health ports), and deploy/agones/'s
//! GameServer, Fleet and FleetAutoscaler (parsed as YAML: ports, probe paths, the players
//! list, the grace period against --drain-timeout, and every flag and NETSCENE_* variable
//! they use, checked against `netscene serve --help` of the built binary).
//!
//! No Docker daemon or Kubernetes cluster is needed (none runs where these tests run): the
//! image build itself is `docker build -t netscene .` at the repository root.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::*;
use yaml_rust2::{Yaml, YamlLoader};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    let path = repository().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &str) -> Yaml {
    let mut documents = YamlLoader::load_from_str(&read(path)).expect(path);
    assert_eq!(documents.len(), 1, "{path}: one document");
    documents.remove(0)
}

/// `serve --help` of the built binary.
fn serve_help() -> String {
    let (code, stdout, stderr) = start(&["serve", "--help"], &[]).wait();
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// The Dockerfile's `ENV` values (`KEY=value`, possibly continued over lines).
fn dockerfile_env(dockerfile: &str) -> BTreeMap<String, String> {
    let joined = dockerfile.replace("\\\n", " ");
    joined
        .lines()
        .filter_map(|line| line.strip_prefix("ENV "))
        .flat_map(|rest| rest.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn dockerfile_is_multi_stage_non_root_and_serves_the_documented_ports() {
    let dockerfile = read("Dockerfile");
    let stages: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert!(stages.len() >= 2, "multi-stage: {stages:?}");
    assert!(stages[0].ends_with(" AS build"), "{stages:?}");
    let runtime = stages.last().unwrap();
    assert!(
        runtime.contains("distroless") && runtime.contains(":nonroot"),
        "{runtime}"
    );
    let after_runtime = &dockerfile[dockerfile.find(runtime).unwrap()..];
    assert!(
        after_runtime.contains("\nUSER nonroot"),
        "non-root user in the runtime stage"
    );
    assert!(after_runtime.contains("COPY --from=build /netscene /usr/local/bin/netscene"));
    assert!(
        dockerfile.contains("\nENTRYPOINT [\"/usr/local/bin/netscene\", \"serve\"]\n"),
        "serve is the entrypoint"
    );
    // The build makes the binary the manifests need (--agones), with protoc for the SDK.
    assert!(
        dockerfile.contains("cargo build --release --locked -p netscene-cli --features agones")
    );
    assert!(dockerfile.contains("protobuf-compiler"));

    let env = dockerfile_env(&dockerfile);
    assert_eq!(
        env.get("NETSCENE_PORT").map(String::as_str),
        Some("7000"),
        "{env:?}"
    );
    assert_eq!(
        env.get("NETSCENE_HEALTH_PORT").map(String::as_str),
        Some("8080")
    );
    assert_eq!(
        env.get("NETSCENE_LOG_FORMAT").map(String::as_str),
        Some("json")
    );
    let expose: Vec<&str> = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("EXPOSE "))
        .flat_map(str::split_whitespace)
        .collect();
    assert_eq!(
        expose,
        ["7000/udp", "7000/tcp", "8080/tcp"],
        "ENet, WebSocket, health"
    );

    // Every variable the image sets is one the binary reads.
    let help = serve_help();
    for key in env.keys() {
        assert!(
            help.contains(&format!("[env: {key}=")),
            "serve does not read {key}"
        );
    }
    let context = read(".dockerignore");
    assert!(
        context.lines().any(|l| l == "target"),
        "the build context skips target/"
    );
}

/// The checks shared by the GameServer and the Fleet's template.
fn check_gameserver_spec(spec: &Yaml, help: &str, what: &str) {
    let container_name = spec["container"].as_str().expect("spec.container");
    let containers = spec["template"]["spec"]["containers"]
        .as_vec()
        .expect("containers");
    let container = containers
        .iter()
        .find(|c| c["name"].as_str() == Some(container_name))
        .unwrap_or_else(|| panic!("{what}: no container {container_name}"));

    let env: BTreeMap<&str, &str> = container["env"]
        .as_vec()
        .expect("env")
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    for key in env.keys() {
        assert!(
            help.contains(&format!("[env: {key}=")),
            "{what}: serve does not read {key}"
        );
    }
    let game_port: i64 = env["NETSCENE_PORT"].parse().unwrap();
    let health_port: i64 = env["NETSCENE_HEALTH_PORT"].parse().unwrap();
    let dockerfile_env = dockerfile_env(&read("Dockerfile"));
    assert_eq!(
        env["NETSCENE_PORT"], dockerfile_env["NETSCENE_PORT"],
        "{what}"
    );
    assert_eq!(
        env["NETSCENE_HEALTH_PORT"],
        dockerfile_env["NETSCENE_HEALTH_PORT"]
    );

    // The game port: ENet is UDP, WebSocket TCP.
    let ports = spec["ports"].as_vec().expect("spec.ports");
    let game = ports
        .iter()
        .find(|p| p["name"].as_str() == Some("game"))
        .expect("a game port");
    assert_eq!(game["containerPort"].as_i64(), Some(game_port), "{what}");
    let protocol = match env["NETSCENE_TRANSPORT"] {
        "enet" => "UDP",
        "ws" => "TCP",
        other => panic!("{what}: unknown transport {other}"),
    };
    assert_eq!(game["protocol"].as_str(), Some(protocol), "{what}");

    // Probes on the health port: liveness on /healthz, readiness on /readyz.
    let liveness = &container["livenessProbe"]["httpGet"];
    assert_eq!(liveness["path"].as_str(), Some("/healthz"), "{what}");
    assert_eq!(liveness["port"].as_i64(), Some(health_port), "{what}");
    let readiness = &container["readinessProbe"]["httpGet"];
    assert_eq!(readiness["path"].as_str(), Some("/readyz"), "{what}");
    assert_eq!(readiness["port"].as_i64(), Some(health_port), "{what}");
    assert!(
        container["ports"]
            .as_vec()
            .unwrap()
            .iter()
            .any(|p| p["containerPort"].as_i64() == Some(health_port)),
        "{what}: the health port is declared"
    );

    // Flags: each one is a flag of serve; the players list holds --max-clients; the pod gets
    // longer to stop than the drain lasts; Agones health checking is on.
    let args: Vec<&str> = container["args"]
        .as_vec()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string args"))
        .collect();
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(
            help.contains(&format!("  {flag}")),
            "{what}: serve has no {flag}"
        );
    }
    let value_of = |flag: &str| -> i64 {
        let at = args.iter().position(|a| *a == flag).expect(flag);
        args[at + 1].parse().unwrap()
    };
    assert!(args.contains(&"--agones"), "{what}");
    assert_eq!(
        spec["lists"]["players"]["capacity"].as_i64(),
        Some(value_of("--max-clients")),
        "{what}"
    );
    let grace = spec["template"]["spec"]["terminationGracePeriodSeconds"]
        .as_i64()
        .expect("terminationGracePeriodSeconds");
    assert!(grace > value_of("--drain-timeout"), "{what}: grace {grace}");
    assert_eq!(spec["health"]["disabled"].as_bool(), None, "{what}");
    assert!(
        spec["health"]["periodSeconds"].as_i64().unwrap() >= 2,
        "{what}"
    );
}

#[test]
fn agones_manifests_agree_with_the_binary() {
    let help = serve_help();
    let gameserver = yaml("deploy/agones/gameserver.yaml");
    assert_eq!(gameserver["apiVersion"].as_str(), Some("agones.dev/v1"));
    assert_eq!(gameserver["kind"].as_str(), Some("GameServer"));
    check_gameserver_spec(&gameserver["spec"], &help, "gameserver.yaml");

    let fleet = yaml("deploy/agones/fleet.yaml");
    assert_eq!(fleet["apiVersion"].as_str(), Some("agones.dev/v1"));
    assert_eq!(fleet["kind"].as_str(), Some("Fleet"));
    let template = &fleet["spec"]["template"]["spec"];
    check_gameserver_spec(template, &help, "fleet.yaml");
    assert_eq!(
        template, &gameserver["spec"],
        "the Fleet runs gameserver.yaml's spec"
    );

    let autoscaler = yaml("deploy/agones/fleetautoscaler.yaml");
    assert_eq!(
        autoscaler["apiVersion"].as_str(),
        Some("autoscaling.agones.dev/v1")
    );
    assert_eq!(autoscaler["kind"].as_str(), Some("FleetAutoscaler"));
    assert_eq!(
        autoscaler["spec"]["fleetName"].as_str(),
        fleet["metadata"]["name"].as_str()
    );
    let buffer = &autoscaler["spec"]["policy"]["buffer"];
    let min = buffer["minReplicas"].as_i64().unwrap();
    let max = buffer["maxReplicas"].as_i64().unwrap();
    assert!(buffer["bufferSize"].as_i64().unwrap() <= min && min <= max);
}
