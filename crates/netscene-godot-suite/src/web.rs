//! The suite's HTTP server on 127.0.0.1: the template's files, each client's page and main
//! pack, and the lines each client's Godot prints (POSTed back by its page, in order).

use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock};

use crate::template::{TEMPLATE_FILES, template_dir};

/// What a client's page reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Report {
    /// A line Godot printed on stdout (`print`).
    Out(String),
    /// A line Godot printed on stderr (`printerr`, `push_error`, engine errors).
    Err(String),
    /// Godot exited with this code.
    Exit(i32),
    /// The page could not start the engine, or threw.
    PageError(String),
}

struct Client {
    page: String,
    pack: Vec<u8>,
    reports: Sender<Report>,
}

/// The process-wide server: one per test binary, clients registered by id.
pub(crate) struct WebHost {
    port: u16,
    clients: Arc<Mutex<HashMap<u64, Client>>>,
    template: Arc<HashMap<&'static str, Vec<u8>>>,
}

impl WebHost {
    /// The server, started on first use.
    pub(crate) fn get() -> &'static WebHost {
        static HOST: OnceLock<WebHost> = OnceLock::new();
        HOST.get_or_init(WebHost::start)
    }

    fn start() -> WebHost {
        let dir = template_dir();
        let template: HashMap<&'static str, Vec<u8>> = TEMPLATE_FILES
            .iter()
            .map(|&name| {
                let bytes = std::fs::read(dir.join(name))
                    .unwrap_or_else(|e| panic!("cannot read the template's {name}: {e}"));
                (name, bytes)
            })
            .collect();
        let server = tiny_http::Server::http("127.0.0.1:0").expect("HTTP server on 127.0.0.1");
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let host = WebHost {
            port,
            clients: Arc::default(),
            template: Arc::new(template),
        };
        let clients = Arc::clone(&host.clients);
        let template = Arc::clone(&host.template);
        // Requests are small and local; one thread answers them in turn.
        std::thread::Builder::new()
            .name("godot-suite-http".into())
            .spawn(move || {
                for request in server.incoming_requests() {
                    answer(request, &clients, &template);
                }
            })
            .expect("HTTP thread");
        host
    }

    /// Registers a client; its page is `/c/{id}/`.
    pub(crate) fn add_client(&self, id: u64, page: String, pack: Vec<u8>, reports: Sender<Report>) {
        self.clients.lock().expect("clients").insert(
            id,
            Client {
                page,
                pack,
                reports,
            },
        );
    }

    /// Forgets a client (its page's later reports are dropped).
    pub(crate) fn remove_client(&self, id: u64) {
        self.clients.lock().expect("clients").remove(&id);
    }

    /// The URL of a client's page.
    pub(crate) fn page_url(&self, id: u64) -> String {
        format!("http://127.0.0.1:{}/c/{id}/", self.port)
    }
}

fn answer(
    mut request: tiny_http::Request,
    clients: &Mutex<HashMap<u64, Client>>,
    template: &HashMap<&'static str, Vec<u8>>,
) {
    let url = request.url().to_owned();
    let parts: Vec<&str> = url.trim_start_matches('/').splitn(3, '/').collect();
    let response = match parts.as_slice() {
        ["t", name] => template
            .get(name)
            .map(|bytes| (bytes.clone(), content_type(name))),
        ["c", id, rest] => {
            let id: u64 = id.parse().unwrap_or(u64::MAX);
            let mut body = String::new();
            if *rest == "log" {
                // Bounded: a page posts one printed line at a time.
                let _ = request.as_reader().take(1 << 20).read_to_string(&mut body);
            }
            let clients = clients.lock().expect("clients");
            clients.get(&id).and_then(|client| match *rest {
                "" => Some((client.page.clone().into_bytes(), "text/html; charset=utf-8")),
                "pack.zip" => Some((client.pack.clone(), "application/zip")),
                "log" => {
                    let _ = client.reports.send(parse_report(&body));
                    Some((Vec::new(), "text/plain"))
                }
                _ => None,
            })
        }
        _ => None,
    };
    let result = match response {
        Some((body, kind)) => {
            let header = tiny_http::Header::from_bytes("Content-Type", kind).expect("header");
            request.respond(tiny_http::Response::from_data(body).with_header(header))
        }
        None => request.respond(tiny_http::Response::empty(404)),
    };
    // A browser that went away mid-answer is not the test's concern.
    let _ = result;
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".wasm") {
        "application/wasm"
    } else {
        "text/javascript"
    }
}

/// Reads one POSTed report: `KIND text`.
fn parse_report(body: &str) -> Report {
    let (kind, text) = body.split_once(' ').unwrap_or((body, ""));
    match kind {
        "OUT" => Report::Out(text.to_owned()),
        "ERR" => Report::Err(text.to_owned()),
        "EXIT" => Report::Exit(text.trim().parse().unwrap_or(i32::MIN)),
        _ => Report::PageError(text.to_owned()),
    }
}

/// The page that starts Godot with `pack` and forwards every printed line. Reports are
/// chained so they arrive in the order Godot printed them.
pub(crate) fn client_page(id: u64, user_args: &[String]) -> String {
    let mut args = vec!["--headless".to_owned(), "--".to_owned()];
    args.extend(user_args.iter().cloned());
    let args = js_string_array(&args);
    format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>netscene godot client {id}</title></head>
<body><canvas id="canvas"></canvas>
<script src="/t/index.js"></script>
<script>
let chain = Promise.resolve();
function report(kind, text) {{
  chain = chain.then(() => fetch('/c/{id}/log', {{ method: 'POST', body: kind + ' ' + text }}))
               .catch(() => {{}});
}}
window.addEventListener('error', (e) => report('PAGE', String(e.message)));
window.addEventListener('unhandledrejection', (e) => report('PAGE', String(e.reason)));
const engine = new Engine({{
  executable: '/t/index',
  mainPack: '/c/{id}/pack.zip',
  args: {args},
  onPrint: (...parts) => report('OUT', parts.join(' ')),
  onPrintError: (...parts) => report('ERR', parts.join(' ')),
  onExit: (code) => report('EXIT', String(code)),
}});
engine.startGame().catch((e) => report('PAGE', 'cannot start Godot: ' + e));
</script></body></html>
"#
    )
}

fn js_string_array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| {
            let mut out = String::from("\"");
            for c in item.chars() {
                match c {
                    '"' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    '<' => out.push_str("\\u003c"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        })
        .collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse_by_kind() {
        assert_eq!(parse_report("OUT hi there"), Report::Out("hi there".into()));
        assert_eq!(parse_report("ERR ERROR: x"), Report::Err("ERROR: x".into()));
        assert_eq!(parse_report("EXIT 3"), Report::Exit(3));
        assert_eq!(parse_report("OUT "), Report::Out(String::new()));
        assert_eq!(parse_report("PAGE boom"), Report::PageError("boom".into()));
    }

    #[test]
    fn user_args_are_escaped_into_the_page() {
        let page = client_page(7, &["--name=a\"b</script>".into()]);
        assert!(page.contains(r#"["--headless", "--", "--name=a\"b\u003c/script>"]"#));
        assert!(page.contains("/c/7/pack.zip"));
    }
}
